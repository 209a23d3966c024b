/**
 * The filesystems domain of `Sys` (`../sys.ts`): the mount tables and the per-mount ioctls behind
 * guest-fsfreeze-*, guest-fstrim (and later guest-get-fsinfo).
 *
 * {@link LinuxFilesystems} reads the mount tables and opens and ioctls mount points through libc
 * (Deno refuses `/proc` paths without `-A`, and has no ioctl), and `stat`s mount sources with
 * `statx` (sources live under `/dev`, also refused to Deno's own APIs). Never called in tests
 * against the real machine's mounts: FIFREEZE on a host freezes its filesystems.
 *
 * @module
 */

import { closeFd, openReadOnly, readSmallFile, statPath, underRoot } from "../fd.ts";
import { check, libc } from "../libc.ts";
import { OsError } from "../os_error.ts";
import { FileType } from "../structs.ts";
import type { DeviceStat } from "./mountinfo.ts";

/** `_IOWR('X', 119, int)`: freeze a filesystem. */
export const FIFREEZE = 0xC0045877;
/** `_IOWR('X', 120, int)`: thaw a filesystem. */
export const FITHAW = 0xC0045878;
/** `_IOWR('X', 121, struct fstrim_range)` (three u64: start, len, minlen). */
export const FITRIM = 0xC0185879;
/** Size of `struct fstrim_range`. */
export const FSTRIM_RANGE_SIZE = 24;

/** Path of the primary mount table. */
export const MOUNTINFO_PATH = "/proc/self/mountinfo";
/** Path of the fallback mount table. */
export const PROC_MOUNTS_PATH = "/proc/self/mounts";

/** Reading the mount tables. */
export interface MountTables {
  /** The bytes of `/proc/self/mountinfo`, or `null` when it cannot be opened. */
  readMountinfo(): Uint8Array | null;
  /** The bytes of `/proc/self/mounts`, or `null` when it cannot be opened. */
  readProcMounts(): Uint8Array | null;
  /** `stat()` (following symlinks) of a mount source; never throws for OS errors. */
  statDevice(path: Uint8Array): DeviceStat;
}

/** Mount tables, and `open` / `ioctl` / `close` on mount points. */
export interface Filesystems extends MountTables {
  /**
   * `open(path, O_RDONLY | O_CLOEXEC)`.
   *
   * @returns The file descriptor.
   * @throws OsError when `open` fails.
   */
  openReadOnly(path: Uint8Array): number;
  /**
   * `ioctl(fd, request, arg)`: `arg` is a buffer the kernel may read and write (FITRIM's range);
   * without it the third argument is 0 (FIFREEZE, FITHAW).
   *
   * @throws OsError when the ioctl returns -1.
   */
  ioctl(fd: number, request: number, arg?: Uint8Array): void;
  /** `close(fd)`, errors ignored. */
  close(fd: number): void;
}

/** Upper bound for a mount table (hosts with thousands of container mounts stay far below). */
const TABLE_LIMIT = 64 << 20;

/**
 * Reads a mount table: `null` when it cannot be opened (as `fopen` failing), an empty table when
 * a read fails later (as `getline` stopping).
 */
function readTable(path: string): Uint8Array | null {
  try {
    return readSmallFile(path, TABLE_LIMIT);
  } catch (e) {
    if (e instanceof OsError) return e.call === "open" ? null : new Uint8Array();
    throw e;
  }
}

/**
 * `stat()` of a mount source: what it is, with the device numbers of a block device.
 *
 * @param path The path's bytes.
 */
export function statDevice(path: Uint8Array): DeviceStat {
  let mode: number;
  let rdev: readonly [number, number];
  try {
    ({ mode, rdev } = statPath(path));
  } catch (e) {
    if (e instanceof OsError) return { kind: "failed", errno: e.errno, text: e.message };
    throw e;
  }
  const type = mode & FileType.S_IFMT;
  if (type === FileType.S_IFDIR) return { kind: "directory" };
  if (type !== FileType.S_IFBLK) return { kind: "other" };
  return { kind: "block", major: rdev[0], minor: rdev[1] };
}

/** {@link Filesystems} of the running Linux system; mount tables read under a root. */
export class LinuxFilesystems implements Filesystems {
  #root: string;

  /**
   * Creates the domain.
   *
   * @param root Prefix for the two mount table paths (default `/`; a fixture tree in tests).
   */
  constructor(root = "/") {
    this.#root = root;
  }

  /** {@inheritDoc Filesystems.readMountinfo} */
  readMountinfo(): Uint8Array | null {
    return readTable(underRoot(this.#root, MOUNTINFO_PATH));
  }

  /** {@inheritDoc Filesystems.readProcMounts} */
  readProcMounts(): Uint8Array | null {
    return readTable(underRoot(this.#root, PROC_MOUNTS_PATH));
  }

  /** {@inheritDoc Filesystems.statDevice} */
  statDevice(path: Uint8Array): DeviceStat {
    return statDevice(path);
  }

  /** {@inheritDoc Filesystems.openReadOnly} */
  openReadOnly(path: Uint8Array): number {
    return openReadOnly(path);
  }

  /** {@inheritDoc Filesystems.ioctl} */
  ioctl(fd: number, request: number, arg?: Uint8Array): void {
    const lib = libc();
    if (arg) check("ioctl", lib.ioctl(fd, BigInt(request), arg as Uint8Array<ArrayBuffer>));
    else check("ioctl", lib.ioctl_int(fd, BigInt(request), 0n));
  }

  /** {@inheritDoc Filesystems.close} */
  close(fd: number): void {
    closeFd(fd);
  }
}
