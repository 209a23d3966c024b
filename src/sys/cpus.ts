/**
 * The CPU domain of `Sys` (`./sys.ts`): `/proc/stat` and `sysconf(_SC_CLK_TCK)` for
 * guest-get-cpustats, and `/sys/devices/system/cpu` as guest-get-vcpus and guest-set-vcpus use
 * it, with the same calls as qemu-ga — `opendir`/`readdir` of the CPU directory,
 * `open(cpuN/, O_DIRECTORY)`, `openat(dirfd, "online", O_RDONLY | O_RDWR)`, one-byte `pread` and
 * `pwrite` at offset 0 — so fakes can record exact sequences.
 *
 * {@link LinuxCpus} goes through libc (Deno refuses `/sys` without `-A`) under a root: `/` in
 * production, a fixture tree in tests. Never written on a host's real sysfs in tests: writing
 * `online` takes CPUs offline.
 *
 * @module
 */

import { listDirectory, readSmallFile, underRoot } from "./fd.ts";
import { libc } from "./libc.ts";
import { OpenFlags, Sysconf } from "./structs.ts";
import { LinuxSysfsFiles, type SysfsFiles } from "./sysfs_files.ts";

/** Where qemu-ga looks for CPUs (and what its messages print). */
export const CPU_SYSFS_DIR = "/sys/devices/system/cpu";

/** The kernel's CPU time counters (guest-get-cpustats). */
export const PROC_STAT = "/proc/stat";

/** System calls on `/sys/devices/system/cpu` (its `cpuN/online` files: {@link SysfsFiles}). */
export interface Cpus extends SysfsFiles {
  /**
   * Lists {@link CPU_SYSFS_DIR} in `readdir()` order, without `.` and `..`.
   *
   * @throws OsError when the directory cannot be opened.
   */
  listCpuDir(): string[];
  /**
   * The contents of {@link PROC_STAT} (guest-get-cpustats).
   *
   * @throws OsError when it cannot be opened (call `open`) or read (call `read`).
   */
  procStat(): Uint8Array;
  /** `sysconf(_SC_CLK_TCK)`: clock ticks per second, the unit of `/proc/stat` (-1 on failure). */
  clockTicksPerSecond(): number;
}

/** {@link Cpus} on the real sysfs (root `/`) or a fixture tree. */
export class LinuxCpus extends LinuxSysfsFiles implements Cpus {
  /** Creates the domain; `root` prefixes every path (default `/`). */
  constructor(root = "/") {
    super(root, OpenFlags.O_RDWR);
  }

  /** {@inheritDoc Cpus.listCpuDir} */
  listCpuDir(): string[] {
    const decoder = new TextDecoder();
    return listDirectory(underRoot(this.root, CPU_SYSFS_DIR)).map((n) => decoder.decode(n));
  }

  /** {@inheritDoc Cpus.procStat} */
  procStat(): Uint8Array {
    return readSmallFile(underRoot(this.root, PROC_STAT));
  }

  /** {@inheritDoc Cpus.clockTicksPerSecond} */
  clockTicksPerSecond(): number {
    return Number(libc().sysconf(Sysconf._SC_CLK_TCK));
  }
}
