/**
 * What guest-fsfreeze-freeze(-list), guest-fsfreeze-thaw and guest-fstrim need from the OS:
 * the two mount tables, `stat()` of mount sources, and `open` / `ioctl` / `close` on mount
 * points. Shaped like the system calls qemu-ga makes so fakes can record exact sequences.
 *
 * Every method that can fail throws an error with a numeric `errno` and the `strerror` text as
 * message ({@link OsError} in fakes, `SysError` from `../libc.ts` in production).
 *
 * @module
 */

import type { DeviceStat } from "../mountinfo.ts";

export type { DeviceStat };
export type { OsError } from "./os_error.ts";

/** `FIFREEZE` = `_IOWR('X', 119, int)`. */
export const FIFREEZE = 0xC0045877;
/** `FITHAW` = `_IOWR('X', 120, int)`. */
export const FITHAW = 0xC0045878;
/** `FITRIM` = `_IOWR('X', 121, struct fstrim_range)` (three u64: start, len, minlen). */
export const FITRIM = 0xC0185879;
/** Size of `struct fstrim_range`. */
export const FSTRIM_RANGE_SIZE = 24;

/** Path of the primary mount table. */
export const MOUNTINFO_PATH = "/proc/self/mountinfo";
/** Path of the fallback mount table. */
export const PROC_MOUNTS_PATH = "/proc/self/mounts";

/** Reading the mount tables. */
export interface MountTableOps {
  /** The bytes of `/proc/self/mountinfo`, or `null` when it cannot be opened. */
  readMountinfo(): Uint8Array | null;
  /** The bytes of `/proc/self/mounts`, or `null` when it cannot be opened. */
  readProcMounts(): Uint8Array | null;
  /** `stat()` (following symlinks) of a mount source; never throws for OS errors. */
  statDevice(path: Uint8Array): DeviceStat;
}

/** `open` / `ioctl` / `close` on mount points. */
export interface FsIoctlOps {
  /**
   * `open(path, O_RDONLY | O_CLOEXEC)`.
   *
   * @returns The file descriptor.
   * @throws OsError (or SysError) when `open` fails.
   */
  openReadOnly(path: Uint8Array): number;
  /**
   * `ioctl(fd, request, arg)`: `arg` is a buffer the kernel may read and write (FITRIM's range);
   * without it the third argument is 0 (FIFREEZE, FITHAW).
   *
   * @throws OsError (or SysError) when the ioctl returns -1.
   */
  ioctl(fd: number, request: number, arg?: Uint8Array): void;
  /** `close(fd)`, errors ignored. */
  close(fd: number): void;
}

/** Everything freeze and thaw need. */
export interface FreezeOps extends MountTableOps, FsIoctlOps {}

/** Everything guest-fstrim needs (the same calls as freeze). */
export type TrimOps = FreezeOps;
