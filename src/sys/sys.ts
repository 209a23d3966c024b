/**
 * The `Sys` interface: everything commands need from the operating system, one domain per
 * member, so that commands can be tested against one fake (`tests/helpers/fake_sys/`) and
 * against fixture trees without root. Commands reach the OS only through `ctx.sys`.
 *
 * The Linux implementation (`./linux.ts`) reaches fixed-path special files (`/proc`, `/sys`,
 * ioctls) through libc FFI; programs stay on Deno APIs, so the baked `--allow-run` flags confine
 * them. Paths the host names (guest-file-*) go through libc too, confined (or not) by the
 * profile's scope (`./files/files.ts`: `openat2` beneath the file roots, or anywhere). Every
 * domain reports OS failures as `OsError` (`./os_error.ts`).
 *
 * @module
 */

import type { Clock } from "./clock.ts";
import type { Cpus } from "./cpus.ts";
import type { Disks } from "./disks/disks.ts";
import type { GuestFiles } from "./files/files.ts";
import type { Filesystems } from "./filesystems/filesystems.ts";
import type { Host } from "./host.ts";
import type { Memory } from "./memory.ts";
import type { Network } from "./network/network.ts";
import type { Power } from "./power.ts";
import type { Processes } from "./processes.ts";
import type { Users } from "./users.ts";

/** Operating-system services used by command handlers. */
export interface Sys {
  /** Wall clock: read exactly, set (guest-get-time, guest-set-time). */
  readonly clock: Clock;
  /** Mount tables, FIFREEZE/FITHAW/FITRIM (guest-fsfreeze-*, guest-fstrim). */
  readonly filesystems: Filesystems;
  /** Files the host names (guest-file-*). */
  readonly files: GuestFiles;
  /** Helper programs: hook, hwclock, shutdown, suspend helpers. */
  readonly processes: Processes;
  /** `/sys/devices/system/cpu` (guest-get-vcpus, guest-set-vcpus). */
  readonly cpus: Cpus;
  /** getifaddrs, SIOCGIFHWADDR, `/proc/net/dev` (guest-network-get-interfaces). */
  readonly network: Network;
  /** `/sys/power/state` (guest-suspend-*). */
  readonly power: Power;
  /** Host name, uname, os-release, time zone, load, login records. */
  readonly host: Host;
  /** `/sys/devices/system/memory` (guest-*-memory-block*). */
  readonly memory: Memory;
  /** Block devices, sysfs topology, udev data, statvfs, diskstats. */
  readonly disks: Disks;
  /** The passwd database and users' authorized keys (guest-ssh-*). */
  readonly users: Users;
}
