/**
 * The sysfs suspend strategy of guest-suspend-disk/-ram: reading and writing
 * `/sys/power/state`.
 *
 * @module
 */

/** The file qemu-ga reads and writes. */
export const POWER_STATE_FILE = "/sys/power/state";

/** Access to `/sys/power/state`. */
export interface PowerOps {
  /**
   * `open(O_RDONLY)` + one `read()` of up to `max` bytes.
   *
   * @returns The bytes read, or `null` when the open or read failed or read nothing.
   */
  readPowerState(max: number): Uint8Array | null;
  /**
   * `open(O_WRONLY)` + `write(word)`.
   *
   * @throws OsError (or SysError) with the errno of the failing call.
   */
  writePowerState(word: string): void;
}
