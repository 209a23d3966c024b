/**
 * guest-suspend-disk/-ram/-hybrid through a fake runner and a fake `/sys/power/state`: the
 * systemd → pm-utils → sysfs strategy, exact helper command lines and upstream's error texts.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  guestSuspendDisk,
  guestSuspendHybrid,
  guestSuspendRam,
  runProcessChild,
  suspend,
  SUSPEND_NOT_SUPPORTED,
} from "../../../src/commands/power/suspend.ts";
import type { RunOutcome } from "../../../src/sys/processes.ts";
import { testContext } from "../../helpers/command_context.ts";
import {
  exited,
  FakePower,
  FakeProcesses,
  FakeSys,
  type RunScript,
  signaled,
  spawnFailed,
} from "../../helpers/fake_sys/fake_sys.ts";
import { rejection } from "../freeze/helpers.ts";

const NOT_FOUND = spawnFailed("not-found", "No such file or directory");

/** A script answering by command line; unknown lines are "not found". */
function programs(table: Record<string, RunOutcome>): RunScript {
  return (argv) => table[argv.join(" ")] ?? NOT_FOUND;
}

Deno.test("guest-suspend-ram via systemd: status says supported (3), then systemctl suspend", async () => {
  const runner = new FakeProcesses(
    [],
    programs({
      "systemctl status systemd-suspend": exited(3),
      "systemctl suspend": exited(0),
    }),
  );
  const power = new FakePower("freeze mem disk\n");
  await suspend({ processes: runner, power }, "ram");
  assert.deepEqual(runner.runs, [
    { argv: ["systemctl", "status", "systemd-suspend"], output: "discard" },
    { argv: ["systemctl", "suspend"], output: "discard" },
  ]);
  assert.deepEqual(power.reads, []);
});

Deno.test("guest-suspend-disk via pm-utils when systemd does not know the unit (4)", async () => {
  const runner = new FakeProcesses(
    [],
    programs({
      "systemctl status systemd-hibernate": exited(4),
      "pm-is-supported --hibernate": exited(0),
      "pm-hibernate": exited(0),
    }),
  );
  await suspend({ processes: runner, power: new FakePower(null) }, "disk");
  assert.deepEqual(runner.commandLines, [
    "systemctl status systemd-hibernate",
    "pm-is-supported --hibernate",
    "pm-hibernate",
  ]);
});

Deno.test("guest-suspend-disk and -ram fall back to writing /sys/power/state", async () => {
  for (const [mode, word] of [["disk", "disk"], ["ram", "mem"]] as const) {
    const runner = new FakeProcesses([], () => NOT_FOUND);
    const power = new FakePower("freeze mem disk\n");
    await suspend({ processes: runner, power }, mode);
    assert.deepEqual(power.reads, [31]);
    assert.deepEqual(power.writes, [word]);
  }
});

Deno.test("guest-suspend-hybrid never uses sysfs and is unsupported without systemd/pm-utils", async () => {
  const runner = new FakeProcesses([], () => NOT_FOUND);
  const power = new FakePower("freeze mem disk\n");
  assert.equal(
    await rejection(suspend({ processes: runner, power }, "hybrid")),
    SUSPEND_NOT_SUPPORTED,
  );
  assert.deepEqual(runner.commandLines, [
    "systemctl status systemd-hybrid-sleep",
    "pm-is-supported --suspend-hybrid",
  ]);
  assert.deepEqual(power.reads, []);
});

Deno.test("guest-suspend-disk is unsupported when /sys/power/state lacks the word or is unreadable", async () => {
  for (const state of ["freeze mem\n", null, "", "mem\0disk"]) {
    const runner = new FakeProcesses([], () => NOT_FOUND);
    const power = new FakePower(state);
    assert.equal(
      await rejection(suspend({ processes: runner, power }, "disk")),
      "the requested suspend mode is not supported by the guest",
    );
    assert.deepEqual(power.writes, []);
  }
});

