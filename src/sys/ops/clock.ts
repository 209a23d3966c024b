/**
 * Setting the system clock (guest-set-time) and the local-time year check qemu-ga makes with
 * `g_date_set_time_t()` before it.
 *
 * @module
 */

/** Clock operations for guest-set-time. */
export interface ClockOps {
  /**
   * `settimeofday({seconds, microseconds}, NULL)`. Values are passed through unchanged (C
   * truncating division may make `microseconds` negative; the kernel then answers EINVAL).
   *
   * @throws OsError (or SysError) when the call fails.
   */
  setTimeOfDay(seconds: bigint, microseconds: bigint): void;
  /**
   * The local-time calendar year of a Unix time, as `localtime_r()` computes it.
   *
   * @param seconds Seconds since the epoch (|seconds| < 10^10, as int64 nanoseconds allow).
   */
  localYear(seconds: bigint): number;
}

/** The year of `seconds` in the process's local time zone (Deno's `Date`, like localtime). */
export function localYearOf(seconds: bigint): number {
  return new Date(Number(seconds) * 1000).getFullYear();
}
