/**
 * The production {@link PowerOps}: `/sys/power/state` through libc FFI (Deno refuses `/sys`
 * without `-A`). Never written in tests: writing it suspends the machine.
 *
 * @module
 */

import { closeFd, openFd, OpenFlags, readFd, SysError, writeFd } from "../libc.ts";
import { POWER_STATE_FILE, type PowerOps } from "./power.ts";

/** {@link PowerOps} on a `state` file (default `/sys/power/state`). */
export class LinuxPower implements PowerOps {
  #path: string;

  /** Creates the ops for `path`. */
  constructor(path = POWER_STATE_FILE) {
    this.#path = path;
  }

  /** {@inheritDoc PowerOps.readPowerState} */
  readPowerState(max: number): Uint8Array | null {
    let fd: number;
    try {
      fd = openFd(this.#path, OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC);
    } catch (e) {
      if (e instanceof SysError) return null;
      throw e;
    }
    try {
      const buf = new Uint8Array(max);
      const n = readFd(fd, buf);
      return n <= 0 ? null : buf.slice(0, n);
    } finally {
      closeFd(fd);
    }
  }

  /** {@inheritDoc PowerOps.writePowerState} */
  writePowerState(word: string): void {
    const fd = openFd(this.#path, OpenFlags.O_WRONLY | OpenFlags.O_CLOEXEC);
    try {
      const n = writeFd(fd, new TextEncoder().encode(word));
      if (n < 0) throw new SysError("write", -n);
    } finally {
      closeFd(fd);
    }
  }
}
