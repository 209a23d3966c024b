/**
 * The clock domain of `Sys` (`./sys.ts`): reading the wall clock exactly (guest-get-time), setting it
 * (guest-set-time), and the local-time year check qemu-ga makes with `g_date_set_time_t()`.
 *
 * @module
 */

import { check, libc } from "./libc.ts";

/** The system clock. */
export interface Clock {
  /** Wall-clock time in nanoseconds since the epoch, exact (microsecond resolution × 1000). */
  realtimeNs(): bigint;
  /**
   * `settimeofday({seconds, microseconds}, NULL)`. Values are passed through unchanged (C
   * truncating division may make `microseconds` negative; the kernel then answers EINVAL).
   *
   * @throws OsError when the call fails.
   */
  setTimeOfDay(seconds: bigint, microseconds: bigint): void;
  /**
   * The local-time calendar year of a Unix time, as `localtime_r()` computes it.
   *
   * @param seconds Seconds since the epoch (|seconds| < 10^10, as int64 nanoseconds allow).
   */
  localYear(seconds: bigint): number;
}

/** The running system's clock: `gettimeofday`/`settimeofday` through libc (Deno has neither). */
export const linuxClock: Clock = {
  realtimeNs(): bigint {
    const tv = new BigInt64Array(2);
    check("gettimeofday", libc().gettimeofday(tv, null));
    return tv[0]! * 1000000000n + tv[1]! * 1000n;
  },
  setTimeOfDay(seconds: bigint, microseconds: bigint): void {
    const tv = new BigInt64Array([seconds, microseconds]);
    check("settimeofday", libc().settimeofday(tv, null));
  },
  localYear(seconds: bigint): number {
    // Deno's Date uses the process's local time zone, as localtime_r() does.
    return new Date(Number(seconds) * 1000).getFullYear();
  },
};
