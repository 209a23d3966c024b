/**
 * A fake of the clock domain ({@link Clock}).
 *
 * @module
 */

import type { ErrnoName } from "../../../src/sys/errno.ts";
import type { Clock } from "../../../src/sys/clock.ts";
import { OsError } from "../../../src/sys/os_error.ts";

/** A fake {@link Clock}: a fixed (or settable) time, and a record of `settimeofday` calls. */
export class FakeClock implements Clock {
  /** Every `settimeofday` as `settimeofday <sec> <usec>`. */
  readonly calls: string[] = [];
  /** When set, `settimeofday` fails with it. */
  error: ErrnoName | undefined;
  #offset: number;

  /** Creates the fake; `utcOffsetSeconds` is the local zone's offset for `localYear`. */
  constructor(utcOffsetSeconds = 0) {
    this.#offset = utcOffsetSeconds;
  }

  /** The time `realtimeNs()` answers (nanoseconds since the epoch). */
  now = 1795697134263084000n;

  /** {@inheritDoc Clock.realtimeNs} */
  realtimeNs(): bigint {
    return this.now;
  }

  /** {@inheritDoc Clock.setTimeOfDay} */
  setTimeOfDay(seconds: bigint, microseconds: bigint): void {
    this.calls.push(`settimeofday ${seconds} ${microseconds}`);
    if (this.error) throw OsError.of(this.error);
  }

  /** {@inheritDoc Clock.localYear} */
  localYear(seconds: bigint): number {
    return new Date((Number(seconds) + this.#offset) * 1000).getUTCFullYear();
  }
}
