/**
 * The power domain of `Sys` (`./sys.ts`): `/sys/power/state`, the sysfs suspend strategy of
 * guest-suspend-disk/-ram. {@link LinuxPower} goes through libc (Deno refuses `/sys` without
 * `-A`). Never written in tests: writing it suspends the machine.
 *
 * @module
 */

import { closeFd, openPath, underRoot } from "./fd.ts";
import { readFd, writeFd } from "./libc.ts";
import { OsError } from "./os_error.ts";
import { OpenFlags } from "./structs.ts";

/** The file qemu-ga reads and writes. */
export const POWER_STATE_FILE = "/sys/power/state";

/** Access to `/sys/power/state`. */
export interface Power {
  /**
   * `open(O_RDONLY)` + one `read()` of up to `max` bytes.
   *
   * @returns The bytes read, or `null` when the open or read failed or read nothing.
   */
  readPowerState(max: number): Uint8Array | null;
  /**
   * `open(O_WRONLY)` + `write(word)`.
   *
   * @throws OsError with the errno of the failing call.
   */
  writePowerState(word: string): void;
}

/** {@link Power} on `/sys/power/state` under a root (default `/`). */
export class LinuxPower implements Power {
  #path: string;

  /** Creates the domain for `<root>/sys/power/state`. */
  constructor(root = "/") {
    this.#path = underRoot(root, POWER_STATE_FILE);
  }

  /** {@inheritDoc Power.readPowerState} */
  readPowerState(max: number): Uint8Array | null {
    let fd: number;
    try {
      fd = openPath(this.#path, OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC);
    } catch (e) {
      if (e instanceof OsError) return null;
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

  /** {@inheritDoc Power.writePowerState} */
  writePowerState(word: string): void {
    const fd = openPath(this.#path, OpenFlags.O_WRONLY | OpenFlags.O_CLOEXEC);
    try {
      const n = writeFd(fd, new TextEncoder().encode(word));
      if (n < 0) throw new OsError(-n, "write");
    } finally {
      closeFd(fd);
    }
  }
}
