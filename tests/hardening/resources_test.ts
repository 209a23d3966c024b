/**
 * Resource caps and steady state of the real agent process:
 *
 * 1. The open-handle cap: 1025 `guest-file-open`s → 1024 handles and a clear GenericError for
 *    the 1025th (no handle, no descriptor leaked); closing one handle makes room for exactly one
 *    more; the agent's descriptor count follows the handle count.
 * 2. No growth over 100,000 commands (1,000,000 with `QGA_LONG=1`): a pipelined mix of
 *    sync/ping/info/time, full file open-write-seek-read-flush-close cycles, unknown commands,
 *    invalid arguments and parse errors. Every command is answered; afterwards the agent holds
 *    exactly the descriptors it held after warm-up, and its RSS has not grown by more than
 *    64 MiB (GC and malloc settling; see the comment at the assertion).
 *
 * @module
 */

import assert from "node:assert/strict";
import { STANDARD_RESYNC } from "../helpers/agent_process.ts";
import {
  ciOrLong,
  CountingClient,
  fdCount,
  fdTargets,
  memory,
  mib,
  startAgent,
} from "./helpers.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

Deno.test("the 1025th guest-file-open is refused; closing a handle makes room for one", async () => {
  const started = await startAgent();
  const pid = started.agent.pid;
  const client = await started.agent.connect(30_000);
  try {
    await client.exchange(`{"execute":"guest-ping"}`); // the client is accepted now
    await started.settled();
    const fdsBefore = fdCount(pid);
    const path = (i: number) => `${started.dir}/f${i}`;
    let requests = "";
    for (let i = 0; i < 1025; i++) {
      requests += `{"execute":"guest-file-open","arguments":{"path":"${path(i)}","mode":"w"}}`;
    }
    const { reply } = await client.exchange(requests, 30_000);
    const lines = decoder.decode(reply).split("\n").slice(0, -1);
    assert.equal(lines.length, 1025);
    for (let i = 0; i < 1024; i++) assert.equal(lines[i], `{"return": ${1000 + i}}`);
    assert.equal(
      lines[1024],
      `{"error": {"class": "GenericError", "desc": "failed to open file '${path(1024)}' ` +
        `(mode: 'w'): too many open files (limit 1024)"}}`,
    );
    await assert.rejects(Deno.stat(path(1024)), Deno.errors.NotFound, "refused open created it");
    assert.equal(fdCount(pid), fdsBefore + 1024, "one fd per open handle");

    const again = await client.exchange(
      `{"execute":"guest-file-open","arguments":{"path":"${path(1025)}","mode":"w"}}`,
    );
    assert.match(decoder.decode(again.reply), /too many open files \(limit 1024\)/);

    const close = await client.exchange(
      `{"execute":"guest-file-close","arguments":{"handle":1500}}`,
    );
    assert.equal(decoder.decode(close.reply), `{"return": {}}\n`);
    const opened = await client.exchange(
      `{"execute":"guest-file-open","arguments":{"path":"${path(1026)}","mode":"w"}}` +
        `{"execute":"guest-file-open","arguments":{"path":"${path(1027)}","mode":"w"}}`,
    );
    const [first, second] = decoder.decode(opened.reply).split("\n");
    assert.equal(first, `{"return": 2024}`, "the freed slot is usable (ids keep counting)");
    assert.match(second!, /too many open files \(limit 1024\)/);

    let closes = "";
    for (let h = 1000; h <= 2024; h++) {
      if (h !== 1500) closes += `{"execute":"guest-file-close","arguments":{"handle":${h}}}`;
    }
    await client.exchange(closes, 30_000);
    assert.equal(fdCount(pid), fdsBefore, `all handles closed:\n${fdTargets(pid).join("\n")}`);
  } finally {
    await client.close();
    await started.stop();
  }
});

