/**
 * Files and directories through libc instead of Deno's file APIs: descriptors, whole-file reads,
 * directory listings and `statx`.
 *
 * Deno refuses every path under `/dev`, `/proc` and `/sys` unless it runs with the bare `-A`, so
 * the agent reaches those fixed paths with `open`/`read`/`pread`/`opendir`/`readdir` through FFI,
 * which needs only `--allow-ffi`. The same functions work on fixture trees in tests. Paths a host
 * names (guest-file-*) never come here: they go through `./files.ts`.
 *
 * Every failure throws an `OsError` (`./os_error.ts`).
 *
 * @module
 */

import { Errno } from "./errno.ts";
import {
  check,
  closeFd,
  cString,
  errno,
  libc,
  openFd,
  readCBytes,
  readFd,
  writeFd,
} from "./libc.ts";
import { OsError } from "./os_error.ts";
import {
  At,
  Dirent,
  Flock,
  OpenFlags,
  readStatx,
  Statx,
  type StatxFields,
  writeLockStruct,
} from "./structs.ts";

export { closeFd };

/** Upper bound for whole-file reads (`/proc/net/dev` with thousands of interfaces fits). */
export const READ_LIMIT = 64 << 20;

/**
 * Opens `path` read-only (close-on-exec), optionally requiring a directory.
 *
 * @param path The path.
 * @param directory Adds `O_DIRECTORY`.
 * @returns The file descriptor.
 * @throws OsError when `open()` fails.
 */
export function openReadOnly(path: string | Uint8Array, directory = false): number {
  const flags = OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC;
  return openFd(path, directory ? flags | OpenFlags.O_DIRECTORY : flags);
}

/**
 * Reads up to `length` bytes at `offset` with one `pread()`.
 *
 * @returns The bytes read (empty at end of file).
 * @throws OsError when `pread()` fails.
 */
export function preadBytes(fd: number, length: number, offset = 0): Uint8Array {
  const buf = new Uint8Array(length);
  const n = Number(check("pread", libc().pread(fd, buf, BigInt(length), BigInt(offset))));
  return buf.subarray(0, n);
}

/**
 * Writes `bytes` at `offset` with one `pwrite()`.
 *
 * @throws OsError when `pwrite()` fails.
 */
export function pwriteBytes(fd: number, bytes: Uint8Array, offset = 0): void {
  const copy = new Uint8Array(bytes);
  check("pwrite", libc().pwrite(fd, copy, BigInt(copy.length), BigInt(offset)));
}

/** One read buffer shared by every readSmallFile call (synchronous: no two calls overlap). */
const READ_SCRATCH = new Uint8Array(65536);

/**
 * Reads a whole file with `open` + `read` until end of file (procfs files report size 0, so the
 * size is not asked for).
 *
 * @param path The file.
 * @param limit Stop after this many bytes.
 * @returns Its contents.
 * @throws OsError when `open()` (call `open`) or `read()` (call `read`) fails.
 */
export function readSmallFile(path: string | Uint8Array, limit = READ_LIMIT): Uint8Array {
  const fd = openReadOnly(path);
  try {
    return readAllFd(fd, limit);
  } finally {
    closeFd(fd);
  }
}

/**
 * Reads an open descriptor with `read()` until end of file (or `limit` bytes), retrying after
 * `EINTR`.
 *
 * @returns What was read.
 * @throws OsError when `read()` fails.
 */
export function readAllFd(fd: number, limit = READ_LIMIT): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  while (total < limit) {
    const n = readFd(fd, READ_SCRATCH);
    if (n === -Errno.EINTR) continue;
    if (n < 0) throw new OsError(-n, "read");
    if (n === 0) break;
    chunks.push(READ_SCRATCH.slice(0, n));
    total += n;
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) (out.set(c, off), off += c.length);
  return out;
}

/**
 * Lists a directory like GLib's `g_dir_open` + `g_dir_read_name`: names in `readdir()` order,
 * without `.` and `..`. A `readdir()` error ends the listing silently, as in GLib.
 *
 * @returns The entry names as raw bytes.
 * @throws OsError when `opendir()` fails.
 */
