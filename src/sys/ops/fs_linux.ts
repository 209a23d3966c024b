/**
 * The production {@link FreezeOps}: mount tables read and mount points opened and ioctl'd through
 * libc FFI (Deno refuses `/proc` paths without `-A`, and has no ioctl), `stat` of mount sources
 * with `statx` (sources live under `/dev`, also refused to Deno's own APIs).
 *
 * Never called in tests against the real machine: FIFREEZE on a host freezes its filesystems.
 *
 * @module
 */

import type { DeviceStat } from "../mountinfo.ts";
import {
  check,
  closeFd,
  cString,
  libc,
  openFd,
  OpenFlags,
  readSmallFile,
  SysError,
} from "../libc.ts";
import { type FreezeOps, MOUNTINFO_PATH, PROC_MOUNTS_PATH } from "./fs_ops.ts";

/** `AT_FDCWD`. */
const AT_FDCWD = -100;
/** `STATX_BASIC_STATS`. */
const STATX_BASIC_STATS = 0x7ff;
/** Size of `struct statx`. */
const STATX_SIZE = 256;
/** Offsets in `struct statx`. */
const STX_MODE = 28;
const STX_RDEV_MAJOR = 128;
const STX_RDEV_MINOR = 132;
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFBLK = 0o060000;
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
    if (e instanceof SysError) return e.call === "open" ? null : new Uint8Array();
    throw e;
  }
}

/**
 * `stat()` through `statx(AT_FDCWD, path, 0, STATX_BASIC_STATS)`.
 *
 * @param path The path's bytes.
 * @returns What it is, with the device numbers of a block device.
 */
export function statDevice(path: Uint8Array): DeviceStat {
  const buf = new Uint8Array(STATX_SIZE);
  try {
    check("statx", libc().statx(AT_FDCWD, cString(path), 0, STATX_BASIC_STATS, buf));
  } catch (e) {
    if (e instanceof SysError) return { kind: "failed", errno: e.errno, text: e.message };
    throw e;
  }
  const view = new DataView(buf.buffer);
  const type = view.getUint16(STX_MODE, true) & S_IFMT;
  if (type === S_IFDIR) return { kind: "directory" };
  if (type !== S_IFBLK) return { kind: "other" };
  return {
    kind: "block",
    major: view.getUint32(STX_RDEV_MAJOR, true),
    minor: view.getUint32(STX_RDEV_MINOR, true),
  };
}

/** {@link FreezeOps} on the running Linux system. */
export class LinuxFreezeOps implements FreezeOps {
  #root: string;

  /**
   * Creates the ops.
   *
   * @param root Prefix for the two mount table paths (default `/`; a fixture tree in tests).
   */
  constructor(root = "/") {
    this.#root = root.replace(/\/+$/, "");
  }

  /** {@inheritDoc FreezeOps.readMountinfo} */
  readMountinfo(): Uint8Array | null {
    return readTable(this.#root + MOUNTINFO_PATH);
  }

  /** {@inheritDoc FreezeOps.readProcMounts} */
  readProcMounts(): Uint8Array | null {
    return readTable(this.#root + PROC_MOUNTS_PATH);
  }

  /** {@inheritDoc FreezeOps.statDevice} */
  statDevice(path: Uint8Array): DeviceStat {
    return statDevice(path);
  }

  /** {@inheritDoc FreezeOps.openReadOnly} */
  openReadOnly(path: Uint8Array): number {
    return openFd(path, OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC);
  }

  /** {@inheritDoc FreezeOps.ioctl} */
  ioctl(fd: number, request: number, arg?: Uint8Array): void {
    const lib = libc();
    if (arg) check("ioctl", lib.ioctl(fd, BigInt(request), arg as Uint8Array<ArrayBuffer>));
    else check("ioctl", lib.ioctl_int(fd, BigInt(request), 0n));
  }

  /** {@inheritDoc FreezeOps.close} */
  close(fd: number): void {
    closeFd(fd);
  }
}
