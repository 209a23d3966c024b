/**
 * What the memory block commands share: qemu-ga's `ga_read_sysfs_file()` and
 * `ga_write_sysfs_file()` — `openat` a file of an open sysfs directory, one `pread` (or `pwrite`)
 * at offset 0, `close` — with the errno each failure leaves behind (qemu-ga decides on it: a
 * missing file is not an error), and the path of a block's directory.
 *
 * @module
 */

import { Errno } from "../../sys/errno.ts";
import { type Memory, MEMORY_SYSFS_DIR } from "../../sys/memory.ts";
import { OsError } from "../../sys/os_error.ts";

/** A failed sysfs file access: qemu-ga's message and the errno it leaves (0 after a short read). */
export interface SysfsFailure {
  readonly ok: false;
  /** E.g. `open sysfs file "state": No such file or directory`. */
  readonly message: string;
  /** `errno` after the failure: the failed call's, or 0 for `unexpected EOF`. */
  readonly errno: number;
}

/** The outcome of {@link readSysfsFile}. */
export type SysfsRead = { readonly ok: true; readonly bytes: Uint8Array } | SysfsFailure;

/** The outcome of {@link writeSysfsFile}. */
export type SysfsWrite = { readonly ok: true } | SysfsFailure;

function failure(what: string, e: unknown): SysfsFailure {
  if (!(e instanceof OsError)) throw e;
  return { ok: false, message: `${what}: ${e.message}`, errno: e.errno };
}

/**
 * `ga_read_sysfs_file(dirfd, name, buf, size)`: `openat(dirfd, name, O_RDONLY)`, one
 * `pread(fd, buf, size, 0)`, `close`.
 *
 * @returns The bytes read (1 to `size`), or the failure: `open sysfs file "<name>": <strerror>`,
 *   `pread sysfs file "<name>": <strerror>` or `pread sysfs file "<name>": unexpected EOF`.
 */
export function readSysfsFile(
  memory: Memory,
  dirFd: number,
  name: string,
  size: number,
): SysfsRead {
  let fd: number;
  try {
    fd = memory.openAt(dirFd, name, false);
  } catch (e) {
    return failure(`open sysfs file "${name}"`, e);
  }
  try {
    const bytes = memory.pread(fd, size, 0);
    if (bytes.length === 0) {
      return { ok: false, message: `pread sysfs file "${name}": unexpected EOF`, errno: 0 };
    }
    return { ok: true, bytes };
  } catch (e) {
    return failure(`pread sysfs file "${name}"`, e);
  } finally {
    memory.close(fd);
  }
}

/**
 * `ga_write_sysfs_file(dirfd, name, text)`: `openat(dirfd, name, O_WRONLY)`, one
 * `pwrite(fd, text, strlen(text), 0)`, `close`.
 *
 * @returns Success, or the failure (`open sysfs file "<name>": ...`,
 *   `pwrite sysfs file "<name>": ...`) with its errno.
 */
export function writeSysfsFile(
  memory: Memory,
  dirFd: number,
  name: string,
  text: string,
): SysfsWrite {
  let fd: number;
  try {
    fd = memory.openAt(dirFd, name, true);
  } catch (e) {
    return failure(`open sysfs file "${name}"`, e);
  }
  try {
    memory.pwrite(fd, new TextEncoder().encode(text), 0);
    return { ok: true };
  } catch (e) {
    return failure(`pwrite sysfs file "${name}"`, e);
  } finally {
    memory.close(fd);
  }
}

/** Whether a failure is qemu-ga's "file does not exist (old kernel)" case. */
export function isMissing(read: SysfsFailure): boolean {
  return read.errno === Errno.ENOENT;
}

/**
 * The directory of block `physIndex` as qemu-ga prints it: `memory%" PRId64 "/`, so an index
 * above 2^63 - 1 (a uint64 on the wire) shows as negative.
 */
export function blockDirectory(physIndex: bigint): string {
  return `${MEMORY_SYSFS_DIR}memory${BigInt.asIntN(64, physIndex)}/`;
}

/** Whether the first 6 bytes of a `state` buffer are `online` (`strncmp(status, "online", 6)`). */
export function isOnlineState(state: Uint8Array): boolean {
  const online = "online";
  for (let i = 0; i < online.length; i++) {
    if (state[i] !== online.charCodeAt(i)) return false;
  }
  return true;
}
