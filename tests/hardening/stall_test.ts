/**
 * A client that connects, asks for a large reply and never reads cannot stall the next client
 * for ever: once a write has made no progress for the write-stall timeout the agent drops that
 * client and serves the next one (qemu-ga 7.2 would block for good).
 *
 * - In-process (CI): the real unix-listen channel, serve loop and dispatcher, with the timeout
 *   injected through `ChannelOptions.writeStallMs` (400 ms), so the whole scenario takes ~1 s.
 * - The real agent process with its built-in 30 s timeout (`WRITE_STALL_MS`): long mode only
 *   (`QGA_LONG=1`), it takes more than 30 s.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Logger } from "../../src/agent/log.ts";
import { ServeLoop } from "../../src/agent/serve.ts";
import { openChannel } from "../../src/channel/channel.ts";
import { WRITE_STALL_MS } from "../../src/channel/fd_io.ts";
import { QgaClient, STANDARD_RESYNC } from "../helpers/agent_process.ts";
import { InProcessAgent } from "./in_process.ts";
import { LONG, MiB, startAgent } from "./helpers.ts";

const decoder = new TextDecoder();
const FILE_BYTES = 16 * MiB;

/**
 * The stalling client: opens a 16 MiB file and reads it whole — a ~22 MiB reply, far more than
 * socket buffers hold — and never reads a byte of it.
 */
async function stallingClient(socket: string, path: string): Promise<Deno.UnixConn> {
  const conn = await Deno.connect({ transport: "unix", path: socket });
  const requests = `{"execute":"guest-file-open","arguments":{"path":"${path}"}}` +
    `{"execute":"guest-file-read","arguments":{"handle":1000,"count":${FILE_BYTES}}}`;
  await conn.write(new TextEncoder().encode(requests));
  return conn;
}

/** Drains `conn` until EOF; resolves to the byte count (the agent hung up on it). */
async function drain(conn: Deno.UnixConn): Promise<number> {
  const buf = new Uint8Array(MiB);
  let n = 0;
  try {
    while (true) {
      const r = await conn.read(buf);
      if (r === null) break;
      n += r;
    }
  } catch {
    // Reset: also a hang-up.
  }
  return n;
}

Deno.test("in-process: a client that never reads is dropped after the write-stall timeout", async () => {
  const stallMs = 400;
  const dir = await Deno.makeTempDir({ prefix: "qga-stall-" });
  await Deno.writeFile(`${dir}/big`, new Uint8Array(FILE_BYTES).fill(0x41));
  const agent = new InProcessAgent(dir);
  const socket = `${dir}/qga.sock`;
  const channel = await openChannel("unix-listen", socket, { writeStallMs: stallMs });
  const loop = new ServeLoop(agent.dispatcher, new Logger(() => {}));
  const serving = loop.run(channel);
  let stalled: Deno.UnixConn | undefined;
  let next: QgaClient | undefined;
  try {
    stalled = await stallingClient(socket, `${dir}/big`);
    const t0 = performance.now();
    next = await QgaClient.connect(socket, 10_000);
    const { reply, resync } = await next.exchange(`{"execute":"guest-ping","id":"next"}`);
    const waited = performance.now() - t0;
    assert.equal(decoder.decode(reply), `{"return": {}, "id": "next"}\n`);
    assert.equal(decoder.decode(resync), STANDARD_RESYNC);
    assert.ok(waited >= stallMs, `served after ${waited} ms, before the stall timeout`);
    assert.ok(waited < stallMs + 5000, `served only after ${waited} ms`);
    const got = await drain(stalled);
    assert.ok(got < FILE_BYTES, `the stalled client got the whole reply (${got} bytes)`);
    console.log(
      `next client served after ${waited.toFixed(0)} ms; the stalled one got ${got} bytes`,
    );
  } finally {
    await next?.close();
    try {
      stalled?.close();
    } catch {
      // Closed.
    }
    loop.stop();
    channel.close();
    await serving;
    await channel.closed;
    await agent.close();
    await Deno.remove(dir, { recursive: true });
  }
});

// Registered only in long mode (not reported as ignored in CI).
if (LONG) {
  Deno.test(`real agent: a client that never reads is dropped after ${WRITE_STALL_MS / 1000} s`, async () => {
    const started = await startAgent();
    await Deno.writeFile(`${started.dir}/big`, new Uint8Array(FILE_BYTES).fill(0x41));
    const stalled = await stallingClient(started.socket, `${started.dir}/big`);
    const t0 = performance.now();
    const next = await QgaClient.connect(started.socket, WRITE_STALL_MS + 20_000);
    try {
      const { reply } = await next.exchange(`{"execute":"guest-ping"}`);
      const waited = performance.now() - t0;
      assert.equal(decoder.decode(reply), `{"return": {}}\n`);
      assert.ok(
        waited >= WRITE_STALL_MS - 1000 && waited < WRITE_STALL_MS + 15_000,
        `${waited} ms`,
      );
      console.log(`next client served after ${(waited / 1000).toFixed(1)} s`);
    } finally {
      await next.close();
      stalled.close();
      await started.stop();
    }
  });
}
