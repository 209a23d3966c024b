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

import { QgaError } from "../dispatch/errors.ts";
import type { ClockOps } from "../sys/ops/clock.ts";
import { asOsError } from "../sys/ops/os_error.ts";
import type { ProcessRunner } from "../sys/ops/process.ts";
import type { CommandContext, Handler } from "./context.ts";
import { runCommand } from "./power/run_command.ts";

/** The error for a time outside [1970, 2070) local time. */
export const INVALID_TIME = "Invalid time";
/** The hwclock binary upstream runs. */
export const HWCLOCK = "/sbin/hwclock";
/** The action text of hwclock failures. */
export const HWCLOCK_ACTION = "set hardware clock to system time";

const NS_PER_SECOND = 1_000_000_000n;

/** What guest-set-time needs. */
export interface SetTimeDeps {
  /** The system clock. */
  readonly clock: ClockOps;
  /** Runs hwclock. */
  readonly runner: ProcessRunner;
}

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
 * @param deps Clock and process runner.
 * @param time Nanoseconds since the epoch, or `undefined` to load the time from the RTC.
 * @throws QgaError with upstream's text.
 */
export async function setTime(deps: SetTimeDeps, time: bigint | undefined): Promise<void> {
  if (time !== undefined) {
    const { seconds, microseconds } = splitTimeval(time);
    const year = deps.clock.localYear(seconds);
    if (year < 1970 || year >= 2070) throw new QgaError(INVALID_TIME);
    try {
      deps.clock.setTimeOfDay(seconds, microseconds);
    } catch (e) {
      const os = asOsError(e);
      if (!os) throw e;
      throw new QgaError(`Failed to set time to guest: ${os.message}`);
    }
  }
  await runCommand(deps.runner, [HWCLOCK, time !== undefined ? "-w" : "-s"], HWCLOCK_ACTION);
}

/**
 * Makes the `guest-set-time` handler.
 *
 * @param depsOf Picks clock and runner from the context, e.g.
 *   `(ctx) => ({ clock: ctx.sys.clock, runner: ctx.sys.processes })`.
 * @returns The handler.
 */
export function makeGuestSetTime(
  depsOf: (ctx: CommandContext) => SetTimeDeps,
): Handler<"guest-set-time"> {
  return (args, ctx) => setTime(depsOf(ctx), args.time);
}
