/**
 * The pidfile (`-f`, spec §3.9), as QEMU's `qemu_write_pidfile()` writes it: opened
 * `O_WRONLY|O_CREAT|O_CLOEXEC` mode 0600, locked with an exclusive `fcntl(F_SETLK)` write lock held for the process lifetime (the
 * descriptor is never closed), re-checked to be the file now at that path (else retried),
 * truncated, and given `<pid>\n`. {@linkcode removePidfile} unlinks it when the agent exits.
 *
 * @module
 */

import { closeFd, cString, errno, libc, OpenFlags, strerror } from "../sys/libc.ts";
import type { Logger } from "./log.ts";

// fcntl record locks: `struct flock` on x86_64 and aarch64 (l_type i16 @0, l_whence i16 @2,
// l_start i64 @8, l_len i64 @16, l_pid i32 @24; 32 bytes).
const F_SETLK = 6;
const F_WRLCK = 1;
const SEEK_SET = 0;
const FLOCK_SIZE = 32;

// statx(2): stx_ino is the u64 at offset 32 on every architecture.
const AT_FDCWD = -100;
const AT_EMPTY_PATH = 0x1000;
const STATX_INO = 0x100;
const STATX_SIZE = 256;
const STX_INO_OFFSET = 32;

const encoder = new TextEncoder();

/** A pidfile failure; the message is qemu-ga's text, e.g. `Cannot lock pid file: <strerror>`. */
export class PidfileError extends Error {
  /** Creates the error with qemu-ga's message. */
  constructor(message: string) {
    super(message);
    this.name = "PidfileError";
  }
}

/** The pidfile this process holds locked (and removes at exit). */
let held: { fd: number; path: string } | undefined;
/** A pidfile whose creation waits for the first thaw (the agent started frozen). */
let deferred: string | undefined;
/**
 * Writes and locks the pidfile as QEMU's `qemu_write_pidfile()` does (see the module
 * documentation); the lock is held, and the file removed by {@linkcode removePidfile}, for the
 * rest of the process. A no-op when this process already holds a pidfile.
 *
 * @param path The pidfile path (`-f`).
 * @param pid The pid to write (default: this process).
 * @throws PidfileError with qemu-ga's message: `Could not create '<path>': <strerror>`,
 * `Cannot stat file: <strerror>`, `Cannot lock pid file: <strerror>` (another live process holds
 * it: `Resource temporarily unavailable`), `Failed to truncate pid file: <strerror>`,
 * `Failed to write pid file`.
 */
export function writePidfile(path: string, pid: number = Deno.pid): void {
  if (held) return;
  const lib = libc();
  const cPath = cString(path);
  let fd: number;
  while (true) {
    fd = lib.open(cPath, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_CLOEXEC, 0o600);
    if (fd < 0) throw new PidfileError(`Could not create '${path}': ${strerror(errno())}`);
    const opened = inode(fd, new Uint8Array(1), AT_EMPTY_PATH);
    if (typeof opened === "number") {
      closeFd(fd);
      throw new PidfileError(`Cannot stat file: ${strerror(opened)}`);
    }
    const lock = new DataView(new ArrayBuffer(FLOCK_SIZE));
    lock.setInt16(0, F_WRLCK, true);
    lock.setInt16(2, SEEK_SET, true);
    if (lib.fcntl_lock(fd, F_SETLK, new Uint8Array(lock.buffer)) < 0) {
      const code = errno();
      closeFd(fd);
      throw new PidfileError(`Cannot lock pid file: ${strerror(code)}`);
    }
    // Make sure the file locked is the one now at `path` (another agent may have removed or
    // replaced it meanwhile); otherwise start over.
    const current = inode(AT_FDCWD, cPath, 0);
    if (current === opened) break;
    closeFd(fd);
  }
  if (lib.ftruncate(fd, 0n) < 0) {
    const code = errno();
    lib.unlink(cPath);
    closeFd(fd);
    throw new PidfileError(`Failed to truncate pid file: ${strerror(code)}`);
  }
  const text = encoder.encode(`${pid}\n`);
  let written = 0;
  while (written < text.length) {
    const n = Number(lib.write(fd, text.subarray(written), BigInt(text.length - written)));
    if (n < 0 && errno() === 4 /* EINTR */) continue;
    if (n <= 0) {
      lib.unlink(cPath);
      closeFd(fd);
      throw new PidfileError("Failed to write pid file");
    }
    written += n;
  }
  held = { fd, path: absolute(path) };
}

/**
 * Thaw path: creates the pidfile whose creation was deferred because the agent started frozen
 * (qemu-ga's `ga_unset_frozen()`); a failure is only logged, as a warning. Does nothing when no
 * pidfile is pending, so it may be called on every thaw.
 *
 * @param log The agent's logger (logging is re-enabled by then).
 */
export function writeDeferredPidfile(log: Logger): void {
  if (deferred === undefined) return;
  const path = deferred;
  deferred = undefined;
  try {
    writePidfile(path);
  } catch (error) {
    log.warning(error instanceof Error ? error.message : String(error));
  }
}

/** The pidfile path waiting for the first thaw, if any (for tests and diagnostics). */
export function deferredPidfile(): string | undefined {
  return deferred;
}

/** Marks `path` as the pidfile to create at the first thaw (the agent started frozen). */
export function deferPidfile(path: string): void {
  deferred = path;
}

/**
 * On exit: unlinks the pidfile this process wrote and releases its lock. Unlike qemu-ga 7.2,
 * which unlinks the configured path whenever `-d` was given (even when it never wrote it, e.g.
 * after a configuration error or when it started frozen), only a pidfile this process holds is
 * removed. Safe to call more than once.
 */
export function removePidfile(): void {
  deferred = undefined;
  if (!held) return;
  libc().unlink(cString(held.path));
  closeFd(held.fd);
  held = undefined;
}

/** The inode of `path` relative to `dirfd` (or of `dirfd` itself), or the errno. */
function inode(dirfd: number, path: Uint8Array<ArrayBuffer>, flags: number): bigint | number {
  const buffer = new Uint8Array(STATX_SIZE);
  if (libc().statx(dirfd, path, flags, STATX_INO, buffer) < 0) return errno();
  return new DataView(buffer.buffer).getBigUint64(STX_INO_OFFSET, true);
}

/** Resolves `path` against the current directory, so it can be removed after chdir("/"). */
function absolute(path: string): string {
  if (path.startsWith("/")) return path;
  try {
    return `${Deno.cwd()}/${path}`;
  } catch {
    return path;
  }
}
