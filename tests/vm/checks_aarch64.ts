/**
 * What the aarch64 guest (QEMU `virt`) does differently, checked rather than skipped, and the
 * per-architecture choice of checks ({@linkcode checksFor}).
 *
 * - Suspend: `virt` has no S3, yet the guest offers `mem` in `/sys/power/state` — as s2idle
 *   (`/sys/power/mem_sleep` is `[s2idle]`). Writing it (what both agents do for
 *   guest-suspend-ram) really suspends the guest while QEMU stays `running` (no SUSPEND event),
 *   so QMP `system_wakeup` cannot wake it; a pl031 RTC wake alarm armed in the guest first does.
 *   This replaces the x86_64 check "guest-suspend-ram, system_wakeup"; other checks that need a
 *   suspend round trip use `suspend.ts`, which wakes either machine.
 * - Shutdown: the guest powers off through PSCI (SYSTEM_OFF: QMP's SHUTDOWN event, reason
 *   `guest-shutdown`), and `/sbin/poweroff` is busybox's own applet (the guest links its applets
 *   with `busybox --install -s`): it only signals PID 1, and busybox init powers off. qga-deno
 *   runs it (as newest upstream prefers `/sbin/poweroff`); qemu-ga 7.2 runs `/sbin/shutdown`,
 *   the harness's script, which logs `vm-poweroff:` to the console. The x86_64 shutdown check
 *   runs inside this one.
 *
 * @module
 */

import type { Arch } from "./arch.ts";
import { type Check, CheckFailure, expect, expectEqual } from "./check_kit.ts";
import { sleep } from "../helpers/async.ts";
import { abiCheck } from "./checks_abi.ts";
import { ALARM_S, armRtcAlarm, RTC, shellAnswers, suspendCount } from "./suspend.ts";

/** The checks of the two boots. */
export interface BootChecks {
  /** The main boot's checks, in order. */
  main: readonly Check[];
  /** The shutdown boot's checks. */
  shutdown: readonly Check[];
}

const STRAY_FF =
  `{"error": {"class": "GenericError", "desc": "JSON parse error, stray '\\uFFFD'"}}`;

/** `guest-suspend-ram` on `virt`: s2idle, system_wakeup cannot wake it, the RTC alarm does. */
export const s2idleCheck: Check = {
  name: "guest-suspend-ram on virt: s2idle, system_wakeup cannot wake it, a pl031 RTC alarm does",
  timeoutMs: 120_000,
  async run(ctx) {
    const { qmp, shell, note } = ctx;
    const facts = (await shell.check(
      `cat /sys/power/state /sys/power/mem_sleep ${RTC}/name ${RTC}/device/power/wakeup`,
    )).trim().split("\n");
    const [states, memSleep, rtcName, rtcWakeup] = facts;
    expect(states?.split(" ").includes("mem"), `/sys/power/state: ${states}`);
    expectEqual(memSleep, "[s2idle]", "/sys/power/mem_sleep (no S3 on virt)");
    expect(rtcName?.startsWith("rtc-pl031"), `the RTC is ${rtcName}, not a pl031`);
    expectEqual(rtcWakeup, "enabled", "the pl031 may wake the guest");
    const successBefore = await suspendCount(ctx);
    const alarm = await armRtcAlarm(ctx);
    await ctx.agent.resync(10_000);
    ctx.agent.discard();
    const from = qmp.events.length;
    const sent = Date.now();
    await ctx.agent.send('{"execute":"guest-suspend-ram"}');
    try {
      // Asleep once its shell stops answering (under load freezing may take a few seconds).
      await sleep(1000);
      while (await shellAnswers(ctx, 2)) {
        expect(Date.now() - sent < 8000, "the guest still answers: it did not suspend");
      }
      expectEqual(await qmp.status(), "running", "VM status while the guest sleeps (no S3)");
      expect(!qmp.findEvent("SUSPEND", from), "QEMU saw an S3 suspend on virt");
      const wakeup = await qmp.execute("system_wakeup").then(() => "accepted", (e) => e.message);
      note(`system_wakeup: ${wakeup}`);
      expect(!await shellAnswers(ctx, 2), "system_wakeup woke the guest");
      expect(
        Date.now() - sent < (ALARM_S - 2) * 1000,
        "the checks above outlasted the alarm: raise ALARM_S",
      );
      // The alarm: the guest comes back by itself.
      const deadline = sent + (ALARM_S + 30) * 1000;
      while (!await shellAnswers(ctx, 3)) {
        if (Date.now() > deadline) throw new CheckFailure("the RTC alarm did not wake the guest");
      }
    } finally {
      await shell.run(`echo 0 > ${RTC}/wakealarm`, { timeoutS: 5 }).catch(() => {});
    }
    const woke = (Date.now() - sent) / 1000;
    // The alarm is in RTC seconds (which busybox hwclock -w may have set to local time).
    const after = (await shell.check(
      `cat /sys/power/suspend_stats/success ${RTC}/since_epoch; ` +
        "dmesg | grep -c 'PM: suspend exit'",
    )).trim().split("\n").map(Number);
    expectEqual(after[0], successBefore + 1, "suspend_stats/success");
    expect(after[1]! >= alarm, `the guest woke before the alarm (RTC ${after[1]} < ${alarm})`);
    expect(after[2]! >= 1, "no 'PM: suspend exit' in the kernel log");
    expectEqual(await qmp.status(), "running", "VM status after the wake-up");
    // guest-suspend-ram itself must not have replied (success-response false).
    const bytes = await ctx.agent.exchangeRaw("", 60_000);
    expectEqual(bytes, `${STRAY_FF}\n`, "bytes the agent sent for guest-suspend-ram");
    expectEqual(await ctx.agent.execute("guest-ping"), {}, "guest-ping after the wake-up");
    note(`asleep until the alarm, awake again ${woke.toFixed(1)} s after the request`);
  },
};

