/**
 * libc through FFI: the only module of qga-deno that calls `Deno.dlopen`.
 *
 * Deno refuses `/dev`, `/proc` and `/sys` paths without `-A`, and has no API for ioctls,
 * `settimeofday`, termios, epoll or raw sockets; the agent reaches those through these thin,
 * typed wrappers. libc is opened lazily, on first use, by absolute path (a path list in
 * `--allow-ffi` makes relative names resolve against the current directory). Failures become
 * `OsError`s (`./os_error.ts`) carrying the errno read right after the synchronous call on the
 * JS thread. Struct layouts and ABI constants are in `./structs.ts`, the symbol table in
 * `./libc_symbols.ts`.

 * Only modules of `src/sys/` and `src/channel/` (which drives the host channel's descriptor)
 * import this one; a test keeps it so.
 *
 * @module
 */

import { LIBC_SYMBOLS } from "./libc_symbols.ts";
import { OsError } from "./os_error.ts";

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

/** Reads the calling thread's errno (valid right after a failed synchronous call). */
export function errno(): number {
  const p = libc().__errno_location();
  return p === null ? 0 : new Deno.UnsafePointerView(p).getInt32();
}

/** Throws an {@link OsError} with the current errno when `result` is negative. */
export function check<T extends number | bigint>(call: string, result: T): T {
  if (result < 0) throw new OsError(errno(), call);
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

/** `open(2)`; throws {@link OsError}. */
export function openFd(path: string | Uint8Array, flags: number, mode = 0): number {
  return check("open", libc().open(cString(path), flags, mode));
}

/** `close(2)`, ignoring errors. */
export function closeFd(fd: number): void {
  if (fd >= 0) libc().close(fd);
}

/**
 * A byte count for a `size_t` parameter. Deno's FFI takes a number there as well as a BigInt
 * (its types say BigInt only); a number costs no BigInt per call on the request path.
 */
function size(count: number): bigint {
  return count as unknown as bigint;
}

/** `read(2)` into `buffer`; returns the count, or -errno (never throws). */
export function readFd(fd: number, buffer: Uint8Array<ArrayBuffer>): number {
  const n = libc().read(fd, buffer, size(buffer.length));
  return n < 0 ? -errno() : n;
}

/** `write(2)` of `bytes`; returns the count, or -errno (never throws). */
export function writeFd(fd: number, bytes: Uint8Array<ArrayBuffer>): number {
  const n = libc().write(fd, bytes, size(bytes.length));
  return n < 0 ? -errno() : n;
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

/** `send(2)` of `bytes` with `flags`; returns the count, or -errno (never throws). */
export function sendFd(fd: number, bytes: Uint8Array<ArrayBuffer>, flags: number): number {
  const n = libc().send(fd, bytes, size(bytes.length), flags);
  return n < 0 ? -errno() : n;
}

/**
 * `poll(2)` on a worker thread (the JS thread stays free). Resolves to poll's result; errno is
 * not available (a negative result means EINTR or a bad array: callers just poll again).
 */
export function pollAsync(fds: Uint8Array<ArrayBuffer>, timeoutMs: number): Promise<number> {
  return libc().poll_nb(fds, BigInt(fds.length / 8), Math.trunc(timeoutMs));
}
