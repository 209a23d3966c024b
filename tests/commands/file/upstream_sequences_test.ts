/**
 * The upstream test-qga file sequences ("file-ops", "file-write-read") replayed through the
 * dispatcher and compared byte for byte with qemu-ga 7.2's replies, plus handle numbering.
 *
 * @module
 */

import assert from "node:assert/strict";
import { AgentState } from "../../../src/agent/agent_state.ts";
import { Logger } from "../../../src/agent/log.ts";
import { FileHandleTable } from "../../../src/commands/file/handles.ts";
import { FILE_HANDLERS, fixture, makeContext, qgaError } from "./helpers.ts";

/** The test's buffer: `Hello World!\n\0`. */
const BUFFER = "SGVsbG8gV29ybGQhCgA=";
const ok = (value: string) => `{"return": ${value}}\n`;
const err = (desc: string) => `{"error": {"class": "GenericError", "desc": "${desc}"}}\n`;

Deno.test("guest-file-* replay test-qga /qga/file-ops byte for byte", async () => {
  await using fx = await fixture();
  const foo = `${fx.dir}/foo`;
  const r = (execute: string, args: Record<string, unknown>) =>
    fx.request({ execute, arguments: args });
  assert.equal(await r("guest-file-open", { path: foo, mode: "w+" }), ok("1000"));
  assert.equal(
    await r("guest-file-write", { handle: 1000, "buf-b64": BUFFER }),
    ok(`{"count": 14, "eof": false}`),
  );
  assert.equal(await r("guest-file-flush", { handle: 1000 }), ok("{}"));
  assert.equal(await r("guest-file-close", { handle: 1000 }), ok("{}"));
  assert.deepEqual(await Deno.readFile(foo), Uint8Array.fromBase64(BUFFER));

  assert.equal(await r("guest-file-open", { path: foo, mode: "r" }), ok("1001"));
  assert.equal(
    await r("guest-file-read", { handle: 1001 }),
    ok(`{"count": 14, "buf-b64": "${BUFFER}", "eof": true}`),
  );
  assert.equal(
    await r("guest-file-read", { handle: 1001 }),
    ok(`{"count": 0, "buf-b64": "", "eof": true}`),
  );
  assert.equal(
    await r("guest-file-seek", { handle: 1001, offset: 6, whence: "set" }),
    ok(`{"eof": false, "position": 6}`),
  );
  assert.equal(
    await r("guest-file-read", { handle: 1001 }),
    ok(`{"count": 8, "buf-b64": "V29ybGQhCgA=", "eof": true}`),
  );
  assert.equal(await r("guest-file-close", { handle: 1001 }), ok("{}"));
  assert.equal(
    await r("guest-file-close", { handle: 1001 }),
    err("handle '1001' has not been found"),
  );
  assert.equal(await Deno.readTextFile(`${fx.statedir}/qga.state`), "[global]\nfd_counter=1002\n");
});

Deno.test("guest-file-* replay test-qga /qga/file-write-read byte for byte", async () => {
  await using fx = await fixture();
  const r = (execute: string, args: Record<string, unknown>) =>
    fx.request({ execute, arguments: args });
  assert.equal(await r("guest-file-open", { path: `${fx.dir}/foo`, mode: "w+" }), ok("1000"));
  assert.equal(
    await r("guest-file-write", { handle: 1000, "buf-b64": BUFFER }),
    ok(`{"count": 14, "eof": false}`),
  );
  // A read right after the write sees the end of the written data (stdio flushes first).
  assert.equal(
    await r("guest-file-read", { handle: 1000 }),
    ok(`{"count": 0, "buf-b64": "", "eof": true}`),
  );
  assert.equal(
    await r("guest-file-seek", { handle: 1000, offset: 0, whence: "set" }),
    ok(`{"eof": false, "position": 0}`),
  );
  assert.equal(
    await r("guest-file-read", { handle: 1000 }),
    ok(`{"count": 14, "buf-b64": "${BUFFER}", "eof": true}`),
  );
  assert.equal(await r("guest-file-close", { handle: 1000 }), ok("{}"));
});

Deno.test("guest-file-* error replies match qemu-ga 7.2 on the wire", async () => {
  await using fx = await fixture();
  const r = (execute: string, args: Record<string, unknown>) =>
    fx.request({ execute, arguments: args });
  await Deno.writeTextFile(`${fx.dir}/f`, "0123456789");
  assert.equal(await r("guest-file-open", { path: `${fx.dir}/f`, mode: "r+" }), ok("1000"));
  assert.equal(
    await r("guest-file-seek", { handle: 1000, offset: 0, whence: 3 }),
    err("invalid whence code 3"),
  );
  assert.equal(
    await r("guest-file-seek", { handle: 1000, offset: 0, whence: true }),
    err("Invalid parameter type for 'whence', expected: GuestFileWhence"),
  );
  assert.equal(
    await r("guest-file-seek", { handle: 1000, offset: 0, whence: "bogus" }),
    err("Parameter 'whence' does not accept value 'bogus'"),
  );
  assert.equal(
    await r("guest-file-read", { handle: 1000, count: 50331649 }),
    err("value '50331649' is invalid for argument count"),
  );
  assert.equal(
    await r("guest-file-write", { handle: 1000, "buf-b64": "!!!" }),
    err("Base64 data contains invalid characters"),
  );
  assert.equal(
    await r("guest-file-seek", { handle: 1000, offset: 100, whence: "end" }),
    ok(`{"eof": false, "position": 110}`),
  );
  assert.equal(
    await r("guest-file-open", { path: `${fx.dir}/nonexist` }),
    err(`failed to open file '${fx.dir}/nonexist' (mode: 'r'): No such file or directory`),
  );
});

