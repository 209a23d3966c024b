/**
 * File operations beneath a directory descriptor, for a user's `~/.ssh` (guest-ssh-*): every
 * name is one path component opened with `openat(dirfd, name, … O_NOFOLLOW)`, so a symbolic
 * link planted by the user (or swapped in between two calls) is never followed; ownership and
 * modes are changed through the descriptor (`fchown`/`fchmod`), never through a path; a file is
 * replaced with `renameat` inside the same directory descriptor.
 *
 * Every failure throws an `OsError` (`./os_error.ts`).
 *
 * @module
 */

import { Errno } from "./errno.ts";
import { writeAllFd } from "./fd.ts";
import { check, closeFd, cString, libc, readFd } from "./libc.ts";
import { OsError } from "./os_error.ts";
import { At, FileType, OpenFlags, Statx, StatxOwner } from "./structs.ts";

/** What `statx` says about a file, as far as the ownership checks need it. */
export interface FileStatus {
  /** The file type. */
  readonly type: "file" | "directory" | "symlink" | "other";
  /** Permission bits (`mode & 0o7777`). */
  readonly mode: number;
  /** Owner. */
  readonly uid: number;
  /** Group. */
  readonly gid: number;
  /** Hard link count. */
  readonly nlink: number;
  /** Size in bytes, exact. */
  readonly size: bigint;
  /** Device and inode, to tell whether two names are the same file. */
  readonly identity: string;
}

const DIRECTORY_FLAGS = OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_CLOEXEC;

/**
 * `open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)`: symbolic links in `path` are followed.
 *
 * @throws OsError when it fails.
 */
export function openDirectory(path: Uint8Array): number {
  return check("open", libc().open(cString(path), DIRECTORY_FLAGS, 0));
}

/**
 * `openat(dirFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)`; a symbolic link fails
 * with `ENOTDIR` (the kernel checks `O_DIRECTORY` first).
 *
 * @throws OsError when it fails.
 */
export function openDirectoryAt(dirFd: number, name: string): number {
  const flags = DIRECTORY_FLAGS | OpenFlags.O_NOFOLLOW;
  return check("openat", libc().openat(dirFd, cString(name), flags, 0));
}

/**
 * `openat(dirFd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)`: a symbolic link fails
 * with `ELOOP`, and a FIFO opens without waiting for a writer.
 *
 * @throws OsError when it fails.
 */
export function openFileAt(dirFd: number, name: string): number {
  const flags = OpenFlags.O_RDONLY | OpenFlags.O_NOFOLLOW | OpenFlags.O_NONBLOCK |
    OpenFlags.O_CLOEXEC;
  return check("openat", libc().openat(dirFd, cString(name), flags, 0));
}

/**
 * `openat(dirFd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)`: creates a
 * new file, never opening an existing one or a link's target.
 *
 * @throws OsError when it fails (`EEXIST` when the name is taken).
 */
export function createFileAt(dirFd: number, name: string, mode: number): number {
  const flags = OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL |
    OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC;
  return check("openat", libc().openat(dirFd, cString(name), flags, mode));
}

/** Letters of GLib's `g_mkstemp()` names. */
const TEMP_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/**
 * Creates `<prefix>XXXXXX` (six random letters, as `g_mkstemp`) with {@link createFileAt},
 * trying another name after `EEXIST`, at most 100 times as GLib does.
 *
 * @returns The descriptor and the name created.
 * @throws OsError when creating fails (`EEXIST` after 100 taken names).
 */
export function createTempFileAt(
  dirFd: number,
  prefix: string,
  mode: number,
): { fd: number; name: string } {
  const random = new Uint8Array(6);
  for (let attempt = 0;; attempt++) {
    crypto.getRandomValues(random);
    const name = prefix + Array.from(random, (b) => TEMP_LETTERS[b % TEMP_LETTERS.length]).join("");
    try {
      return { fd: createFileAt(dirFd, name, mode), name };
    } catch (error) {
      if (!(error instanceof OsError) || error.errno !== Errno.EEXIST || attempt >= 99) throw error;
    }
  }
}

