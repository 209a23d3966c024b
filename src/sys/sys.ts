/**
 * The `Sys` interface: everything commands need from the operating system, in one place so that
 * commands can be tested against fakes and fixture trees without root. The real implementation
 * (`./linux.ts`) reaches fixed-path special files through libc FFI; user paths (guest-file-*)
 * stay on Deno APIs so the baked `--allow-read/--allow-write` flags confine them.
 *
 * @module
 */

import type { CpuSysfs } from "./fs_ffi/cpu_sysfs.ts";
import type { NetworkSource } from "./net/network_source.ts";
import type { SysOps } from "./ops/mod.ts";

/** Operating-system services used by command handlers. */
export interface Sys extends SysOps {
  /** Wall-clock time in nanoseconds since the epoch, exact (microsecond resolution × 1000). */
  realtimeNs(): bigint;
  /** getifaddrs, SIOCGIFHWADDR and /proc/net/dev (guest-network-get-interfaces). */
  readonly network: NetworkSource;
  /** /sys/devices/system/cpu (guest-get-vcpus). */
  readonly cpus: CpuSysfs;
}