Deno.test("guest-suspend-ram reports a failed sysfs write with the errno text", async () => {
  const runner = new FakeProcesses([], () => NOT_FOUND);
  const power = new FakePower("freeze mem disk\n", "EBUSY");
  assert.equal(
    await rejection(suspend({ processes: runner, power }, "ram")),
    "suspend: cannot write to '/sys/power/state': Device or resource busy",
  );
});

Deno.test("a supported strategy that fails is dropped: pm-utils then runs", async () => {
  const runner = new FakeProcesses(
    [],
    programs({
      "systemctl status systemd-suspend": exited(3),
      "systemctl suspend": exited(1),
      "pm-is-supported --suspend": exited(0),
      "pm-suspend": exited(0),
    }),
  );
  await suspend({ processes: runner, power: new FakePower(null) }, "ram");
  assert.deepEqual(runner.commandLines.slice(-1), ["pm-suspend"]);
});

Deno.test("upstream quirk: a failed supported strategy followed by unsupported ones succeeds", async () => {
  const debug: string[] = [];
  const runner = new FakeProcesses(
    [],
    programs({
      "systemctl status systemd-hibernate": exited(1),
      "systemctl hibernate": exited(1),
      "pm-is-supported --hibernate": exited(1),
    }),
  );
  const power = new FakePower("freeze mem\n");
  await suspend({ processes: runner, power }, "disk", (m) => debug.push(m));
  assert.deepEqual(debug, [
    "the helper program 'systemctl hibernate' returned an unexpected exit status code (1)",
    "the helper program 'pm-is-supported' returned an unexpected exit status code (1)",
  ]);
});

Deno.test("a helper killed by a signal counts as exit status 0 (WEXITSTATUS)", async () => {
  assert.deepEqual(
    await runProcessChild(new FakeProcesses([], () => signaled("SIGKILL")), ["systemctl"]),
    { status: 0 },
  );
  const runner = new FakeProcesses(
    [],
    programs({
      "systemctl status systemd-suspend": signaled("SIGKILL"),
      "pm-is-supported --suspend": exited(0),
      "pm-suspend": signaled("SIGTERM"),
    }),
  );
  await suspend({ processes: runner, power: new FakePower(null) }, "ram");
  assert.deepEqual(runner.commandLines, [
    "systemctl status systemd-suspend",
    "pm-is-supported --suspend",
    "pm-suspend",
  ]);
});

Deno.test("runProcessChild() reports spawn errors like g_spawn_sync", async () => {
  const run = (outcome: RunOutcome) =>
    runProcessChild(new FakeProcesses([], () => outcome), ["systemctl", "status", "x"]);
  assert.deepEqual(await run(NOT_FOUND), { status: -1 });
  assert.deepEqual(await run(exited(3)), { status: 3 });
  assert.deepEqual(await run(spawnFailed("permission", "Permission denied")), {
    status: -1,
    error:
      "failed to create child process, error 'Failed to execute child process “systemctl” (Permission denied)'",
  });
  assert.deepEqual(await run(spawnFailed("not-capable", "Requires run access")), {
    status: -1,
    error: "failed to create child process, error 'Failed to execute child process “systemctl” " +
      "('systemctl' is not permitted by the agent's --allow-run list)'",
  });
});

Deno.test("the suspend handlers pick their mode", async () => {
  const sys = new FakeSys({ script: () => NOT_FOUND, powerState: "freeze mem disk\n" });
  const ctx = testContext({ sys });
  assert.equal(await guestSuspendDisk({}, ctx), undefined);
  assert.equal(await guestSuspendRam({}, ctx), undefined);
  assert.equal(
    await rejection(Promise.resolve(guestSuspendHybrid({}, ctx))),
    SUSPEND_NOT_SUPPORTED,
  );
  assert.deepEqual(sys.power.writes, ["disk", "mem"]);
});
