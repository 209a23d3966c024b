/**
 * The production {@link ClockOps}: `settimeofday` through libc FFI (Deno has no API for it).
 * Never called in tests: it changes the machine's clock.
 *
 * @module
 */

import { check, libc } from "../libc.ts";
import { type ClockOps, localYearOf } from "./clock.ts";

/** {@link ClockOps} on the running system. */
export const linuxClock: ClockOps = {
  setTimeOfDay(seconds: bigint, microseconds: bigint): void {
    const tv = new BigInt64Array([seconds, microseconds]);
    check("settimeofday", libc().settimeofday(tv, null));
  },
  localYear: localYearOf,
};
