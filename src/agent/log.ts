/**
 * qemu-ga's log format and levels: `<unix seconds>.<microseconds>: <level>: <message>` to the log
 * file (`-l`) or stderr; by default only `error` and `critical`, everything with `-v`. Logging is
 * suspended while filesystems are frozen so the agent never writes to a frozen disk.
 *
 * @module
 */

/** Log levels, most severe first (GLib's names as qemu-ga prints them). */
export type LogLevel = "error" | "critical" | "warning" | "message" | "info" | "debug";

/** Where finished log lines go. */
export type LogSink = (line: string) => void;

const encoder = new TextEncoder();

/** A sink writing each line to a file descriptor-like writer synchronously (flushed per line). */
export function writerSink(writer: { writeSync(p: Uint8Array): number }): LogSink {
  return (line) => {
    const bytes = encoder.encode(line);
    let off = 0;
    while (off < bytes.length) off += writer.writeSync(bytes.subarray(off));
  };
}

/** C0 and C1 control characters, DEL, and the backslash that escapes them. */
// deno-lint-ignore no-control-regex
const CONTROL_REGEXP = /[\x00-\x1f\x7f-\x9f\\]/g;
/** The same class, for a stateless test (a global RegExp's `test()` moves its `lastIndex`). */
// deno-lint-ignore no-control-regex
const HAS_CONTROL_REGEXP = /[\x00-\x1f\x7f-\x9f\\]/;

/** The escape of one character of {@link CONTROL_REGEXP}. */
function escapeControl(c: string): string {
  switch (c) {
    case "\\":
      return "\\\\";
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
  }
  return `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`;
}

/**
 * A message made safe for a log line: control characters (a `\n` that would forge a line of its
 * own, a NUL that would cut a syslog message) and backslashes are written as escapes (`\n`,
 * `\x00`, `\\`). Text the host sends (paths, user names) reaches the log only through this.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { logSafe } from "./log.ts";
 * assert.equal(logSafe("a\nb\0c\\"), "a\\nb\\x00c\\\\");
 * ```
 */
export function logSafe(message: string): string {
  return HAS_CONTROL_REGEXP.test(message)
    ? message.replace(CONTROL_REGEXP, escapeControl)
    : message;
}

/** Formats a time (default: now, in microseconds) as qemu-ga does: `<seconds>.<6 digits>`. */
export function logTimestamp(
  micros = Math.trunc((performance.timeOrigin + performance.now()) * 1000),
): string {
  const us = BigInt(micros);
  return `${us / 1000000n}.${String(us % 1000000n).padStart(6, "0")}`;
}

/** The agent's logger. */
export class Logger {
  #sink: LogSink;
  #verbose: boolean;
  #enabled = true;
  #audit: LogSink | undefined;

  /** Creates a logger writing to `sink`; `verbose` enables every level. */
  constructor(sink: LogSink, verbose = false) {
    this.#sink = sink;
    this.#verbose = verbose;
  }

  /** Sets where audit lines go (syslog in production; none by default). */
  setAuditSink(sink: LogSink | undefined): void {
    this.#audit = sink;
  }

  /** Replaces the destination (e.g. once the log file can be opened after a thaw). */
  setSink(sink: LogSink): void {
    this.#sink = sink;
  }

  /** Suspends (false) or resumes (true) logging; used around filesystem freezes. */
  setEnabled(enabled: boolean): void {
    this.#enabled = enabled;
  }

  /** True when debug lines are written (`-v`, and logging not suspended). */
  get debugging(): boolean {
    return this.#verbose && this.#enabled;
  }

  /** True while logging is suspended. */
  get suspended(): boolean {
    return !this.#enabled;
  }

  /** Logs `message` at `level` if the level is on and logging is not suspended. */
  log(level: LogLevel, message: string): void {
    if (!this.#enabled) return;
    if (!this.#verbose && level !== "error" && level !== "critical") return;
    try {
      this.#sink(`${logTimestamp()}: ${level}: ${logSafe(message)}\n`);
    } catch {
      // A failing log destination must never take the agent down.
    }
  }

  /** Logs at level error. */
  error(message: string): void {
    this.log("error", message);
  }
  /** Logs at level critical. */
  critical(message: string): void {
    this.log("critical", message);
  }
  /** Logs at level warning. */
  warning(message: string): void {
    this.log("warning", message);
  }
  /** Logs at level info. */
  info(message: string): void {
    this.log("info", message);
  }
  /** Logs at level debug. */
  debug(message: string): void {
    this.log("debug", message);
  }
  /**
   * Audit trail of commands (qemu-ga's `slog`): sent to the audit sink (syslog in production)
   * as `info: <message>` whatever the verbosity, and to the log at debug level. Suppressed while
   * logging is suspended (frozen filesystems).
   */
  audit(message: string): void {
    if (!this.#enabled) return;
    this.#audit?.(`info: ${logSafe(message)}`);
    this.log("debug", message);
  }
}
