/**
 * guest-shutdown through a fake process runner: command selection, exact command lines, error
 * texts, audit line, and no reply value on success. Nothing is ever run for real.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Logger } from "../../../src/agent/log.ts";
import {
  guestShutdown,
  INVALID_SHUTDOWN_MODE,
  shutdown,
} from "../../../src/commands/power/shutdown.ts";
import { testContext } from "../../helpers/command_context.ts";
import {
  exited,
  FakeProcesses,
  FakeSys,
  signaled,
  spawnFailed,
} from "../../helpers/fake_sys/fake_sys.ts";
import { rejection } from "../freeze/helpers.ts";

const SHUTDOWN = (
  flag: string,
) => ["/sbin/shutdown", "-h", flag, "+0", "hypervisor initiated shutdown"];

Deno.test("guest-shutdown without /sbin/poweroff|halt|reboot runs /sbin/shutdown -h <flag> +0", async () => {
  const cases: [string | undefined, string][] = [
    [undefined, "-P"],
    ["powerdown", "-P"],
    ["halt", "-H"],
    ["reboot", "-r"],
  ];
  for (const [mode, flag] of cases) {
    const runner = new FakeProcesses();
    assert.equal(await shutdown(runner, mode), undefined);
    assert.deepEqual(runner.runs, [{ argv: SHUTDOWN(flag), output: "capture" }], String(mode));
  }
});

Deno.test("guest-shutdown prefers /sbin/poweroff, /sbin/halt, /sbin/reboot when executable", async () => {
  const cases: [string | undefined, string][] = [
    [undefined, "/sbin/poweroff"],
    ["halt", "/sbin/halt"],
    ["reboot", "/sbin/reboot"],
  ];
  for (const [mode, command] of cases) {
    const runner = new FakeProcesses(["/sbin/poweroff", "/sbin/halt", "/sbin/reboot"]);
    await shutdown(runner, mode);
    assert.deepEqual(runner.accessChecks, [command]);
    assert.deepEqual(runner.runs.map((r) => r.argv), [[command]]);
  }
});

Deno.test("guest-shutdown rejects an unknown mode before running anything", async () => {
  for (const mode of ["", "Reboot", "poweroff", "constructor", "__proto__"]) {
    const runner = new FakeProcesses();
    assert.equal(await rejection(shutdown(runner, mode)), INVALID_SHUTDOWN_MODE);
    assert.deepEqual(runner.runs, []);
  }
  assert.equal(INVALID_SHUTDOWN_MODE, "mode is invalid (valid values are: halt|powerdown|reboot");
});

Deno.test("guest-shutdown reports failures with the run-command helper's texts", async () => {
  const cases: [ReturnType<typeof exited>, string][] = [
    [
      exited(1, "Failed to talk to init daemon.\n"),
      "child process has failed to shutdown: Failed to talk to init daemon.\n",
    ],
    [exited(4), "child process has failed to shutdown: exit status 4"],
    [signaled("SIGTERM"), "child process has terminated abnormally"],
    [
      spawnFailed("not-found", "No such file or directory"),
      "child process has failed to shutdown: failed to exec '/sbin/shutdown': No such file or directory\n",
    ],
    [
      spawnFailed("permission", "Permission denied"),
      "child process has failed to shutdown: failed to exec '/sbin/shutdown': Permission denied\n",
    ],
    [
      spawnFailed("not-capable", "Requires run access"),
      "failed to create child process: '/sbin/shutdown' is not permitted by the agent's --allow-run list",
    ],
  ];
  for (const [outcome, text] of cases) {
    assert.equal(await rejection(shutdown(new FakeProcesses([], () => outcome), "halt")), text);
  }
});

Deno.test("the guest-shutdown handler audits the mode and returns nothing", async () => {
  const audit: string[] = [];
  const sys = new FakeSys();
  const runner = sys.processes;
  const log = new Logger(() => {});
  log.setAuditSink((line) => audit.push(line.replace(/^info: /, "")));
  const ctx = testContext({ sys, log });
  assert.equal(await guestShutdown({}, ctx), undefined);
  assert.equal(await guestShutdown({ mode: "reboot" }, ctx), undefined);
  assert.deepEqual(audit, [
    "guest-shutdown called, mode: (null)",
    "guest-shutdown called, mode: reboot",
  ]);
  assert.equal(runner.runs.length, 2);
});
