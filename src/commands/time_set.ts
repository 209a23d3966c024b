/**
 * `guest-set-time` (spec §2.4), upstream's behaviour:
 *
 * - with `time` (int64 ns since the epoch): seconds = time / 10^9 and microseconds =
 *   (time mod 10^9) / 1000, both with C's truncating division (computed on `bigint`, never a
 *   double); if the local-time year of those seconds is < 1970 or ≥ 2070 → `Invalid time`; then
 *   `settimeofday()` (failure → `Failed to set time to guest: <strerror>`) and
 *   `/sbin/hwclock -w` (system time → RTC);
 * - without `time`: `/sbin/hwclock -s` (RTC → system time).
 *
 * hwclock runs through the run-command helper with action `set hardware clock to system time`.
 * Upstream's `Invalid time` may carry a stale errno suffix; this implementation never adds one.
 * Its 32-bit `time_t` check (`Time <n> is too large`) cannot trigger on 64-bit and is omitted.
 *
 * @module
 */

import { QgaError } from "../schema/errors.ts";
import { OsError } from "../sys/os_error.ts";
import type { Sys } from "../sys/sys.ts";
import type { Handler } from "./context.ts";
import { runCommand } from "./power/run_command.ts";

/** The error for a time outside [1970, 2070) local time. */
export const INVALID_TIME = "Invalid time";
/** The hwclock binary upstream runs. */
export const HWCLOCK = "/sbin/hwclock";
/** The action text of hwclock failures. */
export const HWCLOCK_ACTION = "set hardware clock to system time";

const NS_PER_SECOND = 1_000_000_000n;

/**
 * Splits int64 nanoseconds like C: `{tv_sec = ns / 1e9, tv_usec = (ns % 1e9) / 1000}`.
 *
 * @param ns Nanoseconds since the epoch.
 * @returns Seconds and microseconds (truncated toward zero, so negative for negative input).
 */
export function splitTimeval(ns: bigint): { seconds: bigint; microseconds: bigint } {
  return { seconds: ns / NS_PER_SECOND, microseconds: (ns % NS_PER_SECOND) / 1000n };
}

/**
 * Sets the guest's time as upstream qemu-ga does.
 *
 * @param sys The clock, and the processes that run hwclock.
 * @param time Nanoseconds since the epoch, or `undefined` to load the time from the RTC.
 * @throws QgaError with upstream's text.
 */
export async function setTime(
  sys: Pick<Sys, "clock" | "processes">,
  time: bigint | undefined,
): Promise<void> {
  if (time !== undefined) {
    const { seconds, microseconds } = splitTimeval(time);
    const year = sys.clock.localYear(seconds);
    if (year < 1970 || year >= 2070) throw new QgaError(INVALID_TIME);
    try {
      sys.clock.setTimeOfDay(seconds, microseconds);
    } catch (e) {
      if (!(e instanceof OsError)) throw e;
      throw new QgaError(`Failed to set time to guest: ${e.message}`);
    }
  }
  await runCommand(sys.processes, [HWCLOCK, time !== undefined ? "-w" : "-s"], HWCLOCK_ACTION);
}

/** `guest-set-time`. */
export const guestSetTime: Handler<"guest-set-time"> = (args, ctx) => setTime(ctx.sys, args.time);
