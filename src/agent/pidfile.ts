/**
 * The pidfile (`-f`, spec §3.9), as QEMU's `qemu_write_pidfile()` writes it: opened
 * `O_WRONLY|O_CREAT|O_CLOEXEC` mode 0600, locked with an exclusive `fcntl(F_SETLK)` write lock held for the process lifetime (the
 * descriptor is never closed), re-checked to be the file now at that path (else retried),
 * truncated, and given `<pid>\n`. {@linkcode removePidfile} unlinks it when the agent exits.
 *
 * @module
 */

import {
  closeFd,
  lockWholeFile,
  openPath,
  statFd,
  statPath,
  truncateFd,
  unlinkPath,
  writeAllFd,
} from "../sys/fd.ts";
import { errorText } from "../sys/os_error.ts";
import { OpenFlags, Statx } from "../sys/structs.ts";
import type { Logger } from "./log.ts";

const encoder = new TextEncoder();

/** A pidfile failure; the message is qemu-ga's text, e.g. `Cannot lock pid file: <strerror>`. */
export class PidfileError extends Error {
  /** Creates the error with qemu-ga's message. */
  constructor(message: string) {
    super(message);
    this.name = "PidfileError";
  }
}

/** The pidfile this process holds locked (and removes at exit). */
let held: { fd: number; path: string } | undefined;
/** A pidfile whose creation waits for the first thaw (the agent started frozen). */
let deferred: string | undefined;
/**
 * Writes and locks the pidfile as QEMU's `qemu_write_pidfile()` does (see the module
 * documentation); the lock is held, and the file removed by {@linkcode removePidfile}, for the
 * rest of the process. A no-op when this process already holds a pidfile.
 *
 * @param path The pidfile path (`-f`).
 * @param pid The pid to write (default: this process).
 * @throws PidfileError with qemu-ga's message: `Could not create '<path>': <strerror>`,
 * `Cannot stat file: <strerror>`, `Cannot lock pid file: <strerror>` (another live process holds
 * it: `Resource temporarily unavailable`), `Failed to truncate pid file: <strerror>`,
 * `Failed to write pid file`.
 */
export function writePidfile(path: string, pid: number = Deno.pid): void {
  if (held) return;
  let fd: number;
  while (true) {
    try {
      fd = openPath(path, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_CLOEXEC, 0o600);
    } catch (error) {
      throw new PidfileError(`Could not create '${path}': ${errorText(error)}`);
    }
    let opened: bigint;
    try {
      opened = statFd(fd, Statx.STATX_INO).ino;
    } catch (error) {
      closeFd(fd);
      throw new PidfileError(`Cannot stat file: ${errorText(error)}`);
    }
    try {
      lockWholeFile(fd);
    } catch (error) {
      closeFd(fd);
      throw new PidfileError(`Cannot lock pid file: ${errorText(error)}`);
    }
    // Make sure the file locked is the one now at `path` (another agent may have removed or
    // replaced it meanwhile); otherwise start over.
    if (inodeAt(path) === opened) break;
    closeFd(fd);
  }
  try {
    truncateFd(fd);
  } catch (error) {
    unlinkQuietly(path);
    closeFd(fd);
    throw new PidfileError(`Failed to truncate pid file: ${errorText(error)}`);
  }
  try {
    writeAllFd(fd, encoder.encode(`${pid}\n`));
  } catch {
    unlinkQuietly(path);
    closeFd(fd);
    throw new PidfileError("Failed to write pid file");
  }
  held = { fd, path: absolute(path) };
}

/**
 * Thaw path: creates the pidfile whose creation was deferred because the agent started frozen
 * (qemu-ga's `ga_unset_frozen()`); a failure is only logged, as a warning. Does nothing when no
 * pidfile is pending, so it may be called on every thaw.
 *
 * @param log The agent's logger (logging is re-enabled by then).
 */
export function writeDeferredPidfile(log: Logger): void {
  if (deferred === undefined) return;
  const path = deferred;
  deferred = undefined;
  try {
    writePidfile(path);
  } catch (error) {
    log.warning(error instanceof Error ? error.message : String(error));
  }
}

/** The pidfile path waiting for the first thaw, if any (for tests and diagnostics). */
export function deferredPidfile(): string | undefined {
  return deferred;
}

/** Marks `path` as the pidfile to create at the first thaw (the agent started frozen). */
export function deferPidfile(path: string): void {
  deferred = path;
}

/**
 * On exit: unlinks the pidfile this process wrote and releases its lock. Unlike qemu-ga 7.2,
 * which unlinks the configured path whenever `-d` was given (even when it never wrote it, e.g.
 * after a configuration error or when it started frozen), only a pidfile this process holds is
 * removed. Safe to call more than once.
 */
export function removePidfile(): void {
  deferred = undefined;
  if (!held) return;
  unlinkQuietly(held.path);
  closeFd(held.fd);
  held = undefined;
}

/** The inode now at `path`, or undefined when it cannot be stat'ed. */
function inodeAt(path: string): bigint | undefined {
  try {
    return statPath(path, { mask: Statx.STATX_INO }).ino;
  } catch {
    return undefined;
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkPath(path);
  } catch {
    // Already gone.
  }
}

/** Resolves `path` against the current directory, so it can be removed after chdir("/"). */
function absolute(path: string): string {
  if (path.startsWith("/")) return path;
  try {
    return `${Deno.cwd()}/${path}`;
  } catch {
    return path;
  }
}
