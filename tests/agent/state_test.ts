import assert from "node:assert/strict";
import { AgentState } from "../../src/agent/agent_state.ts";
import { COMMIT_STATE_ERROR } from "../../src/commands/file/file_commands.ts";
import { Logger, logTimestamp } from "../../src/agent/log.ts";
import { formatStateFile, parseStateFile } from "../../src/agent/state_file.ts";

const quiet = () => new Logger(() => {});

Deno.test("AgentState.load() creates qga.state with fd_counter=1000 byte-exactly", () => {
  const dir = Deno.makeTempDirSync();
  const state = AgentState.load(dir, quiet());
  assert.equal(Deno.readTextFileSync(`${dir}/qga.state`), "[global]\nfd_counter=1000\n");
  assert.equal(state.frozen, false);
  assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["qga.state"]);
});

Deno.test("AgentState.takeHandle() persists the counter so a restart never reuses a handle", () => {
  const dir = Deno.makeTempDirSync();
  const first = AgentState.load(dir, quiet());
  assert.deepEqual([first.takeHandle(), first.takeHandle()], [1000n, 1001n]);
  assert.equal(Deno.readTextFileSync(`${dir}/qga.state`), "[global]\nfd_counter=1002\n");
  const second = AgentState.load(dir, quiet());
  assert.equal(second.takeHandle(), 1002n);
});

Deno.test("AgentState.takeHandle() keeps handles beyond 2^53 exact", () => {
  const dir = Deno.makeTempDirSync();
  Deno.writeTextFileSync(`${dir}/qga.state`, formatStateFile(2n ** 53n + 1n));
  const state = AgentState.load(dir, quiet());
  assert.equal(state.takeHandle(), 9007199254740993n);
  assert.equal(
    Deno.readTextFileSync(`${dir}/qga.state`),
    "[global]\nfd_counter=9007199254740994\n",
  );
});

Deno.test("AgentState.takeHandle() fails with qemu-ga's text when the state cannot be written", () => {
  const dir = Deno.makeTempDirSync();
  const state = AgentState.load(dir, quiet());
  Deno.removeSync(dir, { recursive: true });
  assert.throws(() => state.takeHandle(), { message: COMMIT_STATE_ERROR });
});

Deno.test("AgentState.load() fails when the state directory is missing", () => {
  const dir = Deno.makeTempDirSync();
  Deno.removeSync(dir);
  assert.throws(() => AgentState.load(dir, quiet()), {
    message: `unable to create state file at path ${dir}/qga.state`,
  });
});

Deno.test("AgentState.load() starts frozen when qga.state.isfrozen exists, and does not write", () => {
  const dir = Deno.makeTempDirSync();
  Deno.writeFileSync(`${dir}/qga.state.isfrozen`, new Uint8Array());
  const state = AgentState.load(dir, quiet());
  assert.equal(state.frozen, true);
  assert.throws(() => Deno.statSync(`${dir}/qga.state`), Deno.errors.NotFound);
  state.leaveFrozen();
  assert.equal(state.frozen, false);
  assert.throws(() => Deno.statSync(`${dir}/qga.state.isfrozen`), Deno.errors.NotFound);
  state.enterFrozen();
  assert.equal(Deno.statSync(`${dir}/qga.state.isfrozen`).mode! & 0o777, 0o600);
});

Deno.test("parseStateFile() reads fd_counter as GLib does", () => {
  assert.equal(parseStateFile("[global]\nfd_counter=1234\n"), 1234n);
  assert.equal(parseStateFile("[global]\nother=1\n"), 1000n);
  assert.equal(parseStateFile("[global]\nfd_counter=abc\n"), 0n);
  assert.equal(parseStateFile("# c\n[global]\nfd_counter = 7\n"), 7n);
  assert.throws(() => parseStateFile("garbage\n"), /not a key-value pair/);
});

Deno.test("Logger writes qemu-ga's line format and honours verbosity and suspension", () => {
  const lines: string[] = [];
  const log = new Logger((l) => lines.push(l), false);
  log.debug("hidden");
  log.error("shown");
  log.setEnabled(false);
  log.critical("suspended");
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /^\d+\.\d{6}: error: shown\n$/);
  assert.equal(logTimestamp(1795697243752160), "1795697243.752160");
  const verbose = new Logger((l) => lines.push(l), true);
  verbose.debug("now shown");
  assert.match(lines[1]!, /: debug: now shown\n$/);
});

Deno.test("Logger.audit() sends 'info: <text>' to the audit sink even when not verbose", () => {
  const audit: string[] = [];
  const lines: string[] = [];
  const log = new Logger((l) => lines.push(l), false);
  log.setAuditSink((l) => audit.push(l));
  log.audit("guest-ping called");
  assert.deepEqual(audit, ["info: guest-ping called"]);
  assert.deepEqual(lines, []);
  log.setEnabled(false);
  log.audit("while frozen");
  assert.deepEqual(audit, ["info: guest-ping called"]);
});