/** Wraps the x86_64 shutdown check: PSCI and busybox's `poweroff` before, their traces after. */
function psciShutdown(base: Check): Check {
  return {
    name: `${base.name} through PSCI (busybox poweroff)`,
    timeoutMs: base.timeoutMs,
    async run(ctx) {
      const { shell, qmp } = ctx;
      expectEqual(
        (await shell.check(
          "cat /sys/firmware/devicetree/base/psci/method; echo; readlink /sbin/poweroff; " +
            "readlink /proc/1/exe",
        )).replaceAll("\0", "").trim().split("\n"),
        ["hvc", "/bin/busybox", "/bin/busybox"],
        "PSCI conduit, /sbin/poweroff, PID 1",
      );
      expect(
        (await shell.check("dmesg")).includes("psci: PSCIv"),
        "the kernel found no PSCI firmware",
      );
      const from = qmp.events.length;
      await base.run(ctx);
      const event = qmp.findEvent("SHUTDOWN", from) as { data?: { reason?: string } };
      expectEqual(event?.data?.reason, "guest-shutdown", "SHUTDOWN reason (PSCI SYSTEM_OFF)");
      const scripted = (await ctx.vm.console()).split("\n").filter((l) =>
        l.startsWith("vm-poweroff:")
      );
      if (ctx.kind === "deno") {
        expectEqual(scripted, [], "script runs (qga-deno must run busybox's /sbin/poweroff)");
      } else {
        expect(
          scripted.length === 1 && scripted[0]!.startsWith("vm-poweroff: /sbin/shutdown -h -P"),
          `qemu-ga 7.2 runs /sbin/shutdown -h -P: ${JSON.stringify(scripted)}`,
        );
      }
    },
  };
}

/** Replaces the one check named `name…` in `checks`, failing loudly when it is gone. */
function replace(checks: readonly Check[], prefix: string, by: (c: Check) => Check): Check[] {
  const i = checks.findIndex((c) => c.name.startsWith(prefix));
  if (i < 0) throw new Error(`no check "${prefix}…" to adapt for aarch64 (renamed?)`);
  return checks.map((c, j) => j === i ? by(c) : c);
}

/**
 * The checks of each boot on `arch`: the x86_64 lists, or for aarch64 the same with the S3
 * check replaced by {@linkcode s2idleCheck} and the shutdown check wrapped (PSCI); on both the
 * main boot ends with the in-guest ABI round trips (`checks_abi.ts`).
 *
 * @param arch The guest architecture.
 * @param base The x86_64 lists (`MAIN_CHECKS`, `SHUTDOWN_CHECKS`).
 * @returns The lists to run.
 */
export function checksFor(arch: Arch, base: BootChecks): BootChecks {
  if (arch === "x86_64") return { main: [...base.main, abiCheck], shutdown: base.shutdown };
  return {
    main: [...replace(base.main, "guest-suspend-ram", () => s2idleCheck), abiCheck],
    shutdown: replace(base.shutdown, "guest-shutdown", psciShutdown),
  };
}
