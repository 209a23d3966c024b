/**
 * Path operations through libc for the files the agent itself owns or reads at fixed paths
 * (state directory, config file, `/etc/localtime`): a whole-file read that refuses anything but a
 * regular file, `rename` and `readlink`. They need only `--allow-ffi`, so the confined profiles,
 * whose Deno read/write grant is just the file roots, still reach them; what they may touch is
 * bounded by the kernel (Landlock), not by Deno. Paths a host names never come here.
 *
 * Every failure throws an `OsError` (`./os_error.ts`).
 *
 * @module
 */

import { closeFd, readAllFd, statFd } from "./fd.ts";
import { check, cString, libc, openFd } from "./libc.ts";
import { At, FileType, OpenFlags, PATH_MAX } from "./structs.ts";

/**
 * Reads a whole file the way GLib's key-file loader does (`open`, `fstat`, refuse anything but a
 * regular file, read), without ever blocking or following a symlink it was told not to:
 * `O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK` (a FIFO opens at once and is then refused),
 * plus `O_NOFOLLOW` when `follow` is false (a symlink fails with `ELOOP`).
 *
 * @param path The file.
 * @param options `follow` (default true); `limit` (default {@link READ_LIMIT}).
 * @returns Its contents, or `undefined` when it is not a regular file.
 * @throws OsError when `open()`, `statx()` or `read()` fails.
 */
export function readRegularFile(
  path: string | Uint8Array,
  options: { follow?: boolean; limit?: number } = {},
): Uint8Array | undefined {
  const nofollow = options.follow === false ? OpenFlags.O_NOFOLLOW : 0;
  const fd = openFd(
    path,
    OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC | OpenFlags.O_NOCTTY | OpenFlags.O_NONBLOCK | nofollow,
  );
  try {
    if ((statFd(fd).mode & FileType.S_IFMT) !== FileType.S_IFREG) return undefined;
    return readAllFd(fd, options.limit);
  } finally {
    closeFd(fd);
  }
}

/**
 * `rename(from, to)` (as `renameat(AT_FDCWD, from, AT_FDCWD, to)`): replaces `to` atomically;
 * a symlink at `to` is replaced, not followed.
 *
 * @throws OsError when it fails.
 */
export function renamePath(from: string | Uint8Array, to: string | Uint8Array): void {
  check("rename", libc().renameat(At.AT_FDCWD, cString(from), At.AT_FDCWD, cString(to)));
}

/**
 * `readlink(path)`: a symbolic link's target as raw bytes (the buffer grows until the whole
 * target fits, as GLib's `g_file_read_link` does).
 *
 * @throws OsError when it fails (`EINVAL`: `path` is not a symbolic link).
 */
export function readLinkPath(path: string | Uint8Array): Uint8Array {
  const name = cString(path);
  for (let size = PATH_MAX;; size *= 2) {
    const buffer = new Uint8Array(size);
    const n = Number(check("readlink", libc().readlink(name, buffer, BigInt(size))));
    if (n < size) return buffer.slice(0, n);
  }
}

/**
 * `mkdir(path, mode)` (as `mkdirat(AT_FDCWD, …)`): creates one directory (mode less the umask);
 * an existing entry fails with `EEXIST`.
 *
 * @throws OsError when `mkdirat()` fails.
 */
export function makeDirectory(path: string, mode: number): void {
  check("mkdirat", libc().mkdirat(At.AT_FDCWD, cString(path), mode));
}
