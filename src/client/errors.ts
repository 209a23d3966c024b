/**
 * The client's errors and exit codes: an error reply of the agent ({@linkcode AgentError}, its
 * class and text), a wrong command line ({@linkcode UsageError}), and anything else that ends
 * the client with a message ({@linkcode ClientError}: no agent at the address, no answer,
 * a size check that failed).
 *
 * @module
 */

/** Exit codes of the client (`exec` exits with the guest program's own status instead). */
export const EXIT = {
  /** Success. */
  ok: 0,
  /** The agent answered an error, or a check of the client failed (e.g. a size mismatch). */
  failed: 1,
  /** The command line is wrong. */
  usage: 2,
  /** The agent could not be reached or did not answer in time. */
  unreachable: 3,
} as const;

/** An error reply of the agent: `{"error": {"class": …, "desc": …}}`. */
export class AgentError extends Error {
  /** The error class (`GenericError`, `CommandNotFound`, …). */
  readonly errorClass: string;
  /** The agent's error text. */
  readonly desc: string;

  /** An error reply with class `errorClass` and text `desc`. */
  constructor(errorClass: string, desc: string) {
    super(`${errorClass}: ${desc}`);
    this.name = "AgentError";
    this.errorClass = errorClass;
    this.desc = desc;
  }
}

/** A failure the client reports with a message and an exit code. */
export class ClientError extends Error {
  /** The exit code (one of {@linkcode EXIT}). */
  readonly exitCode: number;

  /** A failure described by `message`, exiting with `exitCode`. */
  constructor(message: string, exitCode: number = EXIT.failed) {
    super(message);
    this.name = "ClientError";
    this.exitCode = exitCode;
  }
}

/** A wrong command line: the message is printed with a hint to `--help`; exit code 2. */
export class UsageError extends ClientError {
  /** A usage error described by `message`. */
  constructor(message: string) {
    super(message, EXIT.usage);
    this.name = "UsageError";
  }
}
