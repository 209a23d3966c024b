/**
 * The state directory's files against someone who plants links and odd files there
 * (`src/agent/state_file.ts`): nothing the agent does to `qga.state`, its temp files or
 * `qga.state.isfrozen` follows a symlink, creates a file elsewhere or blocks on a FIFO.
 *
 * The frozen marker: qemu-ga 7.2 tests it with `stat()` (a symlink to an existing file means
 * frozen, a dangling one does not) and creates it with `open(O_CREAT | O_WRONLY)`, which follows a
 * dangling link and creates its target. qga-deno tests the name itself (`lstat`): any entry, a
 * symlink too, even a dangling one, means frozen (the cautious side of qemu-ga's own "better an
 * unneeded unfreeze than a hang"), and creates it `O_CREAT | O_EXCL | O_NOFOLLOW`: an existing
 * entry is left alone, nothing is created through it.
 *
 * @module
 */

import assert from "node:assert/strict";
import { AgentState } from "../../src/agent/agent_state.ts";
import { Logger } from "../../src/agent/log.ts";
import {
  formatStateFile,
  randomTempSuffix,
  statePaths,
  writeStateFile,
} from "../../src/agent/state_file.ts";
import { existsNoFollow } from "../helpers/fs.ts";

/** A logger that keeps its lines. */
function recording(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: new Logger((l) => lines.push(l), true), lines };
}

/** A state directory and a directory outside it holding a victim file; both removed on dispose. */
function setUp(): { dir: string; outside: string; victim: string } & Disposable {
  const dir = Deno.makeTempDirSync({ prefix: "qga-state-" });
  const outside = Deno.makeTempDirSync({ prefix: "qga-outside-" });
  const victim = `${outside}/victim`;
  Deno.writeTextFileSync(victim, "victim\n");
  return {
    dir,
    outside,
    victim,
    [Symbol.dispose]() {
      for (const d of [dir, outside]) {
        if (existsNoFollow(d)) Deno.removeSync(d, { recursive: true });
      }
    },
  };
}

Deno.test("a symlink named qga.state.isfrozen to an existing file starts the agent frozen (as qemu-ga 7.2)", () => {
  using t = setUp();
  const { dir, victim } = t;
  Deno.symlinkSync(victim, `${dir}/qga.state.isfrozen`);
  const state = AgentState.load(dir, recording().log);
  assert.equal(state.frozen, true);
  assert.equal(existsNoFollow(`${dir}/qga.state`), false, "a frozen start writes nothing");
  state.leaveFrozen();
  assert.equal(existsNoFollow(`${dir}/qga.state.isfrozen`), false, "thaw unlinks the link");
  assert.equal(Deno.readTextFileSync(victim), "victim\n", "and leaves its target alone");
});

Deno.test("a dangling symlink named qga.state.isfrozen also means frozen, and freezing creates no target", () => {
  using t = setUp();
  const { dir, outside } = t;
  const target = `${outside}/created-by-agent`;
  Deno.symlinkSync(target, `${dir}/qga.state.isfrozen`);
  const { log, lines } = recording();
  const state = AgentState.load(dir, log);
  assert.equal(state.frozen, true, "the name exists: frozen (qemu-ga's stat() would say not)");
  state.leaveFrozen();
  Deno.symlinkSync(target, `${dir}/qga.state.isfrozen`);
  state.enterFrozen();
  assert.equal(
    existsNoFollow(target),
    false,
    "qemu-ga's open(O_CREAT) would create the link's target",
  );
  assert.ok(Deno.lstatSync(`${dir}/qga.state.isfrozen`).isSymlink);
  assert.deepEqual(
    lines.filter((l) => l.includes("fsfreeze may not")),
    [],
    "an existing entry is fine",
  );
});

Deno.test("enterFrozen() creates a regular 0600 marker; an existing one is kept without a warning", () => {
  using t = setUp();
  const { dir } = t;
  const { log, lines } = recording();
  const state = AgentState.load(dir, log);
  state.enterFrozen();
  const info = Deno.lstatSync(`${dir}/qga.state.isfrozen`);
  assert.ok(info.isFile);
  assert.equal(info.mode! & 0o077, 0, "no access for group or others");
  state.enterFrozen();
  assert.ok(Deno.lstatSync(`${dir}/qga.state.isfrozen`).isFile);
  assert.deepEqual(lines, []);
});

