/**
 * A recent reading of `performance.now()`, for checks that only need to know roughly when they
 * last ran (at most once a second, say). In a guest without a vDSO clock (HPET under QEMU, as in
 * the VM benchmark) every clock reading is a system call; the channel reads the clock once per
 * wait anyway and records it here, so such checks on the request path read no clock of their own.
 *
 * @module
 */

let recorded: number | undefined;

/** Records a clock reading taken anyway (`performance.now()`); returns it. */
export function recordTime(now: number): number {
  recorded = now;
  return now;
}

/**
 * The last recorded reading — lagging behind the clock by at most the time since the channel
 * last waited — or the clock itself when nothing was recorded yet.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { recentTime, recordTime } from "./recent_time.ts";
 * recordTime(1234);
 * assert.equal(recentTime(), 1234);
 * ```
 */
export function recentTime(): number {
  return recorded ?? performance.now();
}
