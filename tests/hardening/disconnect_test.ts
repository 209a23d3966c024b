/**
 * Disconnect storm: 1,000 cycles (10,000 with `QGA_LONG=1`) of connect → send part of a request
 * (cut anywhere, sometimes after a complete request, sometimes with a 0xFF inside, sometimes
 * nothing) → hang up, against the real agent. Then a fresh client's 0xFF +
 * `guest-sync-delimited` must get exactly two things back: one error line for the 0xFF byte and
 * the marker reply — no stale reply of any earlier client — and a following ping must be answered
 * cleanly. The agent must hold no more descriptors than before the storm.
 *
 * Not compared with Debian's qemu-ga 7.2: it does not survive such a storm. A client that hangs
 * up with the agent's reply unread makes the agent's next read fail with ECONNRESET, which 7.2
 * treats as a channel read error and exits (status 0, after about 20 cycles here); qga-deno
 * treats ECONNRESET as a hang-up and serves the next client.
 *
 * @module
 */

import assert from "node:assert/strict";
import { QgaClient, STANDARD_RESYNC, STRAY_PREFIX } from "../helpers/agent_process.ts";
import { concatBytes, FuzzGenerator, fuzzSeed, Rng } from "./fuzz_gen.ts";
import { sleep } from "../helpers/async.ts";
import { ciOrLong, fdCount, fdTargets, startAgent } from "./helpers.ts";

const CYCLES = ciOrLong(1_000, 10_000);
const encoder = new TextEncoder();
const decoder = new TextDecoder("latin1");

/** The bytes each storm client sends before hanging up. */
function stormInputs(seed: number): Uint8Array[] {
  const rng = new Rng(seed);
  const gen = new FuzzGenerator(rng, { fileDir: "/nonexistent", oracleSafe: true });
  return Array.from({ length: CYCLES }, () => {
    const request = encoder.encode(gen.request());
    const half = request.subarray(0, rng.int(request.length));
    const x = rng.float();
    if (x < 0.05) return new Uint8Array();
    if (x < 0.25) return concatBytes([encoder.encode(gen.request()), half]);
    if (x < 0.35) return concatBytes([half, Uint8Array.of(0xFF), half]);
    return half;
  });
}

/** Connects, retrying while the agent's one-slot backlog is full. */
async function connectRetrying(socket: string): Promise<Deno.UnixConn> {
  const deadline = Date.now() + 10_000;
  while (true) {
    try {
      return await Deno.connect({ transport: "unix", path: socket });
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await sleep(1);
    }
  }
}

/** A QgaClient, connecting as soon as the agent's one-slot backlog has room. */
async function connectClient(socket: string): Promise<QgaClient> {
  const deadline = Date.now() + 10_000;
  while (true) {
    try {
      return await QgaClient.connect(socket, 20_000);
    } catch (error) {
      if (!(error instanceof Deno.errors.WouldBlock) || Date.now() > deadline) throw error;
      await sleep(1);
    }
  }
}

/** Runs the storm against `socket`; resolves to what the fresh client's marker round trip cut. */
async function storm(socket: string, inputs: Uint8Array[]): Promise<string> {
  for (const input of inputs) {
    const conn = await connectRetrying(socket);
    try {
      if (input.length > 0) await conn.write(input);
    } catch {
      // The agent may already have dropped us: part of the storm.
    }
    conn.close();
  }
  const client = await connectClient(socket);
  try {
    const { reply, resync } = await client.readUntilMarker();
    return decoder.decode(reply) + "|" + decoder.decode(resync);
  } finally {
    await client.close();
  }
}

Deno.test(`disconnect storm: ${CYCLES} half requests, then only the marker reply`, async () => {
  const seed = fuzzSeed();
  console.log(`storm seed ${seed} (QGA_FUZZ_SEED=${seed} to reproduce)`);
  const inputs = stormInputs(seed);
  const started = await startAgent();
  const pid = started.agent.pid;
  const t0 = performance.now();
  try {
    await started.settled();
    const fdsBefore = fdCount(pid);
    const cut = await storm(started.socket, inputs);
    const [reply, resync] = cut.split("|") as [string, string];
    assert.equal(reply, "", `stale replies before the marker: ${reply}`);
    assert.ok(resync.startsWith(STRAY_PREFIX), `the 0xFF byte's line: ${resync}`);

    const client = await connectClient(started.socket);
    const ping = await client.exchange(`{"execute":"guest-ping","id":"after-storm"}`);
    assert.equal(decoder.decode(ping.reply), `{"return": {}, "id": "after-storm"}\n`);
    assert.equal(decoder.decode(ping.resync), STANDARD_RESYNC);
    await client.close();
    let fds = fdCount(pid);
    for (let i = 0; i < 100 && fds > fdsBefore; i++) {
      await sleep(20);
      fds = fdCount(pid);
    }
    assert.equal(fds, fdsBefore, `descriptors after the storm:\n${fdTargets(pid).join("\n")}`);
    console.log(
      `${CYCLES} cycles in ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
        `0xFF line: ${resync.trim()}`,
    );
  } finally {
    const status = await started.stop();
    assert.equal(status.code, 0, started.agent.output());
  }
});
