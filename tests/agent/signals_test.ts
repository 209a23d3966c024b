/**
 * Signals (spec §3.8) on the real agent process, run directly as `deno run … main.ts`
 * (`startOurs`) so that the signal reaches the agent and not a `deno task` runner: SIGTERM and
 * SIGINT end the agent promptly with status 0, whether idle or serving a client; while
 * filesystems are (recorded as) frozen both are ignored; SIGHUP keeps its default action
 * (terminate), as in qemu-ga.
 *
 * The frozen case never thaws: `guest-fsfreeze-thaw` would touch the host's filesystems, so the
 * agent is finished with SIGKILL instead.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type AgentProcess, STANDARD_RESYNC, startOurs } from "../helpers/agent_process.ts";
import { sleep } from "../helpers/async.ts";
import { waitForExit } from "../helpers/proc.ts";

/** How quickly a quit signal must end the agent. */
const QUIT_WITHIN_MS = 2000;
const decoder = new TextDecoder();
const encoder = new TextEncoder();

async function exchange(agent: AgentProcess, request: string): Promise<string> {
  const client = await agent.connect(5000);
  try {
    const { reply, resync } = await client.exchange(request);
    assert.equal(decoder.decode(resync), STANDARD_RESYNC);
    return decoder.decode(reply);
  } finally {
    await client.close();
  }
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.test(`${signal} makes an idle agent exit with status 0 within 2 s`, async () => {
    const dir = await Deno.makeTempDir();
    const agent = await startOurs(`${dir}/qga.sock`, dir);
    try {
      Deno.kill(agent.pid, signal);
      const status = await waitForExit(agent, QUIT_WITHIN_MS);
      assert.ok(status, `still running ${QUIT_WITHIN_MS} ms after ${signal}`);
      assert.deepEqual({ code: status.code, signal: status.signal }, { code: 0, signal: null });
    } finally {
      await agent.stop(1000);
    }
    assert.equal(agent.output(), "--- stdout ---\n--- stderr ---\n");
  });

  Deno.test(`${signal} makes an agent with a connected client exit with status 0 within 2 s`, async () => {
    const dir = await Deno.makeTempDir();
    const agent = await startOurs(`${dir}/qga.sock`, dir);
    const client = await agent.connect(5000);
    try {
      const { reply } = await client.exchange(`{"execute":"guest-ping"}`);
      assert.equal(decoder.decode(reply), `{"return": {}}\n`); // the agent serves this client now
      await client.send(`{"execute":"guest-ping"`); // and holds half a request
      await sleep(100);
      Deno.kill(agent.pid, signal);
      const status = await waitForExit(agent, QUIT_WITHIN_MS);
      assert.ok(status, `still running ${QUIT_WITHIN_MS} ms after ${signal}`);
      assert.deepEqual({ code: status.code, signal: status.signal }, { code: 0, signal: null });
    } finally {
      await client.close();
      await agent.stop(1000);
    }
  });
}

/** Pings sent in one write by the flooding client (about 12 MiB). */
const FLOOD_PINGS = 500_000;

Deno.test("SIGTERM stops an agent that a client keeps busy with back-to-back requests", async () => {
  // While requests keep coming the agent waits for them on its JS thread; it must still let
  // the event loop run, or the signal listener would never be called.
  const dir = await Deno.makeTempDir();
  const agent = await startOurs(`${dir}/qga.sock`, dir);
  const conn = await Deno.connect({ transport: "unix", path: `${dir}/qga.sock` });
  const ping = encoder.encode(`{"execute":"guest-ping"}`);
  const flood = new Uint8Array(ping.length * FLOOD_PINGS);
  for (let i = 0; i < FLOOD_PINGS; i++) flood.set(ping, i * ping.length);
  const writing = conn.write(flood).catch(() => 0); // the agent may exit before taking it all
  let replies = 0;
  let signalled = false;
  const buffer = new Uint8Array(65536);
  try {
    for (
      let n = await conn.read(buffer);
      n !== null;
      n = await conn.read(buffer).catch(() => null)
    ) {
      for (let i = 0; i < n; i++) if (buffer[i] === 0x0a) replies++;
      if (!signalled && replies >= 1000) {
        Deno.kill(agent.pid, "SIGTERM"); // the agent is busy answering the flood
        signalled = true;
      }
    }
    const status = await waitForExit(agent, QUIT_WITHIN_MS);
    assert.ok(status, `still running ${QUIT_WITHIN_MS} ms after SIGTERM`);
    assert.deepEqual({ code: status.code, signal: status.signal }, { code: 0, signal: null });
    assert.ok(replies < FLOOD_PINGS, `the agent answered all ${FLOOD_PINGS} pings before stopping`);
  } finally {
    conn.close();
    await writing;
    await agent.stop(1000);
  }
});

Deno.test("an agent started frozen (qga.state.isfrozen) ignores SIGTERM and SIGINT and keeps serving", async () => {
  const dir = await Deno.makeTempDir();
  const marker = `${dir}/qga.state.isfrozen`;
  await Deno.writeFile(marker, new Uint8Array());
  const agent = await startOurs(`${dir}/qga.sock`, dir);
  try {
    assert.equal(
      await exchange(agent, `{"execute":"guest-fsfreeze-status"}`),
      `{"return": "frozen"}\n`,
    );
    for (const signal of ["SIGTERM", "SIGINT"] as const) {
      Deno.kill(agent.pid, signal);
      assert.equal(await waitForExit(agent, 700), undefined, `exited on ${signal} while frozen`);
      assert.equal(await exchange(agent, `{"execute":"guest-ping"}`), `{"return": {}}\n`);
    }
  } finally {
    // No thaw on a host (see the module doc): SIGTERM is ignored, so stop() ends with SIGKILL.
    const status = await agent.stop(300);
    assert.equal(status.signal, "SIGKILL");
  }
  assert.ok((await Deno.lstat(marker)).isFile, "the frozen marker must stay");
  assert.equal(agent.output(), "--- stdout ---\n--- stderr ---\n"); // logging is off while frozen
});

Deno.test("SIGHUP terminates the agent by its default action, as qemu-ga (no handler)", async () => {
  const dir = await Deno.makeTempDir();
  const agent = await startOurs(`${dir}/qga.sock`, dir);
  try {
    Deno.kill(agent.pid, "SIGHUP");
    const status = await waitForExit(agent, QUIT_WITHIN_MS);
    assert.ok(status, "still running after SIGHUP");
    assert.equal(status.signal, "SIGHUP");
  } finally {
    await agent.stop(1000);
  }
});
