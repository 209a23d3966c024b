/**
 * The production {@link Sys}: Linux through libc FFI.
 *
 * @module
 */

import { SysfsCpus } from "./fs_ffi/cpu_sysfs.ts";
import { realtimeNs } from "./libc.ts";
import { LinuxNetworkSource } from "./net/network_source.ts";
import { linuxSysOps } from "./ops/mod.ts";
import type { Sys } from "./sys.ts";

/** Returns the Linux implementation of {@link Sys}. */
export function linuxSys(): Sys {
  return {
    realtimeNs,
    network: new LinuxNetworkSource(),
    cpus: new SysfsCpus(),
    ...linuxSysOps(),
  };
}
