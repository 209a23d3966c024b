/**
 * Suspending the guest to RAM and waking it again, on either machine, for checks that need a
 * round trip through `guest-suspend-ram` ({@linkcode suspendWaker}):
 *
 * - x86_64 (`pc` with S3): QEMU reports SUSPEND and goes `suspended`; QMP `system_wakeup` wakes
 *   the guest (WAKEUP event).
 * - aarch64 (`virt`, no S3): `mem` is s2idle. QEMU stays `running` and `system_wakeup` cannot
 *   wake the guest, so a pl031 RTC wake alarm is armed in the guest *before* the request; the
 *   guest is seen asleep (its shell stops answering) and then awake again (the shell answers,
 *   `/sys/power/suspend_stats/success` went up by one).
 *
 * @module
 */

import { type CheckContext, CheckFailure, expectEqual } from "./check_kit.ts";
import { sleep } from "../helpers/async.ts";

/** The guest's RTC (a pl031 on `virt`). */
export const RTC = "/sys/class/rtc/rtc0";

/** Seconds from arming the RTC alarm to its firing (the guest must be asleep well before). */
export const ALARM_S = 16;

/** Waits for the guest to fall asleep and wakes it (see {@linkcode suspendWaker}). */
export interface SuspendWaker {
  /** Waits until the guest sleeps, then wakes it; resolves once it is awake. */
  wake(): Promise<void>;
}

/** Whether the guest shell answers within `seconds` (a suspended guest's shell does not). */
export async function shellAnswers(ctx: CheckContext, seconds: number): Promise<boolean> {
  return await ctx.shell.run("true", { timeoutS: seconds, hostGraceMs: 500 })
    .then(() => true, () => false);
}

/**
 * Arms an RTC wake alarm `ALARM_S` seconds ahead (`/sys/class/rtc/rtc0/wakealarm`).
 *
 * @returns The alarm time in RTC seconds.
 */
export async function armRtcAlarm(ctx: CheckContext): Promise<number> {
  const alarm = Number((await ctx.shell.check(
    `echo 0 > ${RTC}/wakealarm; echo +${ALARM_S} > ${RTC}/wakealarm; cat ${RTC}/wakealarm`,
  )).trim());
  if (!(alarm > 0)) throw new CheckFailure("the RTC wake alarm is not armed");
  return alarm;
}

/** Successful suspends so far (`/sys/power/suspend_stats/success`). */
export async function suspendCount(ctx: CheckContext): Promise<number> {
  return Number((await ctx.shell.check("cat /sys/power/suspend_stats/success")).trim());
}

/**
 * Prepares a suspend round trip: call it, then make the agent suspend the guest (any way), then
 * `wake()`. On aarch64 it arms the RTC alarm, so the request must follow within a few seconds.
 *
 * @param ctx The check context (its QMP connection, shell and architecture).
 * @returns The waker.
 */
export async function suspendWaker(ctx: CheckContext): Promise<SuspendWaker> {
  const { qmp } = ctx;
  const from = qmp.events.length;
  if (ctx.arch === "x86_64") {
    return {
      async wake() {
        await qmp.waitEvent("SUSPEND", 90_000, from);
        await sleep(1000);
        await qmp.execute("system_wakeup");
        await qmp.waitEvent("WAKEUP", 30_000, from);
      },
    };
  }
  const before = await suspendCount(ctx);
  await armRtcAlarm(ctx);
  const armed = Date.now();
  return {
    async wake() {
      while (await shellAnswers(ctx, 2)) {
        if (Date.now() - armed > (ALARM_S - 4) * 1000) {
          throw new CheckFailure("the guest did not fall asleep before the RTC alarm");
        }
      }
      while (!await shellAnswers(ctx, 3)) {
        if (Date.now() - armed > (ALARM_S + 40) * 1000) {
          throw new CheckFailure("the RTC alarm did not wake the guest");
        }
      }
      await ctx.shell.run(`echo 0 > ${RTC}/wakealarm`, { timeoutS: 5 });
      expectEqual(await suspendCount(ctx), before + 1, "suspend_stats/success");
    },
  };
}
