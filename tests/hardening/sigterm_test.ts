/**
 * SIGTERM while a large `guest-file-write` (48 MiB of base64, 36 MiB of data) is in flight: the
 * agent must exit with status 0, and never report as written what was not: either the reply
 * arrives — then the file holds every byte — or no reply arrives and the client sees EOF.
 *
 * Each trial starts an agent, opens a file, streams the request and sends SIGTERM at a different
 * point: half-way through sending, as the last byte goes out, and at growing delays after it (the
 * agent is then decoding the base64 or writing the file). Long mode (`QGA_LONG=1`) adds 20
 * trials at random delays.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Rng } from "./fuzz_gen.ts";
import { sleep } from "../helpers/async.ts";
import { LONG, MiB, startAgent } from "./helpers.ts";

const DATA_BYTES = 36 * MiB; // 48 MiB of base64
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The payload: a deterministic, incompressible-looking byte pattern. */
function payload(): Uint8Array {
  const data = new Uint8Array(DATA_BYTES);
  let x = 0x12345678;
  for (let i = 0; i < data.length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    data[i] = x;
    data[i + 1] = x >>> 8;
    data[i + 2] = x >>> 16;
    data[i + 3] = x >>> 24;
  }
  return data;
}

function base64(data: Uint8Array): string {
  let s = "";
  for (let i = 0; i < data.length; i += 3 * 4096) {
    s += btoa(String.fromCharCode(...data.subarray(i, i + 3 * 4096)));
  }
  return s;
}

/** When to send SIGTERM: a fraction of the request sent, or ms after all of it was sent. */
type Trigger = { sentFraction: number } | { afterSendMs: number };

interface Outcome {
  trigger: string;
  replied: boolean;
  exitCode: number;
}

async function trial(data: Uint8Array, b64: string, trigger: Trigger): Promise<Outcome> {
  const started = await startAgent();
  const path = `${started.dir}/big`;
  const conn = await Deno.connect({ transport: "unix", path: started.socket });
  const received: Uint8Array[] = [];
  let eof = false;
  const reader = (async () => {
    const buf = new Uint8Array(65536);
    try {
      while (true) {
        const n = await conn.read(buf);
        if (n === null) break;
        received.push(buf.slice(0, n));
      }
    } catch {
      // Reset: same as EOF for the client.
    }
    eof = true;
  })();
  const text = () => decoder.decode(new Uint8Array(received.flatMap((c) => [...c])));
  try {
    await conn.write(
      encoder.encode(`{"execute":"guest-file-open","arguments":{"path":"${path}","mode":"w"}}`),
    );
    while (!text().includes("\n") && !eof) await sleep(5);
    const handle = /^\{"return": (\d+)\}\n$/.exec(text())?.[1];
    assert.ok(handle !== undefined, `open: ${text()}`);
    received.length = 0;

    const request = encoder.encode(
      `{"execute":"guest-file-write","arguments":{"handle":${handle},"buf-b64":"${b64}"}}`,
    );
    const kill = () => Deno.kill(started.agent.pid, "SIGTERM");
    let sent = 0;
    let killed = false;
    try {
      while (sent < request.length) {
        sent += await conn.write(request.subarray(sent, sent + MiB));
        if ("sentFraction" in trigger && !killed && sent >= request.length * trigger.sentFraction) {
          kill();
          killed = true;
        }
      }
    } catch {
      // The agent went away while we were sending: expected after SIGTERM.
    }
    if (!killed) {
      await sleep((trigger as { afterSendMs: number }).afterSendMs);
      kill();
    }
    const deadline = Date.now() + 20_000;
    while (started.agent.exitStatus === undefined && Date.now() < deadline) await sleep(10);
    const status = started.agent.exitStatus;
    assert.ok(status !== undefined, `agent still running 20 s after SIGTERM`);
    await Promise.race([reader, sleep(5000)]);
    assert.ok(eof, "the client did not see EOF after the agent exited");
    const reply = text();
    const replied = reply.length > 0;
    if (replied) {
      assert.equal(reply, `{"return": {"count": ${DATA_BYTES}, "eof": false}}\n`);
      const written = await Deno.readFile(path);
      assert.equal(written.length, DATA_BYTES, "reply sent, but the file is short");
      assert.ok(written.every((b, i) => b === data[i]), "reply sent, but the file differs");
    }
    return {
      trigger: JSON.stringify(trigger),
      replied,
      exitCode: status.code,
    };
  } finally {
    try {
      conn.close();
    } catch {
      // Closed.
    }
    await reader;
    await started.stop();
  }
}

Deno.test("SIGTERM during a 48 MiB guest-file-write: exit 0, reply only for complete data", async () => {
  const data = payload();
  const b64 = base64(data);
  assert.equal(b64.length, 48 * MiB);
  const triggers: Trigger[] = [
    { sentFraction: 0.5 },
    { sentFraction: 1 },
    { afterSendMs: 20 },
    { afterSendMs: 100 },
    { afterSendMs: 400 },
    { afterSendMs: 2000 },
  ];
  if (LONG) {
    const rng = new Rng(15);
    for (let i = 0; i < 20; i++) triggers.push({ afterSendMs: rng.int(600) });
  }
  const outcomes: Outcome[] = [];
  for (const trigger of triggers) outcomes.push(await trial(data, b64, trigger));
  console.log(outcomes.map((o) => `${o.trigger}: ${o.replied ? "reply" : "no reply"}`).join("\n"));
  for (const o of outcomes) assert.equal(o.exitCode, 0, `exit status for ${o.trigger}`);
  assert.ok(outcomes.at(-1)!.replied, "2 s after sending, the write had still not been answered");
});
