/**
 * The log file (`-l`), opened through libc as qemu-ga's `fopen(path, "a")` opens it:
 * `O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC`, mode 0640 (less the umask). The path is the
 * operator's, so a symlink there is followed, as `fopen` does. No Deno file API is involved: in the
 * confined profiles Deno's read/write grant is only the file roots, and the kernel's ruleset
 * (Landlock) grants exactly this file. Lines are written to the descriptor with `write()`.
 *
 * @module
 */

import { closeFd, openPath, writeAllFd } from "../sys/fd.ts";
import { OpenFlags } from "../sys/structs.ts";
import type { LogSink } from "./log.ts";

/** `fopen(path, "a")`'s flags, plus close-on-exec (children never inherit the log). */
const LOG_FLAGS = OpenFlags.O_WRONLY | OpenFlags.O_APPEND | OpenFlags.O_CREAT | OpenFlags.O_CLOEXEC;

/** The log file's creation mode (before the umask). */
export const LOG_FILE_MODE = 0o640;

const encoder = new TextEncoder();

/**
 * A sink appending each line to `fd`. A failed write is dropped, as qemu-ga's `fprintf` to its
 * log file ignores errors: logging never takes the agent down.
 *
 * @param fd A descriptor open for writing (kept open for the rest of the process).
 */
export function fdSink(fd: number): LogSink {
  return (line) => {
    try {
      writeAllFd(fd, encoder.encode(line));
    } catch {
      // a full or failing disk loses log lines, not the agent
    }
  };
}

/**
 * Opens (creating it if needed) the log file for appending and returns its sink.
 *
 * @param path The `-l` path.
 * @returns The sink writing to it.
 * @throws OsError when `open()` fails (its message is the text qemu-ga logs).
 */
export function openLogSink(path: string): LogSink {
  return fdSink(openPath(path, LOG_FLAGS, LOG_FILE_MODE));
}

/**
 * Creates the log file (empty, mode 0640 less the umask) when it does not exist yet, and closes
 * it: the confined profiles' ruleset can then grant that one file instead of its directory.
 *
 * @throws OsError when `open()` fails.
 */
export function createLogFileIfMissing(path: string): void {
  closeFd(openPath(path, LOG_FLAGS, LOG_FILE_MODE));
}
