/**
 * What guest-get-vcpus and guest-set-vcpus share: qemu-ga's `transfer_vcpu()` — open the CPU's
 * directory, `openat` its `online` file, read its first byte — and the way a failed system call
 * becomes qemu-ga's `<call>("<path>"): <strerror>` text.
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import type { Cpus } from "../../sys/cpus.ts";
import { Errno } from "../../sys/errno.ts";
import { OsError } from "../../sys/os_error.ts";

/** The per-CPU file that holds `0` (offline) or `1` (online). */
const ONLINE = "online";

/**
 * Runs a system call; an OS error becomes `QgaError` `<what>: <strerror>`.
 *
 * @param what The text before the strerror, e.g. `open("/sys/devices/system/cpu/cpu1/")`.
 * @param call The call.
 */
export function osCall<T>(what: string, call: () => T): T {
  try {
    return call();
  } catch (e) {
    if (!(e instanceof OsError)) throw e;
    throw new QgaError(`${what}: ${e.message}`);
  }
}

/**
 * Reads a CPU's state as qemu-ga's `transfer_vcpu()` does: `open(dirpath, O_DIRECTORY)`,
 * `openat(dirfd, "online", write ? O_RDWR : O_RDONLY)`, a one-byte `pread` at 0 — then hands the
 * open file to `update` (guest-set-vcpus writes there).
 *
 * @param cpus The system calls.
 * @param dirpath The CPU directory, e.g. `/sys/devices/system/cpu/cpu1/` (ending in `/`, hence
 *   qemu-ga's double slash in `<dirpath>/online`).
 * @param update Called with the open `online` file and whether the CPU is online.
 * @returns Whether the CPU is online (first byte not `'0'`), or `"missing"` when it has no
 *   `online` file (it cannot be offlined; `update` is not called).
 * @throws QgaError with qemu-ga's text when a call fails or the file is empty.
 */
export function readOnline(
  cpus: Cpus,
  dirpath: string,
  update?: (file: { fd: number; path: string }, online: boolean) => void,
): boolean | "missing" {
  const path = `${dirpath}/${ONLINE}`;
  const dirFd = osCall(`open("${dirpath}")`, () => cpus.openDirectory(dirpath));
  try {
    let fd: number;
    try {
      fd = cpus.openAt(dirFd, ONLINE, update !== undefined);
    } catch (e) {
      if (!(e instanceof OsError)) throw e;
      if (e.errno === Errno.ENOENT) return "missing";
      throw new QgaError(`open("${path}"): ${e.message}`);
    }
    try {
      const status = osCall(`pread("${path}")`, () => cpus.pread(fd, 1, 0));
      if (status.length === 0) throw new QgaError(`pread("${path}"): unexpected EOF`);
      const online = status[0] !== 0x30;
      update?.({ fd, path }, online);
      return online;
    } finally {
      cpus.close(fd);
    }
  } finally {
    cpus.close(dirFd);
  }
}
