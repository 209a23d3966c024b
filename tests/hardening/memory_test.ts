/**
 * Memory bounds of the real agent process under hostile streams, measured from
 * `/proc/<pid>/status` (VmHWM, the kernel's peak-RSS record, plus VmRSS sampled every 25 ms).
 *
 * 1. A 1 GiB garbage stream over the socket (CI and long mode alike; long mode swaps much of the
 *    cheap garbage for the slow worst case, `[0,0,…` token floods): 64 MiB strings that trip
 *    the lexer's safety valve, arrays of large strings that trip the 64 MiB message limit,
 *    2 Mi-token floods that trip the token-count limit, 1025-deep nesting, whitespace, random
 *    bytes. Peak RSS must stay ≤ {@linkcode PEAK_LIMIT_MIB}; the agent must write one reply per
 *    event of an in-process model stream fed the same bytes, then answer a fresh sync.
 * 2. Objects with large, distinct member names (each message well under the 64 MiB limit): peak
 *    RSS must stay bounded — nothing may keep keys of past messages.
 *
 * Measured on the reference machine for 1 GiB of whitespace before the serve-loop fix in this
 * change: RSS grew 1:1 with input (1093 MiB); Debian's qemu-ga peaks at 141 MiB on the token
 * flood and 68 MiB on 64 MiB strings.
 *
 * @module
 */

import assert from "node:assert/strict";
import { STANDARD_RESYNC } from "../helpers/agent_process.ts";
import { JsonMessageStream } from "../../src/stream/json_stream.ts";
import { Rng } from "./fuzz_gen.ts";
import { CountingClient, LONG, memory, MiB, mib, RssSampler, startAgent } from "./helpers.ts";

/** The peak resident memory the agent may reach under any stream (MiB). */
export const PEAK_LIMIT_MIB = 200;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Garbage units; each leaves the stream at rest (no partial token, no open bracket). */
function units(rng: Rng): Record<string, Uint8Array> {
  // `"aaa…` past 64 MiB: the lexer force-emits it (token size error), the rest lexes as a
  // keyword (`invalid keyword`), `"` then opens and closes an empty string.
  const valve = new Uint8Array(64 * MiB + 4096).fill(0x61);
  valve[0] = 0x22;
  valve[valve.length - 2] = 0x20;
  valve[valve.length - 1] = 0x0A;
  const item = `"${"b".repeat(64 * 1024 - 3)}",`;
  return {
    valve,
    // 1030 strings of 64 KiB in one array: the message size limit trips near 64 MiB, then each
    // remaining string is a top-level value, each `,` a stray separator, `]` a stray closer.
    strings: encoder.encode(`[${item.repeat(1030)}""]\n`),
    // [ + 1048575 × "0," + 0 ] = 2097153 tokens: the token-count limit trips on the last `]`.
    tokens: encoder.encode(`[${"0,".repeat(1048575)}0]\n`),
    nesting: encoder.encode("[".repeat(1025) + "\n"),
    whitespace: new Uint8Array(16 * MiB).fill(0x20),
    random: (() => {
      const r = rng.bytes(MiB);
      r[r.length - 1] = 0x0A; // ends recovery and any string: back at rest
      return r;
    })(),
  };
}

/** The 1 GiB plan: unit name and repetitions. */
const PLAN: [string, number][] = LONG
  ? [["valve", 4], ["strings", 2], ["tokens", 300], ["nesting", 16384], ["whitespace", 8], [
    "random",
    4,
  ]]
  : [["valve", 12], ["strings", 2], ["tokens", 6], ["nesting", 16384], ["whitespace", 8], [
    "random",
    2,
  ]];

Deno.test(`a ~1 GiB garbage stream keeps the agent's peak RSS ≤ ${PEAK_LIMIT_MIB} MiB`, async () => {
  const rng = new Rng(20261126);
  const garbage = units(rng);
  const order: Uint8Array[] = [];
  for (const [name, count] of PLAN) for (let i = 0; i < count; i++) order.push(garbage[name]!);
  // Interleave so that the expensive units are not all at one end.
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const total = order.reduce((n, u) => n + u.length, 0);

  const started = await startAgent();
  const pid = started.agent.pid;
  const before = memory(pid);
  const sampler = new RssSampler(pid);
  const model = new JsonMessageStream();
  const client = await CountingClient.connect(started.socket);
  let expected = 0;
  const t0 = performance.now();
  try {
    for (const unit of order) {
      for (let i = 0; i < unit.length; i += 4 * MiB) {
        const piece = unit.subarray(i, i + 4 * MiB);
        expected += model.feed(piece).length;
        await client.send(piece);
      }
    }
    const got = await client.waitForLines(expected, 60_000);
    const seconds = (performance.now() - t0) / 1000;
    sampler.stop();
    const after = memory(pid);
    const peak = Math.max(after.hwm, sampler.peak);
    console.log(
      `${(total / 2 ** 30).toFixed(2)} GiB in ${seconds.toFixed(1)} s: ${got} replies ` +
        `(model ${expected}); RSS ${mib(before.rss)} MiB before, peak ${mib(peak)} MiB, ` +
        `${mib(after.rss)} MiB after`,
    );
    assert.equal(got, expected, "reply lines vs model events");
    await client.close();
    const fresh = await started.agent.connect();
    const sync = await fresh.exchange(`{"execute":"guest-sync","arguments":{"id":77}}`);
    assert.equal(decoder.decode(sync.reply), `{"return": 77}\n`);
    assert.equal(decoder.decode(sync.resync), STANDARD_RESYNC);
    await fresh.close();
    assert.ok(
      mib(peak) <= PEAK_LIMIT_MIB,
      `peak RSS ${mib(peak)} MiB > ${PEAK_LIMIT_MIB} MiB after ${(total / 2 ** 20) | 0} MiB ` +
        `of garbage`,
    );
  } finally {
    sampler.stop();
    await client.close();
    const status = await started.stop();
    assert.equal(status.code, 0, started.agent.output());
  }
});

Deno.test("large distinct member names do not accumulate in the agent", async () => {
  const messages = LONG ? 64 : 16;
  const keyBytes = 24 * MiB;
  const started = await startAgent();
  const pid = started.agent.pid;
  const sampler = new RssSampler(pid);
  const client = await CountingClient.connect(started.socket);
  const peaks: number[] = [];
  try {
    for (let i = 0; i < messages; i++) {
      // Two members (a one-member object needs no ordering), the first one 24 MiB long and
      // different each time: `QMP input member '…' is unexpected`.
      const key = String(i).padStart(6, "0") + "k".repeat(keyBytes);
      await client.send(encoder.encode(`{"${key}":1,"x":2}`));
      assert.equal(await client.waitForLines(i + 1, 30_000), i + 1, "one reply per message");
      peaks.push(mib(memory(pid).hwm));
    }
    sampler.stop();
    const peak = Math.max(mib(sampler.peak), ...peaks);
    console.log(`peak RSS after each message (MiB): ${peaks.join(" ")}`);
    assert.ok(
      peak <= PEAK_LIMIT_MIB,
      `peak RSS ${peak} MiB > ${PEAK_LIMIT_MIB} MiB after ${messages} messages with distinct ` +
        `${keyBytes / MiB} MiB member names (per message: ${peaks.join(" ")})`,
    );
  } finally {
    sampler.stop();
    await client.close();
    await started.stop();
  }
});
