/**
 * The libc calls behind the disks domain (`./disks.ts`) that `../fd.ts` does not offer:
 * `realpath()`, `readlink()`, `opendir`/`readdir` with each entry's `d_type` and `readdir()`'s
 * own errors, `statvfs()`, and a whole-file read that keeps what it read before a failing
 * `read()` (as `getline()` loops stop). Deno refuses `/sys`, `/proc` and `/run` paths without
 * `-A`, so these go through FFI. Every failure is an `OsError` (`../os_error.ts`) whose `call` is
 * the libc function that failed.
 *
 * @module
 */

import { closeFd, openReadOnly } from "../fd.ts";
import { check, cString, errno, libc, readCBytes, readFd } from "../libc.ts";
import { OsError } from "../os_error.ts";
import { Dirent, PATH_MAX, Statvfs } from "../structs.ts";

/** One directory entry: its name and `d_type` as `readdir()` reports them. */
export interface RawDirectoryEntry {
  /** The name's bytes. */
  readonly name: Uint8Array;
  /** `d_type` (`DT_UNKNOWN` 0 when the filesystem does not say). */
  readonly type: number;
}

/** A directory's entries in `readdir()` order (without `.` and `..`), and how the listing ended. */
export interface RawDirectoryListing {
  /** The entries read. */
  readonly entries: RawDirectoryEntry[];
  /** Set when `readdir()` failed (with errno set) instead of reaching the end. */
  readonly readError?: OsError;
}

/** The `statvfs()` fields guest-get-fsinfo uses, exact. */
export interface StatvfsFields {
  /** `f_frsize`: the fragment size, the unit of the block counts. */
  readonly frsize: bigint;
  /** `f_blocks`: size of the filesystem in `f_frsize` units. */
  readonly blocks: bigint;
  /** `f_bfree`: free blocks. */
  readonly bfree: bigint;
  /** `f_bavail`: free blocks for unprivileged users. */
  readonly bavail: bigint;
}

const ERRNO_SIZE = 4;

/** Sets the calling thread's errno to 0 (to tell `readdir()`'s end from its failure). */
function clearErrno(): void {
  const p = libc().__errno_location();
  if (p === null) return;
  // SAFETY: __errno_location() returns the address of this thread's `int errno`, valid for the
  // thread's lifetime; four bytes are written, synchronously, on the JS thread.
  new Int32Array(Deno.UnsafePointerView.getArrayBuffer(p, ERRNO_SIZE))[0] = 0;
}

/**
 * `realpath(path, buf)` with a `PATH_MAX` buffer.
 *
 * @returns The canonical path's bytes.
 * @throws OsError (call `realpath`) when it fails.
 */
export function realpathBytes(path: string | Uint8Array): Uint8Array {
  const buffer = new Uint8Array(PATH_MAX);
  if (libc().realpath(cString(path), buffer) === null) throw new OsError(errno(), "realpath");
  const end = buffer.indexOf(0);
  return buffer.slice(0, end < 0 ? buffer.length : end);
}

/**
 * `readlink(path, buf, PATH_MAX - 1)`, as qemu-ga reads a `driver` link.
 *
 * @returns The link's target bytes.
 * @throws OsError (call `readlink`) when it fails.
 */
export function readlinkBytes(path: string | Uint8Array): Uint8Array {
  const buffer = new Uint8Array(PATH_MAX);
  const n = Number(check("readlink", libc().readlink(cString(path), buffer, BigInt(PATH_MAX - 1))));
  return buffer.slice(0, n);
}

function isDotOrDotDot(name: Uint8Array): boolean {
  return name[0] === 0x2e && (name.length === 1 || (name.length === 2 && name[1] === 0x2e));
}

/**
 * Lists a directory with `opendir()` and `readdir()`, keeping each entry's `d_type`.
 *
 * @returns The entries, and the error when a `readdir()` failed before the end.
 * @throws OsError (call `opendir`) when the directory cannot be opened.
 */
export function listDirectoryTyped(path: string | Uint8Array): RawDirectoryListing {
  const lib = libc();
  const dir = lib.opendir(cString(path));
  if (dir === null) throw new OsError(errno(), "opendir");
  const entries: RawDirectoryEntry[] = [];
  try {
    while (true) {
      clearErrno();
      const entry = lib.readdir(dir);
      if (entry === null) {
        const failed = errno();
        return failed === 0 ? { entries } : { entries, readError: new OsError(failed, "readdir") };
      }
      // SAFETY: readdir() returned a non-NULL `struct dirent *` valid until the next
      // readdir()/closedir() on `dir`; d_type is one byte and d_name is NUL-terminated (≤ 255
      // bytes); both are copied before the next call.
      const view = new Deno.UnsafePointerView(entry);
      const type = view.getUint8(Dirent.TYPE);
      const name = readCBytes(Deno.UnsafePointer.offset(entry, Dirent.NAME)!, Dirent.NAME_MAX);
      if (!isDotOrDotDot(name)) entries.push({ name, type });
    }
  } finally {
    lib.closedir(dir);
  }
}

/**
 * `statvfs(path)`.
 *
 * @throws OsError (call `statvfs`) when it fails.
 */
export function statvfsPath(path: string | Uint8Array): StatvfsFields {
  const buffer = new Uint8Array(Statvfs.SIZE);
  check("statvfs", libc().statvfs(cString(path), buffer));
  const view = new DataView(buffer.buffer);
  return {
    frsize: view.getBigUint64(Statvfs.FRSIZE, true),
    blocks: view.getBigUint64(Statvfs.BLOCKS, true),
    bfree: view.getBigUint64(Statvfs.BFREE, true),
    bavail: view.getBigUint64(Statvfs.BAVAIL, true),
  };
}

/** Upper bound of a whole-file read (`/proc/diskstats` with thousands of devices stays below). */
const READ_LIMIT = 64 << 20;

/**
 * Reads a file with `open` + `read` until end of file, or until a `read()` fails: then what was
 * read before is returned, and the error with it.
 *
 * @returns The bytes, and the `read()` error if one ended the reading.
 * @throws OsError (call `open`) when the file cannot be opened.
 */
export function readUntilError(path: string | Uint8Array): { bytes: Uint8Array; error?: OsError } {
  const fd = openReadOnly(path);
  try {
    const chunks: Uint8Array[] = [];
    let total = 0;
    let error: OsError | undefined;
    const scratch = new Uint8Array(65536);
    while (total < READ_LIMIT) {
      const n = readFd(fd, scratch);
      if (n < 0) {
        error = new OsError(-n, "read");
        break;
      }
      if (n === 0) break;
      chunks.push(scratch.slice(0, n));
      total += n;
    }
    const bytes = new Uint8Array(total);
    let at = 0;
    for (const c of chunks) (bytes.set(c, at), at += c.length);
    return error ? { bytes, error } : { bytes };
  } finally {
    closeFd(fd);
  }
}