/** One cycle of 20 requests; `h` is the handle its guest-file-open will return. */
function cycle(dir: string, h: number, i: number): string {
  const b64 = btoa(`cycle ${i} `.repeat(8));
  return [
    `{"execute":"guest-sync","arguments":{"id":${i}}}`,
    `{"execute":"guest-ping","id":"p${i}"}`,
    `{"execute":"guest-get-time"}`,
    `{"execute":"guest-file-open","arguments":{"path":"${dir}/data${i % 8}","mode":"w+"}}`,
    `{"execute":"guest-file-write","arguments":{"handle":${h},"buf-b64":"${b64}"}}`,
    `{"execute":"guest-file-seek","arguments":{"handle":${h},"offset":0,"whence":"set"}}`,
    `{"execute":"guest-file-read","arguments":{"handle":${h},"count":4096}}`,
    `{"execute":"guest-file-flush","arguments":{"handle":${h}}}`,
    `{"execute":"guest-file-close","arguments":{"handle":${h}}}`,
    `{"execute":"guest-file-read","arguments":{"handle":${h}}}`,
    `{"execute":"guest-nonexistent-${i % 97}"}`,
    `{"execute":"guest-sync","arguments":{"id":"x"}}`,
    `{"execute":"guest-file-open","arguments":{"path":"${dir}/missing/x"}}`,
    `{"execute":"guest-fsfreeze-status"}`,
    `{"execute":"guest-ping","arguments":{"extra":${i}}}`,
    `{"execute":"guest-sync-delimited","arguments":{"id":${i}}}`,
    `[1,2,{"a":${i}}]`,
    `{"execute":"guest-ping",}`,
    `{"execute":"guest-get-vcpus"}`,
    i % 10 === 0 ? `{"execute":"guest-info"}` : `{"id":${i}}`,
  ].join("");
}
const PER_CYCLE = 20;
/** Allowed RSS growth between the end of the warm-up and the end of the run. */
const GROWTH_LIMIT_MIB = 64;

Deno.test(`no growth over ${ciOrLong("100,000", "1,000,000")} commands (RSS, descriptors)`, async () => {
  const total = ciOrLong(100_000, 1_000_000);
  const warmup = 10_000;
  const started = await startAgent();
  const pid = started.agent.pid;
  const client = await CountingClient.connect(started.socket);
  let handle = 1000;
  let sent = 0;
  let cycles = 0;
  const run = async (commands: number) => {
    const target = sent + commands;
    while (sent < target) {
      let batch = "";
      for (let k = 0; k < 50 && sent < target; k++) {
        batch += cycle(started.dir, handle++, cycles++);
        sent += PER_CYCLE;
      }
      await client.send(encoder.encode(batch));
      // Keep at most ~2000 commands in flight.
      assert.ok((await client.waitForLines(sent - 2000, 30_000)) >= sent - 2000, "agent stalled");
    }
    assert.equal(await client.waitForLines(sent, 30_000), sent, "every command answered");
  };
  try {
    const t0 = performance.now();
    await run(warmup);
    await started.settled();
    const fds = fdCount(pid);
    const base = memory(pid);
    await run((total - warmup) / 2);
    const mid = memory(pid);
    await run((total - warmup) / 2);
    const end = memory(pid);
    const seconds = (performance.now() - t0) / 1000;
    console.log(
      `${sent} commands in ${seconds.toFixed(1)} s; RSS after warm-up ${mib(base.rss)} MiB, ` +
        `half-way ${mib(mid.rss)} MiB, end ${mib(end.rss)} MiB, peak ${mib(end.hwm)} MiB; ` +
        `${fdCount(pid)} fds (after warm-up ${fds})`,
    );
    assert.equal(client.delimiters, sent / PER_CYCLE, "one 0xFF per guest-sync-delimited");
    assert.equal(fdCount(pid), fds, `descriptors changed:\n${fdTargets(pid).join("\n")}`);
    // V8 and malloc settle slowly: on the reference machine RSS rises by up to ~90 MiB over the
    // first 100k commands and then stays flat (checked up to 400k). A leak of ≥ 700 bytes per
    // command exceeds this bound in CI; in long mode (1M commands) one of ≥ 70 bytes does.
    assert.ok(
      end.rss - base.rss <= GROWTH_LIMIT_MIB * 1024,
      `RSS grew by more than ${GROWTH_LIMIT_MIB} MiB: ${mib(base.rss)} → ${mib(mid.rss)} → ` +
        `${mib(end.rss)} MiB`,
    );
    await client.close();
    const fresh = await started.agent.connect();
    const sync = await fresh.exchange(`{"execute":"guest-sync","arguments":{"id":5}}`);
    assert.equal(decoder.decode(sync.reply), `{"return": 5}\n`);
    assert.equal(decoder.decode(sync.resync), STANDARD_RESYNC);
    await fresh.close();
  } finally {
    await client.close();
    await started.stop();
  }
});
