/**
 * guest-set-time through a fake clock and runner: exact int64 nanosecond arithmetic (bigint),
 * the [1970, 2070) local-year window at its edges, settimeofday and hwclock command lines, and
 * upstream's error texts. The real clock is never touched.
 *
 * @module
 */

import assert from "node:assert/strict";
import { guestSetTime, setTime, splitTimeval } from "../../src/commands/time_set.ts";
import { linuxClock } from "../../src/sys/clock.ts";
import { testContext } from "../helpers/command_context.ts";
import {
  exited,
  FakeClock,
  FakeProcesses,
  FakeSys,
  spawnFailed,
} from "../helpers/fake_sys/fake_sys.ts";
import { rejection } from "./freeze/helpers.ts";

const localYearOf = (seconds: bigint) => linuxClock.localYear(seconds);

/** 1970-01-01T00:00:00Z and 2070-01-01T00:00:00Z in ns. */
const Y1970 = 0n;
const Y2070 = 3155760000n * 1_000_000_000n;

async function attempt(time: bigint | undefined, clock = new FakeClock()) {
  const runner = new FakeProcesses();
  let error: string | undefined;
  try {
    await setTime({ clock, processes: runner }, time);
  } catch (e) {
    error = (e as { desc: string }).desc;
  }
  return { error, clock: clock.calls, runs: runner.commandLines };
}

Deno.test("guest-set-time accepts the first and last nanosecond of [1970, 2070) exactly", async () => {
  assert.deepEqual(await attempt(Y1970), {
    error: undefined,
    clock: ["settimeofday 0 0"],
    runs: ["/sbin/hwclock -w"],
  });
  // 3155759999999999999 is not representable as a double (it rounds up to 2070).
  assert.deepEqual(await attempt(Y2070 - 1n), {
    error: undefined,
    clock: ["settimeofday 3155759999 999999"],
    runs: ["/sbin/hwclock -w"],
  });
});

Deno.test("guest-set-time rejects 1969 and 2070 with 'Invalid time' and sets nothing", async () => {
  for (const t of [Y1970 - 1_000_000_000n, Y2070, Y2070 + 1n, -(1n << 63n), (1n << 63n) - 1n]) {
    assert.deepEqual(await attempt(t), { error: "Invalid time", clock: [], runs: [] }, String(t));
  }
});

Deno.test("guest-set-time truncates toward zero like C: -1 ns is second 0 of 1970", async () => {
  assert.deepEqual(splitTimeval(-1n), { seconds: 0n, microseconds: 0n });
  assert.deepEqual(splitTimeval(-999_999_999n), { seconds: 0n, microseconds: -999999n });
  assert.deepEqual(splitTimeval(1_234_567_891n), { seconds: 1n, microseconds: 234567n });
  assert.deepEqual((await attempt(-1n)).clock, ["settimeofday 0 0"]);
  const clock = new FakeClock();
  clock.error = "EINVAL";
  assert.deepEqual(await attempt(-999_999_999n, clock), {
    error: "Failed to set time to guest: Invalid argument",
    clock: ["settimeofday 0 -999999"],
    runs: [],
  });
});

Deno.test("guest-set-time checks the year in local time", async () => {
  // UTC+1: the epoch is 01:00 on 1970-01-01, one second earlier is still 1970.
  const east = await attempt(-1_000_000_000n, new FakeClock(3600));
  assert.deepEqual(east.clock, ["settimeofday -1 0"]);
  // UTC-1: the epoch is 23:00 on 1969-12-31.
  assert.equal((await attempt(Y1970, new FakeClock(-3600))).error, "Invalid time");
  assert.equal(
    (await attempt(Y2070 - 7200n * 1_000_000_000n, new FakeClock(7200))).error,
    "Invalid time",
  );
});

Deno.test("guest-set-time reports a settimeofday failure and does not run hwclock", async () => {
  const clock = new FakeClock();
  clock.error = "EPERM";
  assert.deepEqual(await attempt(1_700_000_000_000_000_000n, clock), {
    error: "Failed to set time to guest: Operation not permitted",
    clock: ["settimeofday 1700000000 0"],
    runs: [],
  });
});

Deno.test("guest-set-time without time loads the system time from the RTC (hwclock -s)", async () => {
  assert.deepEqual(await attempt(undefined), {
    error: undefined,
    clock: [],
    runs: ["/sbin/hwclock -s"],
  });
});

Deno.test("guest-set-time reports hwclock failures with the run-command texts", async () => {
  const deps = (outcome: ReturnType<typeof exited>) => ({
    clock: new FakeClock(),
    processes: new FakeProcesses([], () => outcome),
  });
  assert.equal(
    await rejection(
      setTime(
        deps(exited(1, "hwclock: Cannot access the Hardware Clock via any known method.\n")),
        0n,
      ),
    ),
    "child process has failed to set hardware clock to system time: " +
      "hwclock: Cannot access the Hardware Clock via any known method.\n",
  );
  assert.equal(
    await rejection(
      setTime(deps(spawnFailed("not-found", "No such file or directory")), undefined),
    ),
    "child process has failed to set hardware clock to system time: " +
      "failed to exec '/sbin/hwclock': No such file or directory\n",
  );
});

Deno.test("the guest-set-time handler passes the optional time through", async () => {
  const sys = new FakeSys();
  const ctx = testContext({ sys });
  assert.equal(await guestSetTime({ time: 1_000_000_000_000_000_000n }, ctx), undefined);
  assert.equal(await guestSetTime({}, ctx), undefined);
  assert.deepEqual(sys.clock.calls, ["settimeofday 1000000000 0"]);
  assert.deepEqual(sys.processes.commandLines, ["/sbin/hwclock -w", "/sbin/hwclock -s"]);
});

Deno.test("linuxClock.localYear() gives the local calendar year (away from new year, any zone)", () => {
  assert.equal(localYearOf(15_552_000n), 1970); // 1970-06-29
  assert.equal(localYearOf(3_140_000_000n), 2069); // 2069-07-02
  assert.equal(localYearOf(-15_552_000n), 1969);
});
