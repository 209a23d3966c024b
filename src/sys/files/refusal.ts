/**
 * A guest-file open the agent itself refuses (confined profiles): an {@link OsError} whose errno
 * is what the host is told (`EACCES`, or `EROFS` for a write mode on a read-only root), with the
 * reason the agent refused, for its log only.
 *
 * The host sees exactly what qemu-ga would answer for a file the kernel refuses
 * (`failed to open file '<path>' (mode: '<mode>'): Permission denied`); the reason — outside
 * every root, a FIFO, procfs, one of the agent's own files, … — is never sent to the host.
 *
 * @module
 */

import { Errno } from "../errno.ts";
import { OsError } from "../os_error.ts";

/** A refused guest-file open: `message` is the `strerror` text, `reason` says why. */
export class GuestFileRefusal extends OsError {
  /** Why the agent refused (for the agent's log; never sent to the host). */
  readonly reason: string;

  /**
   * Creates the refusal.
   *
   * @param name `EACCES` (every refusal) or `EROFS` (a write mode on a read-only root).
   * @param reason Why, in a few words, e.g. `not a regular file (FIFO)`.
   */
  constructor(name: "EACCES" | "EROFS", reason: string) {
    super(Errno[name], "guest-file-open");
    this.reason = reason;
  }
}
