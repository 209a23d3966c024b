/**
 * The bounds of guest-exec's record table (qga-deno; qemu-ga has none): the cap on uncollected
 * records, the budget on captured output and pending input, both refusing a new guest-exec with
 * a GenericError and freed again by guest-exec-status; and `CapturedOutput`'s blocks.
 *
 * @module
 */

import assert from "node:assert/strict";
import { CapturedOutput, MAX_CAPTURE, OutputBudget } from "../../../src/commands/exec/capture.ts";
import { DEFAULT_EXEC_LIMITS } from "../../../src/commands/exec/records.ts";
import { exec, execSession, genericError, settle, status } from "./helpers.ts";

Deno.test("DEFAULT_EXEC_LIMITS are 1024 records and 32 MiB", () => {
  assert.deepEqual(DEFAULT_EXEC_LIMITS, { records: 1024, budget: 32 * 1024 * 1024 });
});

Deno.test("guest-exec refuses a new child while the record cap is reached, until one is collected", async () => {
  const s = execSession({}, { records: 3, budget: 1 << 20 });
  for (let i = 0; i < 3; i++) await s.ask(exec({ path: "/bin/true" }));
  const refused = genericError(
    "guest-exec refused: 3 processes are waiting to be collected with guest-exec-status",
  );
  assert.equal(await s.ask(exec({ path: "/bin/true" })), refused);
  assert.equal(s.sys.processes.spawns.length, 3);
  // Still running: a status call does not free the record.
  assert.equal(await s.ask(status(4000)), '{"return": {"exited": false}}');
  assert.equal(await s.ask(exec({ path: "/bin/true" })), refused);
  s.sys.processes.children[0]!.end({ kind: "exited", code: 0 });
  await settle();
  assert.equal(await s.ask(status(4000)), '{"return": {"exitcode": 0, "exited": true}}');
  assert.equal(await s.ask(exec({ path: "/bin/true" })), '{"return": {"pid": 4003}}');
  // The refused request was logged like any other.
  assert.equal(s.log.lines.filter((l) => l.startsWith("audit: guest-exec called")).length, 6);
});

Deno.test("guest-exec output beyond the shared budget is dropped and marked truncated; new execs are refused until collected", async () => {
  const budget = 3 * 65536; // three growth steps
  const s = execSession({}, { records: 10, budget });
  await s.ask(exec({ path: "/bin/a", "capture-output": "stdout" }));
  s.sys.processes.children[0]!.finish(0, { stdout: new Uint8Array(250_000).fill(0x61) });
  await settle();
  assert.equal(s.table.budget.used, budget);
  const refused = await s.ask(exec({ path: "/bin/b" }));
  assert.equal(
    refused,
    genericError(
      "guest-exec refused: 0.2 MiB of output and input is held for processes not yet collected " +
        "(limit 0.2 MiB); collect them with guest-exec-status",
    ),
  );
  const reply = JSON.parse(await s.ask(status(4000))).return;
  assert.equal(Uint8Array.fromBase64(reply["out-data"]).length, budget);
  assert.equal(reply["out-truncated"], true);
  assert.equal(s.table.budget.used, 0);
  assert.equal(await s.ask(exec({ path: "/bin/b" })), '{"return": {"pid": 4001}}');
});

Deno.test("guest-exec counts pending input against the budget until it is written", async () => {
  const s = execSession({}, { records: 10, budget: 100 });
  s.sys.processes.holdInput = true;
  const b64 = (n: number) => new Uint8Array(n).toBase64();
  const tooBig = await s.ask(exec({ path: "/bin/cat", "input-data": b64(101) }));
  assert.match(tooBig, /guest-exec refused: .* of output and input is held/);
  assert.equal(s.sys.processes.spawns.length, 0);
  assert.equal(
    await s.ask(exec({ path: "/bin/cat", "input-data": b64(60) })),
    '{"return": {"pid": 4000}}',
  );
  assert.equal(s.table.budget.used, 60);
  assert.match(await s.ask(exec({ path: "/bin/cat", "input-data": b64(41) })), /refused/);
  s.sys.processes.children[0]!.inputWritten();
  await settle();
  assert.equal(s.table.budget.used, 0);
  assert.equal(
    await s.ask(exec({ path: "/bin/cat", "input-data": b64(41) })),
    '{"return": {"pid": 4001}}',
  );
});

Deno.test("a failed start gives its input back to the budget", async () => {
  const s = execSession({
    spawnScript: () => ({ kind: "spawn-failed", reason: "not-found", text: "x" }),
  }, {
    records: 10,
    budget: 100,
  });
  await s.ask(exec({ path: "/bin/none", "input-data": "eHh4" }));
  assert.equal(s.table.budget.used, 0);
  assert.equal(s.table.size, 0);
});

Deno.test("CapturedOutput's base64 equals the base64 of everything appended, however it was chunked", () => {
  const budget = new OutputBudget(1 << 30);
  const data = new Uint8Array(2_500_000);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7919) & 0xff;
  for (const chunkSize of [1, 1000, 3071, 3072, 3073, 65536, 2_500_000]) {
    const capture = new CapturedOutput(budget);
    const limit = chunkSize === 1 ? 20_000 : data.length;
    for (let at = 0; at < limit; at += chunkSize) {
      capture.append(data.subarray(at, Math.min(limit, at + chunkSize)));
    }
    assert.equal(capture.toBase64(), data.subarray(0, limit).toBase64(), String(chunkSize));
    assert.equal(capture.length, limit);
    assert.ok(capture.held - limit < 65536, `${capture.held} held for ${limit}`);
    capture.release();
  }
  assert.equal(budget.used, 0);
});

Deno.test("CapturedOutput stops at MAX_CAPTURE and marks only dropped bytes as truncation", () => {
  const budget = new OutputBudget(1 << 30);
  const capture = new CapturedOutput(budget);
  capture.append(new Uint8Array(MAX_CAPTURE - 1));
  capture.append(new Uint8Array(1));
  assert.equal(capture.truncated, false);
  capture.append(new Uint8Array(0));
  assert.equal(capture.truncated, false);
  capture.append(new Uint8Array(1));
  assert.equal(capture.truncated, true);
  assert.equal(capture.length, MAX_CAPTURE);
  assert.equal(capture.held, MAX_CAPTURE);
});

Deno.test("CapturedOutput without budget to grow keeps what fits in its buffer and marks the rest dropped", () => {
  const budget = new OutputBudget(65536);
  const capture = new CapturedOutput(budget);
  capture.append(new Uint8Array(60000).fill(1));
  assert.equal(capture.truncated, false);
  capture.append(new Uint8Array(10000).fill(2));
  assert.equal(capture.length, 65536);
  assert.equal(capture.truncated, true);
  assert.equal(budget.exhausted, true);
  const other = new CapturedOutput(budget);
  other.append(new Uint8Array(1));
  assert.equal(other.length, 0);
  capture.release();
  assert.equal(budget.exhausted, false);
  assert.equal(budget.used, 0);
});