Deno.test("marker failures keep qemu-ga's warning texts", () => {
  using t = setUp();
  const { dir } = t;
  const { log, lines } = recording();
  const state = AgentState.load(dir, log);
  Deno.mkdirSync(`${dir}/qga.state.isfrozen`);
  Deno.writeTextFileSync(`${dir}/qga.state.isfrozen/keep`, "");
  state.leaveFrozen();
  Deno.removeSync(dir, { recursive: true });
  state.enterFrozen();
  const marker = `${dir}/qga.state.isfrozen`;
  assert.deepEqual(lines.map((l) => l.replace(/^\d+\.\d{6}: /, "")), [
    `warning: unable to delete ${marker}, fsfreeze may not function properly\n`,
    `warning: unable to create ${marker}, fsfreeze may not function properly\n`,
  ]);
});

Deno.test("a symlink planted at the temp name cannot redirect the state write (O_EXCL | O_NOFOLLOW)", () => {
  using t = setUp();
  const { dir, outside, victim } = t;
  const paths = statePaths(dir);
  const dangling = `${outside}/would-be-created`;
  Deno.symlinkSync(victim, `${dir}/qga.state.AAAAAA`);
  Deno.symlinkSync(dangling, `${dir}/qga.state.BBBBBB`);
  const names = ["AAAAAA", "BBBBBB", "CCCCCC"];
  writeStateFile(paths, 1234n, () => names.shift()!);
  assert.deepEqual(names, [], "both planted names were skipped");
  assert.equal(Deno.readTextFileSync(victim), "victim\n");
  assert.equal(existsNoFollow(dangling), false);
  assert.equal(Deno.readTextFileSync(paths.stateFile), formatStateFile(1234n));
  assert.ok(Deno.lstatSync(paths.stateFile).isFile);
  assert.equal(Deno.lstatSync(paths.stateFile).mode! & 0o077, 0, "qga.state is 0600");
  assert.ok(Deno.lstatSync(`${dir}/qga.state.AAAAAA`).isSymlink, "planted links are left");
});

Deno.test("temp names are six random letters or digits, fresh on every write", () => {
  const suffixes = Array.from({ length: 64 }, randomTempSuffix);
  for (const s of suffixes) assert.match(s, /^[A-Za-z0-9]{6}$/);
  assert.ok(new Set(suffixes).size > 60, suffixes.join(" "));
});

Deno.test("a state write that finds every temp name taken fails with GLib's text", () => {
  using t = setUp();
  const { dir } = t;
  const paths = statePaths(dir);
  Deno.writeTextFileSync(`${dir}/qga.state.XXXXXX`, "");
  assert.throws(() => writeStateFile(paths, 1n, () => "XXXXXX"), {
    message: `Failed to create file “${dir}/qga.state.XXXXXX”: File exists`,
  });
});

Deno.test("a qga.state symlink is not followed for reading: start-up fails, the target is untouched", () => {
  using t = setUp();
  const { dir, outside, victim } = t;
  Deno.writeTextFileSync(victim, formatStateFile(5000n));
  Deno.symlinkSync(victim, `${dir}/qga.state`);
  assert.throws(() => AgentState.load(dir, recording().log), {
    message: `error loading persistent state from path: ${dir}/qga.state, ` +
      "Too many levels of symbolic links",
  });
  assert.equal(Deno.readTextFileSync(victim), formatStateFile(5000n));
  Deno.removeSync(`${dir}/qga.state`);
  Deno.symlinkSync(`${outside}/absent`, `${dir}/qga.state`);
  assert.throws(() => AgentState.load(dir, recording().log), /Too many levels of symbolic links/);
  assert.equal(existsNoFollow(`${outside}/absent`), false, "a dangling link creates nothing");
});

Deno.test("a qga.state symlink planted while running is replaced by the next write, not written through", () => {
  using t = setUp();
  const { dir, victim } = t;
  const state = AgentState.load(dir, recording().log);
  Deno.removeSync(`${dir}/qga.state`);
  Deno.symlinkSync(victim, `${dir}/qga.state`);
  assert.equal(state.takeHandle(), 1000n);
  assert.equal(Deno.readTextFileSync(victim), "victim\n");
  assert.ok(Deno.lstatSync(`${dir}/qga.state`).isFile, "rename() replaced the link");
  assert.equal(Deno.readTextFileSync(`${dir}/qga.state`), formatStateFile(1001n));
});

Deno.test("a FIFO or a directory as qga.state fails start-up with GLib's text, without blocking", async () => {
  using t = setUp();
  const { dir } = t;
  const mkfifo = await new Deno.Command("mkfifo", { args: [`${dir}/qga.state`] }).output();
  assert.ok(mkfifo.success);
  const expected = `error loading persistent state from path: ${dir}/qga.state, Not a regular file`;
  assert.throws(() => AgentState.load(dir, recording().log), { message: expected });
  Deno.removeSync(`${dir}/qga.state`);
  Deno.mkdirSync(`${dir}/qga.state`);
  assert.throws(() => AgentState.load(dir, recording().log), { message: expected });
});
