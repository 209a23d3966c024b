/**
 * libc through FFI: the only module of qga-deno that calls `Deno.dlopen`.
 *
 * Deno refuses `/dev`, `/proc` and `/sys` paths without `-A`, and has no API for ioctls,
 * `settimeofday`, termios, epoll or raw sockets; the agent reaches those through these thin,
 * typed wrappers. libc is opened lazily, on first use, by absolute path (a path list in
 * `--allow-ffi` makes relative names resolve against the current directory). Failures become
 * {@link SysError}s carrying the errno, its name and glibc's `strerror` text, read right after
 * the synchronous call on the JS thread. Struct layouts are in `./structs.ts`, the symbol table in
 * `./libc_symbols.ts`, errno numbers in `./errno.ts`.
 *
 * @module
 */

import { Errno, errnoName } from "./errno.ts";
import { LIBC_SYMBOLS } from "./libc_symbols.ts";

/**
 * Absolute libc paths, tried in order (the same list as deno.json's `ffi` permission); the
 * running architecture's multiarch path is moved to the front and the other one is skipped.
 */
export const LIBC_PATHS: readonly string[] = [
  "/lib/x86_64-linux-gnu/libc.so.6",
  "/lib/aarch64-linux-gnu/libc.so.6",
  "/lib64/libc.so.6",
  "/usr/lib64/libc.so.6",
  "/usr/lib/libc.so.6",
  "/lib/libc.so.6",
];

/** The opened library's symbols. */
export type LibcSymbols = Deno.DynamicLibrary<typeof LIBC_SYMBOLS>["symbols"];

let library: Deno.DynamicLibrary<typeof LIBC_SYMBOLS> | undefined;