/**
 * `statx(fd, "", AT_EMPTY_PATH)`.
 *
 * @throws OsError when it fails.
 */
export function statusOfFd(fd: number): FileStatus {
  return statxStatus(fd, new Uint8Array(1), At.AT_EMPTY_PATH);
}

/**
 * `statx(dirFd, name, AT_SYMLINK_NOFOLLOW)`: a symbolic link is described, not its target.
 *
 * @throws OsError when it fails.
 */
export function statusAt(dirFd: number, name: string): FileStatus {
  return statxStatus(dirFd, cString(name), At.AT_SYMLINK_NOFOLLOW);
}

function statxStatus(dirFd: number, name: Uint8Array<ArrayBuffer>, flags: number): FileStatus {
  const buffer = new Uint8Array(Statx.SIZE);
  check("statx", libc().statx(dirFd, name, flags, Statx.STATX_BASIC_STATS, buffer));
  const view = new DataView(buffer.buffer);
  const mode = view.getUint16(Statx.MODE, true);
  const format = mode & FileType.S_IFMT;
  const type = format === FileType.S_IFREG
    ? "file"
    : format === FileType.S_IFDIR
    ? "directory"
    : format === FileType.S_IFLNK
    ? "symlink"
    : "other";
  const dev = `${view.getUint32(Statx.DEV_MAJOR, true)}:${view.getUint32(Statx.DEV_MINOR, true)}`;
  return {
    type,
    mode: mode & 0o7777,
    uid: view.getUint32(StatxOwner.UID, true),
    gid: view.getUint32(StatxOwner.GID, true),
    nlink: view.getUint32(StatxOwner.NLINK, true),
    size: view.getBigUint64(StatxOwner.SIZE, true),
    identity: `${dev}:${view.getBigUint64(Statx.INO, true)}`,
  };
}

/**
 * Reads from `fd` until end of file, or until more than `limit` bytes were read.
 *
 * @returns The bytes (at most `limit + 1`: more than `limit` means the file is larger).
 * @throws OsError when `read()` fails.
 */
export function readUpTo(fd: number, limit: number): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const buffer = new Uint8Array(65536);
  while (total <= limit) {
    const n = readFd(fd, buffer.subarray(0, Math.min(buffer.length, limit + 1 - total)));
    if (n === -Errno.EINTR) continue;
    if (n < 0) throw new OsError(-n, "read");
    if (n === 0) break;
    chunks.push(buffer.slice(0, n));
    total += n;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) (out.set(chunk, at), at += chunk.length);
  return out;
}

/**
 * Writes all of `bytes` to `fd`.
 *
 * @throws OsError when a write fails.
 */
export function writeAll(fd: number, bytes: Uint8Array): void {
  writeAllFd(fd, bytes);
}

/** `mkdirat(dirFd, name, mode)`; throws OsError. */
export function mkdirAt(dirFd: number, name: string, mode: number): void {
  check("mkdirat", libc().mkdirat(dirFd, cString(name), mode));
}

/** `renameat(dirFd, from, dirFd, to)`; throws OsError. */
export function renameAt(dirFd: number, from: string, to: string): void {
  check("renameat", libc().renameat(dirFd, cString(from), dirFd, cString(to)));
}

/** `unlinkat(dirFd, name, 0)`; throws OsError. */
export function unlinkAt(dirFd: number, name: string): void {
  check("unlinkat", libc().unlinkat(dirFd, cString(name), 0));
}

/** `fchown(fd, uid, gid)`; throws OsError. */
export function chownFd(fd: number, uid: number, gid: number): void {
  check("fchown", libc().fchown(fd, uid >>> 0, gid >>> 0));
}

/** `fchmod(fd, mode)`; throws OsError. */
export function chmodFd(fd: number, mode: number): void {
  check("fchmod", libc().fchmod(fd, mode));
}

/** `fsync(fd)`; throws OsError. */
export function syncFd(fd: number): void {
  check("fsync", libc().fsync(fd));
}

export { closeFd };
