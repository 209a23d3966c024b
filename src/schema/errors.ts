/**
 * The one error type that reaches the wire.
 *
 * Handlers and validation throw {@link QgaError} with qemu-ga's exact text; dispatch turns it
 * into `{"error": {"class": ..., "desc": ...}}`. Any other exception is a bug and is reported as
 * a GenericError too (the agent never crashes on a command).
 *
 * @module
 */

/** QAPI error classes that qemu-ga emits. */
export type ErrorClass = "GenericError" | "CommandNotFound";

/** An error reply: `desc` is the exact text qemu-ga sends (raw bytes allowed for stray input). */
export class QgaError extends Error {
  /** QAPI error class. */
  readonly errorClass: ErrorClass;
  /** Description as sent on the wire; bytes when it carries raw input. */
  readonly desc: string | Uint8Array;

  #pieces: readonly string[] | undefined;

  /**
   * Creates an error reply with a class (default GenericError). No stack trace is captured: a
   * reply needs none, and capturing one costs a walk of the stack per failing request — and,
   * with the bundle's top-level code on the stack, a recompilation of all of it for its source
   * positions the first time (≈10 ms of the agent's start-up).
   */
  constructor(desc: string | Uint8Array, errorClass: ErrorClass = "GenericError") {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(typeof desc === "string" ? desc : new TextDecoder().decode(desc));
    Error.stackTraceLimit = limit;
    this.name = "QgaError";
    this.errorClass = errorClass;
    this.desc = desc;
  }

  /**
   * The pieces `desc` is the concatenation of, when the error was made by
   * {@linkcode QgaError.joined}.
   */
  get descPieces(): readonly string[] | undefined {
    return this.#pieces;
  }

  /**
   * An error whose text is `pieces` joined, e.g. `["QMP input member '", name, "' is unexpected"]`
   * for a member name of a request. Its reply is written piece by piece: the joined text is a
   * rope (concatenated, not copied) that the writer's scan would flatten into one more copy of
   * the input — 24 MiB more for a 24 MiB member name. No piece may begin or end inside a
   * surrogate pair.
   */
  static joined(pieces: readonly string[], errorClass: ErrorClass = "GenericError"): QgaError {
    let desc = "";
    for (const piece of pieces) desc += piece; // a rope: `join()` would copy
    const error = new QgaError(desc, errorClass);
    error.#pieces = pieces;
    return error;
  }
}

/** Shorthand for a GenericError with qemu-ga's text. */
export function genericError(desc: string): QgaError {
  return new QgaError(desc);
}
