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

  /** Creates an error reply with a class (default GenericError). */
  constructor(desc: string | Uint8Array, errorClass: ErrorClass = "GenericError") {
    super(typeof desc === "string" ? desc : new TextDecoder().decode(desc));
    this.name = "QgaError";
    this.errorClass = errorClass;
    this.desc = desc;
  }
}

/** Shorthand for a GenericError with qemu-ga's text. */
export function genericError(desc: string): QgaError {
  return new QgaError(desc);
}
