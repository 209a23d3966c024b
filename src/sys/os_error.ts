/**
 * The one error type of the OS layer: a failed system call, carrying the errno, its name and
 * glibc's `strerror` text as the message — so commands can build qemu-ga's `<action>: <strerror>`
 * texts, and fakes produce the same texts without FFI.
 *
 * Every `Sys` implementation throws {@link OsError} for OS failures, whether the call went
 * through libc (`check()` in `./libc.ts`) or through a Deno API ({@link OsError.from} turns a
 * Deno or `node:fs` error into one). Anything else that is thrown is a bug, or Deno's sandbox
 * refusing (`Deno.errors.NotCapable`).
 *
 * @module
 */

import { Errno, type ErrnoName, errnoName, errnoValue, strerror } from "./errno.ts";

/** Deno error classes that may arrive without an errno code, and their errno. */
const DENO_CLASS_ERRNO: Readonly<Record<string, ErrnoName>> = {
  NotFound: "ENOENT",
  PermissionDenied: "EACCES",
  AlreadyExists: "EEXIST",
  IsADirectory: "EISDIR",
  NotADirectory: "ENOTDIR",
  WouldBlock: "EAGAIN",
  Interrupted: "EINTR",
  BrokenPipe: "EPIPE",
  FilesystemLoop: "ELOOP",
  Busy: "EBUSY",
  BadResource: "EBADF",
  TimedOut: "ETIMEDOUT",
  NotSupported: "ENOTSUP",
};

/** `... (os error 26)` at the end of a Rust I/O error message. */
const RUST_OS_ERROR = /\(os error (\d+)\)/;

/** A failed system call: `message` is glibc's `strerror` text (`No such file or directory`). */
export class OsError extends Error {
  /** The errno value. */
  readonly errno: number;
  /** The errno's symbolic name, e.g. `ENOENT`. */
  readonly code: string;
  /** The call that failed (for logs), when known. */
  readonly call: string | undefined;

  /**
   * Creates the error, without a stack trace: an OS failure is an expected outcome that callers
   * turn into a reply or a log line, and capturing a stack costs a walk of it — and, with the
   * bundle's top-level code on the stack, a recompilation of all of it for its source positions
   * the first time (≈10 ms of the agent's start-up, where a missing config file is the rule).
   *
   * @param errno The errno value.
   * @param call The failing call, e.g. `open`.
   */
  constructor(errno: number, call?: string) {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(strerror(errno));
    Error.stackTraceLimit = limit;
    this.name = "OsError";
    this.errno = errno;
    this.code = errnoName(errno);
    this.call = call;
  }

  /**
   * The error for an errno name (handy in fakes and tests).
   *
   * @example
   * ```ts
   * import assert from "node:assert/strict";
   * import { OsError } from "./os_error.ts";
   * assert.equal(OsError.of("EBUSY").message, "Device or resource busy");
   * ```
   */
  static of(name: ErrnoName, call?: string): OsError {
    return new OsError(Errno[name], call);
  }

  /**
   * Views a caught value as an OS error: an {@link OsError} as it is; a Deno or `node:fs` error
   * by its errno `code` (`ENOENT`), its Rust `(os error N)` suffix or its class (`NotFound`).
   *
   * @param caught What was caught.
   * @returns The OS error, or `undefined` for anything else (a bug, or `NotCapable`).
   */
  static from(caught: unknown): OsError | undefined {
    if (caught instanceof OsError) return caught;
    if (!(caught instanceof Error) || caught instanceof Deno.errors.NotCapable) return undefined;
    const code = (caught as { code?: unknown }).code;
    const byCode = typeof code === "string" ? errnoValue(code) : undefined;
    if (byCode !== undefined) return new OsError(byCode);
    const rust = RUST_OS_ERROR.exec(caught.message);
    if (rust) return new OsError(Number(rust[1]));
    const byClass = DENO_CLASS_ERRNO[caught.name];
    return byClass === undefined ? undefined : OsError.of(byClass);
  }
}

/**
 * The text qemu-ga would print for a caught failure: glibc's `strerror` text for an OS error,
 * else the error's own message.
 */
export function errorText(caught: unknown): string {
  const os = OsError.from(caught);
  if (os) return os.message;
  return caught instanceof Error ? caught.message : String(caught);
}
