/**
 * libc through FFI: the only module of qga-deno that calls `Deno.dlopen`.
 *
 * Deno refuses `/dev`, `/proc` and `/sys` paths without `-A`, and has no API for ioctls,
 * `settimeofday`, termios, epoll or raw sockets; the agent reaches those through these thin,
 * typed wrappers. libc is opened lazily, on first use, by absolute path (a path list in
 * `--allow-ffi` makes relative names resolve against the current directory). Failures become
 * `OsError`s (`./os_error.ts`) carrying the errno read right after the synchronous call on the
 * JS thread. Struct layouts and ABI constants are in `./structs.ts` (confinement's in
 * `./sandbox_structs.ts`), the symbol table in
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

/** The library's symbols (each bound on first use, see {@link libc}). */
export type LibcSymbols = Deno.DynamicLibrary<typeof LIBC_SYMBOLS>["symbols"];

type SymbolName = keyof typeof LIBC_SYMBOLS;

let symbols: LibcSymbols | undefined;
/** The libraries opened, one per bound symbol: kept, so that none is ever closed. */
const opened: Deno.DynamicLibrary<Deno.ForeignLibraryInterface>[] = [];

/** The candidate libc paths for the running architecture, most likely first. */
export function libcCandidates(arch: string = Deno.build.arch): string[] {
  const own = `/lib/${arch}-linux-gnu/libc.so.6`;
  const others = LIBC_PATHS.filter((p) => !/-linux-gnu\//.test(p));
  return [own, ...others];
}

/** Binds symbol `name` of libc at `path` (throws when the path does not load). */
function bind<N extends SymbolName>(path: string, name: N): LibcSymbols[N] {
  const library = Deno.dlopen(path, { [name]: LIBC_SYMBOLS[name] } as Deno.ForeignLibraryInterface);
  opened.push(library);
  return library.symbols[name] as LibcSymbols[N];
}

/**
 * libc's symbols: finds libc on first use (throws when no candidate path loads), then binds each
 * symbol the first time it is used. Binding costs a trampoline per symbol (≈0.2 ms and some
 * native memory each): binding all ~90 at start-up took ≈30 ms of the agent's start and ≈1 MiB
 * of its memory at rest, while a running agent uses a few dozen — most commands never run.
 * A later binding opens libc again by the same path, which the dynamic loader finds already
 * loaded (the sandbox's ruleset grants reading it, as the first opening needs).
 */
export function libc(): LibcSymbols {
  if (symbols) return symbols;
  const { path, errnoLocation } = findLibc();
  const table: Record<string, unknown> = {};
  for (const name of Object.keys(LIBC_SYMBOLS) as SymbolName[]) {
    if (name === "__errno_location") {
      Object.defineProperty(table, name, { value: errnoLocation, enumerable: true });
      continue;
    }
    Object.defineProperty(table, name, {
      configurable: true,
      enumerable: true,
      get: () => {
        const value = bind(path, name);
        Object.defineProperty(table, name, { value, enumerable: true });
        return value;
      },
    });
  }
  symbols = table as LibcSymbols;
  return symbols;
}

/** The path libc loads from, and its first symbol bound there; throws when none loads. */
function findLibc(): { path: string; errnoLocation: LibcSymbols["__errno_location"] } {
  const failures: string[] = [];
  for (const path of libcCandidates()) {
    try {
      return { path, errnoLocation: bind(path, "__errno_location") };
    } catch (error) {
      failures.push(`${path}: ${error instanceof Error ? error.message : error}`);
    }
  }
  throw new Error(`cannot open libc (${failures.join("; ")})`);
}

/** Reads the calling thread's errno (valid right after a failed synchronous call). */
export function errno(): number {
  const p = (errnoSymbol ??= libc().__errno_location)();
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

/** The request path's symbols, looked up once (the table's own lookups are slower). */
let readSymbol: LibcSymbols["read"] | undefined;
let writeSymbol: LibcSymbols["write"] | undefined;
let sendSymbol: LibcSymbols["send"] | undefined;
let errnoSymbol: LibcSymbols["__errno_location"] | undefined;
let epollWaitSymbol: LibcSymbols["epoll_wait"] | undefined;
let pollSymbol: LibcSymbols["poll"] | undefined;

/**
 * `epoll_wait(2)` on the calling (JS) thread: up to `maxEvents` events into `events`, waiting up
 * to `timeoutMs` (-1: no limit). Returns the count, 0 on timeout, -1 on error (EINTR).
 */
export function epollWaitSync(
  epfd: number,
  events: Uint8Array<ArrayBuffer>,
  maxEvents: number,
  timeoutMs: number,
): number {
  return (epollWaitSymbol ??= libc().epoll_wait)(epfd, events, maxEvents, timeoutMs);
}

/**
 * `poll(2)` on the calling (JS) thread over the `struct pollfd` array `fds`, waiting up to
 * `timeoutMs`. Returns poll's result (0 on timeout, -1 on error).
 */
export function pollSync(fds: Uint8Array<ArrayBuffer>, timeoutMs: number): number {
  return (pollSymbol ??= libc().poll)(fds, size(fds.length / 8), timeoutMs);
}

/** `read(2)` into `buffer`; returns the count, or -errno (never throws). */
export function readFd(fd: number, buffer: Uint8Array<ArrayBuffer>): number {
  const n = (readSymbol ??= libc().read)(fd, buffer, size(buffer.length));
  return n < 0 ? -errno() : n;
}

/** `write(2)` of `bytes`; returns the count, or -errno (never throws). */
export function writeFd(fd: number, bytes: Uint8Array<ArrayBuffer>): number {
  const n = (writeSymbol ??= libc().write)(fd, bytes, size(bytes.length));
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
  const n = (sendSymbol ??= libc().send)(fd, bytes, size(bytes.length), flags);
  return n < 0 ? -errno() : n;
}

/**
 * `poll(2)` on a worker thread (the JS thread stays free). Resolves to poll's result; errno is
 * not available (a negative result means EINTR or a bad array: callers just poll again).
 */
export function pollAsync(fds: Uint8Array<ArrayBuffer>, timeoutMs: number): Promise<number> {
  return libc().poll_nb(fds, BigInt(fds.length / 8), Math.trunc(timeoutMs));
}
