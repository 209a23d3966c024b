/**
 * The production {@link Sys}: Linux through libc FFI and Deno's permission-checked APIs.
 *
 * @module
 */

import { linuxClock } from "./clock.ts";
import { LinuxCpus } from "./cpus.ts";
import { LinuxDisks } from "./disks/disks.ts";
import { type GuestFiles, openGuestFiles } from "./files/files.ts";
import { LinuxFilesystems } from "./filesystems/filesystems.ts";
import { LinuxHost } from "./host.ts";
import { LinuxMemory } from "./memory.ts";
import { LinuxNetwork } from "./network/network.ts";
import { LinuxPower } from "./power.ts";
import { DenoProcesses } from "./processes.ts";
import type { Sys } from "./sys.ts";
import { LinuxUsers } from "./users.ts";

/** Choices of {@link linuxSys} beyond the fixed-path root. */
export interface LinuxSysOptions {
  /**
   * The guest-file domain, from `openGuestFiles()` (`./files/files.ts`) for the profile's
   * scope. Default: the `anywhere` scope (profile `full`, qemu-ga parity).
   */
  readonly files?: GuestFiles;
  /** guest-exec's programs: only these (confined profiles' `--exec-allow`); default: any. */
  readonly execAllow?: readonly string[];
}

/**
 * Returns the Linux implementation of {@link Sys}.
 *
 * @param root Where the fixed paths (`/proc/...`, `/sys/...`) are read: `/` in production, a
 *   fixture tree in tests. Guest files, programs and the clock are never rooted.
 * @param options The guest-file domain and guest-exec's list ({@link LinuxSysOptions}).
 */
export function linuxSys(root = "/", options: LinuxSysOptions = {}): Sys {
  return {
    clock: linuxClock,
    filesystems: new LinuxFilesystems(root),
    files: options.files ?? openGuestFiles({ kind: "anywhere" }).files,
    processes: new DenoProcesses(
      options.execAllow === undefined ? {} : { execAllow: options.execAllow },
    ),
    cpus: new LinuxCpus(root),
    network: new LinuxNetwork(root),
    power: new LinuxPower(root),
    host: new LinuxHost(root),
    memory: new LinuxMemory(root),
    disks: new LinuxDisks(root),
    users: new LinuxUsers(root),
  };
}