/** The candidate libc paths for the running architecture, most likely first. */
export function libcCandidates(arch: string = Deno.build.arch): string[] {
  const own = `/lib/${arch}-linux-gnu/libc.so.6`;
  const others = LIBC_PATHS.filter((p) => !/-linux-gnu\//.test(p));
  return [own, ...others];
}

/** Opens libc on first use and returns its symbols; throws when no candidate path loads. */
export function libc(): LibcSymbols {
  if (library) return library.symbols;
  const candidates = libcCandidates();
  const failures: string[] = [];
  for (const path of candidates) {
    try {
      library = Deno.dlopen(path, LIBC_SYMBOLS);
      return library.symbols;
    } catch (error) {
      failures.push(`${path}: ${error instanceof Error ? error.message : error}`);
    }
  }
  throw new Error(`cannot open libc (${failures.join("; ")})`);
}

export { Errno, errnoName };

/** Reads the calling thread's errno (valid right after a failed synchronous call). */
export function errno(): number {
  const p = libc().__errno_location();
  return p === null ? 0 : new Deno.UnsafePointerView(p).getInt32();
}

/** glibc's English text for an errno value, e.g. `No such file or directory`. */
export function strerror(code: number): string {
  const p = libc().strerror(code);
  return p === null ? `Unknown error ${code}` : Deno.UnsafePointerView.getCString(p);
}

/**
 * A failed libc call. `message` is glibc's `strerror` text (`No such file or directory`), as
 * qemu-ga prints it; `errno` the number, `code` its name (`ENOENT`), `call` the function.
 */
export class SysError extends Error {
  /** The errno value. */
  readonly errno: number;
  /** The errno's symbolic name, e.g. `ENOENT`. */
  readonly code: string;
  /** The call that failed, for logs. */
  readonly call: string;

  /** Creates the error for `call` failing with `code`. */
  constructor(call: string, code: number) {
    super(strerror(code));
    this.name = "SysError";
    this.errno = code;
    this.code = errnoName(code);
    this.call = call;
  }
}

/** Throws a {@link SysError} with the current errno when `result` is negative. */
export function check<T extends number | bigint>(call: string, result: T): T {
  if (result < 0) throw new SysError(call, errno());
  return result;
}

const encoder = new TextEncoder();

/** A NUL-terminated copy of `path` for passing to libc. */
export function cString(path: string | Uint8Array): Uint8Array<ArrayBuffer> {
  const bytes = typeof path === "string" ? encoder.encode(path) : path;
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/** `open(2)` flags (Linux generic values; the same on x86_64 and aarch64 except O_DIRECTORY). */
export const OpenFlags = {
  O_RDONLY: 0,
  O_WRONLY: 1,
  O_RDWR: 2,
  O_CREAT: 0o100,
  O_EXCL: 0o200,
  O_NOCTTY: 0o400,
  O_TRUNC: 0o1000,
  O_APPEND: 0o2000,
  O_NONBLOCK: 0o4000,
  O_CLOEXEC: 0o2000000,
  /** Differs by architecture (asm-generic vs x86). */
  O_DIRECTORY: Deno.build.arch === "aarch64" ? 0o40000 : 0o200000,
} as const;

/** `open(2)`; throws {@link SysError}. */
export function openFd(path: string | Uint8Array, flags: number, mode = 0): number {
  return check("open", libc().open(cString(path), flags, mode));
}

/** `close(2)`, ignoring errors. */
export function closeFd(fd: number): void {
  if (fd >= 0) libc().close(fd);
}

/** `read(2)` into `buffer`; returns the count, or -errno (never throws). */
export function readFd(fd: number, buffer: Uint8Array<ArrayBuffer>): number {
  const n = Number(libc().read(fd, buffer, BigInt(buffer.length)));
  return n < 0 ? -errno() : n;
}

/** `write(2)` of `bytes`; returns the count, or -errno (never throws). */
export function writeFd(fd: number, bytes: Uint8Array<ArrayBuffer>): number {
  const n = Number(libc().write(fd, bytes, BigInt(bytes.length)));
  return n < 0 ? -errno() : n;
}

/** One read buffer shared by every readSmallFile call (synchronous: no two calls overlap). */
const READ_SCRATCH = new Uint8Array(65536);

/** Reads a whole small file (e.g. under /proc or /sys) through FFI; throws {@link SysError}. */
export function readSmallFile(path: string, limit = 1 << 20): Uint8Array {
  const fd = openFd(path, OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC);
  try {
    const chunks: Uint8Array[] = [];
    let total = 0;
    const buffer = READ_SCRATCH;
    while (total < limit) {
      const n = readFd(fd, buffer);
      if (n < 0) throw new SysError("read", -n);
      if (n === 0) break;
      chunks.push(buffer.slice(0, n));
      total += n;
    }
    const out = new Uint8Array(total);
    let off = 0;
    for (const c of chunks) (out.set(c, off), off += c.length);
    return out;
  } finally {
    closeFd(fd);
  }
}

/** Wall-clock time from `gettimeofday`, as exact nanoseconds (microseconds × 1000). */
export function realtimeNs(): bigint {
  const tv = new BigInt64Array(2);
  check("gettimeofday", libc().gettimeofday(tv, null));
  return tv[0]! * 1000000000n + tv[1]! * 1000n;
}

/**
 * Copies a NUL-terminated byte string owned by libc (at most `max` bytes).
 */
export function readCBytes(p: Deno.PointerObject, max = 65536): Uint8Array {
  // SAFETY: `p` points to a NUL-terminated string owned by libc that stays valid for the
  // duration of this call; the scan stops at the first NUL (or `max` bytes) and then copies.
  const view = new Deno.UnsafePointerView(p);
  let n = 0;
  while (n < max && view.getUint8(n) !== 0) n++;
  return new Uint8Array(view.getArrayBuffer(n).slice(0));
}

/**
 * The process environment as libc holds it (`environ`): one `NAME=value` byte string per entry.
 * Read through FFI so no `--allow-env` grant is needed to pass it on unchanged.
 */
export function environmentEntries(): Uint8Array[] {
  const address = libc().environ;
  if (address === null) return [];
  // SAFETY: `environ` is a NULL-terminated array of NUL-terminated strings owned by libc; it is
  // read synchronously on the JS thread, from which alone the agent changes it (Deno.env).
  const list = new Deno.UnsafePointerView(address).getPointer(0);
  if (list === null) return [];
  const view = new Deno.UnsafePointerView(list);
  const entries: Uint8Array[] = [];
  for (let i = 0;; i++) {
    const entry = view.getPointer(i * 8);
    if (entry === null) break;
    entries.push(readCBytes(entry, 1 << 20));
  }
  return entries;
}

/** The identity string handed to `openlog`, kept alive for the process lifetime. */
let syslogIdent: Uint8Array<ArrayBuffer> | undefined;
const LOG_PID = 0x01;
const LOG_DAEMON = 3 << 3;
const LOG_INFO = 6;
const PERCENT_S = cString("%s");

let devLogCheckedAt = -Infinity;
const DEV_LOG = cString("/dev/log");
/** Room for a `struct statx` (256 bytes). */
const STATX_SCRATCH = new Uint8Array(256);
let devLogPresent = false;

/** Sends one line to syslog at LOG_INFO (qemu-ga's audit trail); never throws. */
export function syslogInfo(message: string): void {
  // Without /dev/log glibc's syslog() opens a socket, fails to connect and drops the line
  // (about 9 µs per call); look for a logger at most once a second instead.
  const now = performance.now();
  if (now - devLogCheckedAt >= 1000) {
    devLogCheckedAt = now;
    // statx through libc: Deno's own stat refuses /dev paths without -A.
    const AT_FDCWD = -100;
    const AT_SYMLINK_NOFOLLOW = 0x100;
    devLogPresent = libc().statx(AT_FDCWD, DEV_LOG, AT_SYMLINK_NOFOLLOW, 0, STATX_SCRATCH) === 0;
  }
  if (!devLogPresent) return;
  try {
    if (!syslogIdent) {
      syslogIdent = cString("qemu-ga");
      libc().openlog(syslogIdent, LOG_PID, LOG_DAEMON);
    }
    libc().syslog(LOG_INFO, PERCENT_S, cString(message));
  } catch {
    // No syslog: the audit line is dropped, as glibc does without a syslog daemon.
  }
}

/** `send(2)` of `bytes` with `flags`; returns the count, or -errno (never throws). */
export function sendFd(fd: number, bytes: Uint8Array<ArrayBuffer>, flags: number): number {
  const n = Number(libc().send(fd, bytes, BigInt(bytes.length), flags));
  return n < 0 ? -errno() : n;
}

/**
 * `poll(2)` on a worker thread (the JS thread stays free). Resolves to poll's result; errno is
 * not available (a negative result means EINTR or a bad array: callers just poll again).
 */
export function pollAsync(fds: Uint8Array<ArrayBuffer>, timeoutMs: number): Promise<number> {
  return libc().poll_nb(fds, BigInt(fds.length / 8), Math.trunc(timeoutMs));
}
