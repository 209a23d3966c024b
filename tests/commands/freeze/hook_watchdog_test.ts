/**
 * The fsfreeze hook (`-F`) around freeze and thaw, and qga-deno's auto-thaw watchdog
 * (`--freeze-timeout`) driven by fake timers (no sleeping).
 *
 * @module
 */

import assert from "node:assert/strict";
import { exited, signaled, spawnFailed } from "../../helpers/fake_sys/fake_sys.ts";
import { rejection, setup } from "./helpers.ts";

const HOOK = "/etc/qemu/fsfreeze-hook";

Deno.test("the freeze hook runs before anything is frozen, the thaw hook after thawing", async () => {
  const seen: string[] = [];
  const f = setup({
    hook: HOOK,
    script: (argv) => {
      seen.push(`${argv.join(" ")} frozen=${f.state.frozen} ops=${f.ops.calls.length}`);
      return undefined;
    },
  });
  assert.equal(await f.service.freeze(), 4n);
  assert.equal(await f.service.thaw(), 4n);
  assert.deepEqual(seen, [`${HOOK} freeze frozen=false ops=0`, `${HOOK} thaw frozen=false ops=30`]);
  assert.deepEqual(f.runner.runs.map((r) => r.output), ["capture", "capture"]);
  assert.ok(f.lines.includes(`debug: executing fsfreeze hook with arg 'thaw'`));
});

Deno.test("a failing freeze hook aborts the freeze: nothing opened, not frozen", async () => {
  const f = setup({ hook: HOOK, script: () => exited(1, "database refused to quiesce\n") });
  assert.equal(
    await rejection(f.service.freeze()),
    "child process has failed to execute fsfreeze hook: database refused to quiesce\n",
  );
  assert.deepEqual(f.ops.calls, []);
  assert.equal(f.state.frozen, false);
  assert.equal(f.markerExists(), false);
});

Deno.test("a silent failing hook reports its exit status; a killed one terminated abnormally", async () => {
  const silent = setup({ hook: HOOK, script: () => exited(3) });
  assert.equal(
    await rejection(silent.service.freeze()),
    "child process has failed to execute fsfreeze hook: exit status 3",
  );
  const killed = setup({ hook: HOOK, script: () => signaled("SIGKILL") });
  assert.equal(await rejection(killed.service.freeze()), "child process has terminated abnormally");
  const noisy = setup({ hook: HOOK, script: () => signaled("SIGSEGV", "boom") });
  assert.equal(
    await rejection(noisy.service.freeze()),
    "child process has terminated abnormally: boom",
  );
});

Deno.test("a missing hook gives upstream's exec failure text", async () => {
  const f = setup({
    hook: HOOK,
    script: () => spawnFailed("not-found", "No such file or directory"),
  });
  assert.equal(
    await rejection(f.service.freeze()),
    `child process has failed to execute fsfreeze hook: failed to exec '${HOOK}': No such file or directory\n`,
  );
});

Deno.test("a hook outside the --allow-run list is a clear error", async () => {
  const f = setup({
    hook: "/opt/hook",
    script: () => spawnFailed("not-capable", "Requires run access"),
  });
  assert.equal(
    await rejection(f.service.freeze()),
    "failed to create child process: '/opt/hook' is not permitted by the agent's --allow-run list",
  );
});

Deno.test("a failing thaw hook is reported although the filesystems were thawed", async () => {
  const f = setup({
    hook: HOOK,
    script: (argv) => (argv[1] === "thaw" ? exited(1, "could not restart service\n") : undefined),
  });
  assert.equal(await f.service.freeze(), 4n);
  assert.equal(
    await rejection(f.service.thaw()),
    "child process has failed to execute fsfreeze hook: could not restart service\n",
  );
  for (const sb of ["/", "/boot", "/home", "/data"]) assert.equal(f.ops.depth(sb), 0);
  assert.equal(f.state.frozen, false);
  assert.equal(f.markerExists(), false);
  assert.equal(f.log.suspended, false);
});

Deno.test("the thaw hook runs on the error path of a freeze, and its failure is dropped", async () => {
  const f = setup({
    hook: HOOK,
    mountPoints: { "/": { freezeError: "EROFS" } },
    script: (argv) => (argv[1] === "thaw" ? exited(1, "ignored\n") : undefined),
  });
  assert.equal(await rejection(f.service.freeze()), "failed to freeze /: Read-only file system");
  assert.deepEqual(f.runner.commandLines, [`${HOOK} freeze`, `${HOOK} thaw`]);
  assert.equal(f.state.frozen, false);
});

Deno.test("the watchdog thaws automatically, logs why, and the next thaw returns 0", async () => {
  const f = setup({ hook: HOOK, timeoutSeconds: 30 });
  assert.equal(await f.service.freeze(), 4n);
  assert.deepEqual(f.timers.pending, [30000]);
  assert.equal(f.service.watchdogArmed, true);
  f.timers.fire();
  await f.service.autoThawDone;
  assert.equal(f.state.frozen, false);
  assert.equal(f.markerExists(), false);
  assert.equal(f.log.suspended, false);
  for (const sb of ["/", "/boot", "/home", "/data"]) assert.equal(f.ops.depth(sb), 0);
  assert.ok(
    f.lines.includes(
      "error: no guest-fsfreeze-thaw within 30 s of the freeze (--freeze-timeout): " +
        "thawed 4 filesystem(s) automatically",
    ),
    f.lines.join("\n"),
  );
  assert.deepEqual(f.runner.commandLines, [`${HOOK} freeze`, `${HOOK} thaw`]);
  assert.equal(await f.service.thaw(), 0n);
  assert.deepEqual(f.timers.pending, []);
});

Deno.test("a thaw before the timeout disarms the watchdog", async () => {
  const f = setup({ timeoutSeconds: 5 });
  await f.service.freeze();
  assert.deepEqual(f.timers.pending, [5000]);
  await f.service.thaw();
  assert.deepEqual(f.timers.pending, []);
  assert.equal(f.service.watchdogArmed, false);
});

Deno.test("no watchdog without a timeout, or when a freeze froze nothing", async () => {
  const off = setup();
  await off.service.freeze();
  assert.deepEqual(off.timers.pending, []);
  const none = setup({
    timeoutSeconds: 5,
    mountPoints: { "/": { freezeError: "EOPNOTSUPP" } },
    mountinfo: "1 1 8:1 / / rw - ext4 /dev/a rw\n",
  });
  assert.equal(await none.service.freeze(), 0n);
  assert.deepEqual(none.timers.pending, []);
});

Deno.test("an agent restarted frozen arms the watchdog through resume()", async () => {
  const f = setup({ startFrozen: true, timeoutSeconds: 60, frozen: { "/home": 1 } });
  f.service.resume();
  assert.deepEqual(f.timers.pending, [60000]);
  f.timers.fire();
  await f.service.autoThawDone;
  assert.equal(f.state.frozen, false);
  assert.equal(f.ops.depth("/home"), 0);
  const idle = setup({ timeoutSeconds: 60 });
  idle.service.resume();
  assert.deepEqual(idle.timers.pending, []);
});

Deno.test("a watchdog whose thaw cannot read the mount table stays frozen and re-arms", async () => {
  const f = setup({ startFrozen: true, timeoutSeconds: 10, mountinfo: null });
  f.service.resume();
  f.timers.fire();
  await f.service.autoThawDone;
  assert.equal(f.state.frozen, true);
  assert.deepEqual(f.timers.pending, [10000]);
});