export function listDirectory(path: string | Uint8Array): Uint8Array[] {
  const lib = libc();
  const dir = lib.opendir(cString(path));
  if (dir === null) throw new OsError(errno(), "opendir");
  const names: Uint8Array[] = [];
  try {
    while (true) {
      const entry = lib.readdir(dir);
      if (entry === null) break;
      // SAFETY: readdir() returned a non-NULL `struct dirent *` that stays valid until the next
      // readdir()/closedir() on `dir`; d_name is NUL-terminated (≤ 255 bytes) and is copied
      // before the next call.
      const name = readCBytes(Deno.UnsafePointer.offset(entry, Dirent.NAME)!, Dirent.NAME_MAX);
      if (isDotOrDotDot(name)) continue;
      names.push(name);
    }
  } finally {
    lib.closedir(dir);
  }
  return names;
}

function isDotOrDotDot(name: Uint8Array): boolean {
  return (name.length === 1 && name[0] === 0x2E) ||
    (name.length === 2 && name[0] === 0x2E && name[1] === 0x2E);
}

/**
 * `statx(AT_FDCWD, path, flags, mask)`: `stat()` without Deno (which refuses `/dev` paths).
 *
 * @param path The path.
 * @param options `follow: false` adds `AT_SYMLINK_NOFOLLOW`; `mask` (default basic stats).
 * @throws OsError when `statx()` fails.
 */
export function statPath(
  path: string | Uint8Array,
  options: { follow?: boolean; mask?: number } = {},
): StatxFields {
  const buffer = new Uint8Array(Statx.SIZE);
  const flags = options.follow === false ? At.AT_SYMLINK_NOFOLLOW : 0;
  const mask = options.mask ?? Statx.STATX_BASIC_STATS;
  check("statx", libc().statx(At.AT_FDCWD, cString(path), flags, mask, buffer));
  return readStatx(buffer);
}

/**
 * `statx(fd, "", AT_EMPTY_PATH, mask)`: `fstat()` of an open descriptor.
 *
 * @throws OsError when `statx()` fails.
 */
export function statFd(fd: number, mask: number = Statx.STATX_BASIC_STATS): StatxFields {
  const buffer = new Uint8Array(Statx.SIZE);
  check("statx", libc().statx(fd, new Uint8Array(1), At.AT_EMPTY_PATH, mask, buffer));
  return readStatx(buffer);
}

/**
 * Joins a root prefix and an absolute path (`"/"` + `"/sys"` → `"/sys"`): the Linux `Sys` reads
 * its fixed paths under a root, `/` in production and a fixture tree in tests.
 */
export function underRoot(root: string, path: string): string {
  return root.replace(/\/+$/, "") + path;
}

/**
 * `open(path, flags, mode)` with the flags of `./structs.ts`.
 *
 * @returns The file descriptor.
 * @throws OsError when `open()` fails.
 */
export function openPath(path: string | Uint8Array, flags: number, mode = 0): number {
  return openFd(path, flags, mode);
}

/**
 * Takes an exclusive `fcntl(F_SETLK)` write lock on the whole file (released when the process
 * ends or the descriptor is closed).
 *
 * @throws OsError when the lock cannot be taken (`EAGAIN`/`EACCES`: another process holds it).
 */
export function lockWholeFile(fd: number): void {
  check("fcntl", libc().fcntl_lock(fd, Flock.F_SETLK, writeLockStruct()));
}

/**
 * `ftruncate(fd, 0)`.
 *
 * @throws OsError when it fails.
 */
export function truncateFd(fd: number): void {
  check("ftruncate", libc().ftruncate(fd, 0n));
}

/**
 * Writes all of `bytes` with `write()`, retrying after `EINTR`.
 *
 * @throws OsError when a write fails, or `EIO` when one writes nothing.
 */
export function writeAllFd(fd: number, bytes: Uint8Array): void {
  const data = new Uint8Array(bytes);
  let written = 0;
  while (written < data.length) {
    const n = writeFd(fd, data.subarray(written));
    if (n === -Errno.EINTR) continue;
    if (n < 0) throw new OsError(-n, "write");
    if (n === 0) throw new OsError(Errno.EIO, "write");
    written += n;
  }
}

/**
 * `unlink(path)`.
 *
 * @throws OsError when it fails.
 */
export function unlinkPath(path: string | Uint8Array): void {
  check("unlink", libc().unlink(cString(path)));
}

/**
 * `fcntl(fd, F_GETFD)` / `F_SETFD`: the descriptor flags (`FD_CLOEXEC`), or -1 on failure.
 */
export function descriptorFlags(fd: number, set?: number): number {
  if (set === undefined) return libc().fcntl(fd, Flock.F_GETFD, 0);
  return libc().fcntl(fd, Flock.F_SETFD, set);
}
