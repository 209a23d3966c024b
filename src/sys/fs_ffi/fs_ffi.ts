/**
 * Reading files and directories through libc FFI instead of Deno's file APIs.
 *
 * Deno refuses every path under `/proc` and `/sys` unless it runs with the bare `-A`, so the
 * agent reads those fixed paths with `open`/`read`/`pread`/`opendir`/`readdir` through FFI,
 * which needs only `--allow-ffi`. The same functions work on fixture trees in tests.
 *
 * Every failure throws `SysError` from `../libc.ts` (errno + glibc text as the message).
 *
 * @module
 */

import {
  closeFd,
  cString,
  errno,
  libc,
  openFd,
  OpenFlags,
  readCBytes,
  readSmallFile,
  SysError,
} from "../libc.ts";

const O_DIRECTORY = OpenFlags.O_DIRECTORY;

export { closeFd, SysError };

/** Offset of `d_name` in glibc's `struct dirent` on 64-bit Linux (ino 8, off 8, reclen 2, type 1). */
const DIRENT_NAME_OFFSET = 19;
/** Upper bound for whole-file reads (`/proc/net/dev` with thousands of interfaces fits). */
const READ_LIMIT = 64 << 20;

/**
 * Opens `path` read-only (close-on-exec), optionally requiring a directory.
 *
 * @param path The path.
 * @param directory Adds `O_DIRECTORY`.
 * @returns The file descriptor.
 * @throws SysError when `open()` fails.
 */
export function openReadOnly(path: string | Uint8Array, directory = false): number {
  return openFd(path, OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC | (directory ? O_DIRECTORY : 0));
}

/**
 * Opens `name` relative to the directory descriptor `dirFd`, read-only (close-on-exec).
 *
 * @param dirFd An open directory.
 * @param name The name inside it.
 * @returns The file descriptor.
 * @throws SysError when `openat()` fails.
 */
export function openAtReadOnly(dirFd: number, name: string): number {
  const flags = OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC;
  const fd = libc().openat(dirFd, cString(name), flags, 0);
  if (fd === -1) throw new SysError("openat", errno());
  return fd;
}

/**
 * Reads up to `length` bytes at `offset` with one `pread()`.
 *
 * @param fd An open file.
 * @param length How many bytes to ask for.
 * @param offset The file offset.
 * @returns The bytes read (empty at end of file).
 * @throws SysError when `pread()` fails.
 */
export function preadBytes(fd: number, length: number, offset = 0): Uint8Array {
  const buf = new Uint8Array(length);
  const n = Number(libc().pread(fd, buf, BigInt(length), BigInt(offset)));
  if (n < 0) throw new SysError("pread", errno());
  return buf.subarray(0, n);
}

/**
 * Reads a whole file with `open` + `read` until end of file (procfs files report size 0, so the
 * size is not asked for).
 *
 * @param path The file.
 * @returns Its contents.
 * @throws SysError when `open()` or `read()` fails.
 */
export function readFileBytes(path: string): Uint8Array {
  return readSmallFile(path, READ_LIMIT);
}

/**
 * Lists a directory like GLib's `g_dir_open` + `g_dir_read_name`: names in `readdir()` order,
 * without `.` and `..`. A `readdir()` error ends the listing silently, as in GLib.
 *
 * @param path The directory.
 * @returns The entry names as raw bytes.
 * @throws SysError when `opendir()` fails.
 */
export function listDirectory(path: string | Uint8Array): Uint8Array[] {
  const lib = libc();
  const dir = lib.opendir(cString(path));
  if (dir === null) throw new SysError("opendir", errno());
  const names: Uint8Array[] = [];
  try {
    while (true) {
      const entry = lib.readdir(dir);
      if (entry === null) break;
      // SAFETY: readdir() returned a non-NULL `struct dirent *` that stays valid until the next
      // readdir()/closedir() on `dir`; d_name at offset 19 is NUL-terminated (≤ 255 bytes) and
      // is copied before the next call.
      const name = readCBytes(Deno.UnsafePointer.offset(entry, DIRENT_NAME_OFFSET)!, 256);
      if (isDotOrDotDot(name)) continue;
      names.push(name);
    }
  } finally {
    lib.closedir(dir);
  }
  return names;
}

/**
 * Joins a root prefix and an absolute path (`"/"` + `"/sys"` → `"/sys"`).
 *
 * @param root The prefix (a fixture tree in tests, `/` in production).
 * @param path An absolute path.
 * @returns The path under `root`.
 */
export function underRoot(root: string, path: string): string {
  return root.replace(/\/+$/, "") + path;
}

function isDotOrDotDot(name: Uint8Array): boolean {
  return (name.length === 1 && name[0] === 0x2E) ||
    (name.length === 2 && name[0] === 0x2E && name[1] === 0x2E);
}