Deno.test("guest-file-open takes handles from the persistent counter across reloads", async () => {
  await using fx = await fixture();
  const path = `${fx.dir}/f`;
  await Deno.writeTextFile(path, "x");
  for (let i = 0; i < 3; i++) {
    assert.equal(await fx.h["guest-file-open"]({ path }, fx.ctx), 1000n + BigInt(i));
  }
  assert.equal(await Deno.readTextFile(`${fx.statedir}/qga.state`), "[global]\nfd_counter=1003\n");

  // A restarted agent: new state from disk, new (empty) table.
  const state = AgentState.load(fx.statedir, new Logger(() => {}));
  const table = new FileHandleTable();
  const h = FILE_HANDLERS;
  const ctx = makeContext(state, [], table);
  await assert.rejects(
    h["guest-file-read"]({ handle: 1000n }, ctx),
    qgaError("handle '1000' has not been found"),
  );
  assert.equal(await h["guest-file-open"]({ path }, ctx), 1003n);
  await table.closeAll();
});

Deno.test("guest-file-open hands out handle ids beyond 2^53 exactly", async () => {
  await using fx = await fixture();
  await Deno.writeTextFile(`${fx.statedir}/qga.state`, "[global]\nfd_counter=9007199254740993\n");
  const state = AgentState.load(fx.statedir, new Logger(() => {}));
  const table = new FileHandleTable();
  const h = FILE_HANDLERS;
  const ctx = makeContext(state, [], table);
  const path = `${fx.dir}/f`;
  await Deno.writeTextFile(path, "abc");
  assert.equal(await h["guest-file-open"]({ path }, ctx), 9007199254740993n);
  assert.equal(await h["guest-file-open"]({ path }, ctx), 9007199254740994n);
  assert.deepEqual(table.ids(), [9007199254740993n, 9007199254740994n]);
  const read = await h["guest-file-read"]({ handle: 9007199254740993n }, ctx);
  assert.equal(read["buf-b64"].text, "YWJj");
  await assert.rejects(
    h["guest-file-close"]({ handle: 9007199254740992n }, ctx),
    qgaError("handle '9007199254740992' has not been found"),
  );
  await h["guest-file-close"]({ handle: 9007199254740994n }, ctx);
  assert.deepEqual(table.ids(), [9007199254740993n]);
  assert.equal(
    await Deno.readTextFile(`${fx.statedir}/qga.state`),
    "[global]\nfd_counter=9007199254740995\n",
  );
  await table.closeAll();
});

Deno.test("guest-file-open fails with the commit error and keeps nothing open when the state cannot be written", async () => {
  await using fx = await fixture();
  const path = `${fx.dir}/new`;
  await Deno.remove(fx.statedir, { recursive: true });
  await assert.rejects(
    fx.h["guest-file-open"]({ path, mode: "w" }, fx.ctx),
    qgaError("failed to commit persistent state to disk"),
  );
  assert.equal(fx.table.size, 0);
  // Like qemu-ga, the file created by the open stays.
  assert.equal((await Deno.stat(path)).isFile, true);
});

Deno.test("guest-file-open and guest-file-close write qemu-ga's audit lines", async () => {
  await using fx = await fixture();
  const path = `${fx.dir}/f`;
  await fx.h["guest-file-open"]({ path, mode: "w" }, fx.ctx);
  await fx.h["guest-file-open"]({ path }, fx.ctx);
  await assert.rejects(fx.h["guest-file-open"]({ path, mode: "x" }, fx.ctx));
  await fx.h["guest-file-close"]({ handle: 1000n }, fx.ctx);
  await assert.rejects(fx.h["guest-file-close"]({ handle: 7n }, fx.ctx));
  assert.deepEqual(fx.audit, [
    `guest-file-open called, filepath: ${path}, mode: w`,
    "guest-file-open, handle: 1000",
    `guest-file-open called, filepath: ${path}, mode: r`,
    "guest-file-open, handle: 1001",
    `guest-file-open called, filepath: ${path}, mode: x`,
    "guest-file-close called, handle: 1000",
    "guest-file-close called, handle: 7",
  ]);
});

Deno.test("the file handlers keep their handles in the context's table (ctx.files)", async () => {
  await using fx = await fixture();
  const path = `${fx.dir}/f`;
  await Deno.writeTextFile(path, "x");
  const files = new FileHandleTable({ limit: 1 });
  const withFiles = { ...fx.ctx, files };
  assert.equal(await FILE_HANDLERS["guest-file-open"]({ path }, withFiles), 1000n);
  assert.deepEqual(files.ids(), [1000n]);
  await assert.rejects(FILE_HANDLERS["guest-file-open"]({ path }, withFiles));

  const own = fx.ctx.files;
  assert.equal(own, fx.table);
  assert.equal(own.limit, 1024);
  assert.equal(await FILE_HANDLERS["guest-file-open"]({ path }, fx.ctx), 1001n);
  assert.deepEqual(own.ids(), [1001n]);
  await assert.rejects(
    FILE_HANDLERS["guest-file-read"]({ handle: 1000n }, fx.ctx),
    qgaError("handle '1000' has not been found"),
  );
  await files.closeAll();
  await own.closeAll();
});
