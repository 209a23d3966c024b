/**
 * A fake of the power domain ({@link Power}).
 *
 * @module
 */

import type { ErrnoName } from "../../../src/sys/errno.ts";
import { OsError } from "../../../src/sys/os_error.ts";
import type { Power } from "../../../src/sys/power.ts";

const encoder = new TextEncoder();

/** A fake {@link Power}: `/sys/power/state` as a string; records reads and writes. */
export class FakePower implements Power {
  /** Words written, in order. */
  readonly writes: string[] = [];
  /** Reads made (their `max`). */
  readonly reads: number[] = [];

  /**
   * Creates the fake.
   *
   * @param state Content of `/sys/power/state`; `null` = cannot be opened.
   * @param writeError Writing fails with this errno.
   */
  constructor(readonly state: string | null, readonly writeError?: ErrnoName) {}

  /** {@inheritDoc Power.readPowerState} */
  readPowerState(max: number): Uint8Array | null {
    this.reads.push(max);
    if (this.state === null || this.state === "") return null;
    return encoder.encode(this.state).slice(0, max);
  }

  /** {@inheritDoc Power.writePowerState} */
  writePowerState(word: string): void {
    this.writes.push(word);
    if (this.writeError) throw OsError.of(this.writeError);
  }
}
