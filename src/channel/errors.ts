/**
 * Errors of the channel layer.
 *
 * @module
 */

/** Opening the channel failed; the message is qemu-ga's text (e.g. `error opening channel ...`). */
export class ChannelOpenError extends Error {
  /** Creates the error with qemu-ga's message. */
  constructor(message: string) {
    super(message);
    this.name = "ChannelOpenError";
  }
}

/** Reading from the channel failed (not a hang-up); the message is the OS reason. */
export class ChannelReadError extends Error {
  /** The errno behind the failure, when there is one. */
  readonly errno: number | undefined;

  /** Creates the error with the OS reason. */
  constructor(message: string, errno?: number) {
    super(message);
    this.name = "ChannelReadError";
    this.errno = errno;
  }
}

/** A write made no progress for the stall timeout: the peer is there but does not read. */
export class WriteStallError extends Error {
  /** Creates the error for a stall of `ms` milliseconds. */
  constructor(ms: number) {
    super(`no progress writing to the host for ${ms / 1000} s`);
    this.name = "WriteStallError";
  }
}

/** The channel was closed while an operation was pending. */
export class ChannelClosedError extends Error {
  /** Creates the error. */
  constructor() {
    super("channel closed");
    this.name = "ChannelClosedError";
  }
}
