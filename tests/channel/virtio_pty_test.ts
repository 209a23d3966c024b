/**
 * The virtio-serial channel against a pty stand-in (spec §1.9): the agent (`deno run … main.ts
 * -m virtio-serial -p /dev/pts/N`, run directly so that `/proc/<pid>` is the agent's)
 * opens the pty slave as its port; the test plays the host on the master. Checks the byte stream
 * both ways (0xFF included, large pipelined exchanges), reply latency after idling, and that the
 * agent neither spins nor exits once the host side is gone (a hung-up port reads as EOF).
 *
 * `QGA_LONG=1` measures the CPU time after the hang-up over 60 s instead of 10 s.
 *
 * @module
 */

import assert from "node:assert/strict";
import { agentArgv, AgentProcess, escapeBytes } from "../helpers/agent_process.ts";
import { sleep } from "../helpers/async.ts";
import { cpuSeconds } from "../helpers/proc.ts";
import { PtyMaster } from "../helpers/pty.ts";

const LONG = Deno.env.get("QGA_LONG") === "1";
const HANGUP_MEASURE_MS = LONG ? 60_000 : 10_000;
/** Largest share of one CPU the agent may use while its port is hung up. */
const MAX_IDLE_CPU = 0.02;
const IDLE_BEFORE_REQUEST_MS = 2000;
const LATENCY_SAMPLES = 4;
const MAX_MEDIAN_LATENCY_MS = 100;

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/** An agent serving a pty slave, and the master to talk to it. */
interface PtyAgent {
  pty: PtyMaster;
  child: AgentProcess;
}

/** Starts the agent on a fresh pty and waits for its first reply (a ping). */
async function startPtyAgent(): Promise<PtyAgent> {
  const pty = PtyMaster.open();
  const dir = await Deno.makeTempDir();
  const argv = agentArgv(["-m", "virtio-serial", "-p", pty.slavePath, "-t", dir]);
  const child = AgentProcess.spawn({ argv });
  try {
    // Queued in the slave until the agent opens it (the helper keeps a slave fd open until then).
    await pty.write(`{"execute":"guest-ping"}`);
    assert.equal(decoder.decode(await pty.readUntil("\n", 15_000)), `{"return": {}}\n`);
  } catch (error) {
    await stopPtyAgent({ pty, child });
    throw error;
  }
  pty.releaseSlave();
  return { pty, child };
}

/** SIGTERM, then SIGKILL after 2 s; closes the master; resolves to the status and stderr. */
async function stopPtyAgent(
  agent: PtyAgent,
): Promise<{ status: Deno.CommandStatus; stderr: string }> {
  const status = await agent.child.stop(2000);
  agent.pty.close();
  return { status, stderr: agent.child.stderr() };
}

/** Sends one request and returns the reply line and the round-trip time in milliseconds. */
async function timedPing(pty: PtyMaster): Promise<{ reply: string; ms: number }> {
  const started = performance.now();
  await pty.write(`{"execute":"guest-ping"}`);
  const reply = decoder.decode(await pty.readUntil("\n", 5000));
  return { reply, ms: performance.now() - started };
}

Deno.test("virtio-serial on a pty passes 0xFF, 2000 pipelined requests and a 1 MiB reply", async () => {
  const agent = await startPtyAgent();
  try {
    const { pty } = agent;
    // 0xFF resynchronisation (spec §1.7): an error reply for the byte, then 0xFF + the reply.
    const sync = encoder.encode(`{"execute":"guest-sync-delimited","arguments":{"id":42}}`);
    await pty.write(new Uint8Array([0xff, ...sync]));
    assert.equal(
      escapeBytes(await pty.readUntil(`{"return": 42}\n`)),
      `{"error": {"class": "GenericError", "desc": "JSON parse error, stray '\\\\uFFFD'"}}\\n` +
        `\\xff{"return": 42}\\n`,
    );

    // 2000 guest-sync requests in one write; the replies come back complete and in order.
    let requests = "";
    let expected = "";
    for (let id = 1; id <= 2000; id++) {
      requests += `{"execute":"guest-sync","arguments":{"id":${id}}}`;
      expected += `{"return": ${id}}\n`;
    }
    await pty.write(requests);
    assert.equal(decoder.decode(await pty.readUntil(`{"return": 2000}\n`)), expected);

    // A 1 MiB request whose reply echoes its 1 MiB id.
    const id = "q".repeat(1 << 20);
    await pty.write(`{"execute":"guest-ping","id":"${id}"}`, 30_000);
    const reply = decoder.decode(await pty.readUntil(`"}\n`, 30_000));
    assert.equal(reply.length, (1 << 20) + 25);
    assert.ok(reply === `{"return": {}, "id": "${id}"}\n`, "the 1 MiB reply differs");
    assert.equal(pty.buffered, 0);
  } finally {
    const { status, stderr } = await stopPtyAgent(agent);
    assert.equal(stderr, "");
    assert.equal(status.code, 0);
  }
});

Deno.test("virtio-serial on a pty answers within 100 ms after 2 s idle, and does not spin after the host side closes", async () => {
  // The two halves run concurrently on two agents to keep the test short.
  const latency = async () => {
    const agent = await startPtyAgent();
    try {
      const samples: number[] = [];
      const idleCpu: number[] = [];
      for (let i = 0; i < LATENCY_SAMPLES; i++) {
        const before = cpuSeconds(agent.child.pid);
        await sleep(IDLE_BEFORE_REQUEST_MS);
        idleCpu.push(cpuSeconds(agent.child.pid) - before);
        const { reply, ms } = await timedPing(agent.pty);
        assert.equal(reply, `{"return": {}}\n`);
        samples.push(ms);
      }
      samples.sort((a, b) => a - b);
      const median = (samples[(samples.length - 1) >> 1]! + samples[samples.length >> 1]!) / 2;
      console.log(
        `virtio-serial latency after ${IDLE_BEFORE_REQUEST_MS} ms idle: median ` +
          `${median.toFixed(2)} ms, max ${samples.at(-1)!.toFixed(2)} ms; CPU while idle: ` +
          `${idleCpu.map((s) => `${(s * 1000).toFixed(0)} ms`).join(", ")} per 2 s`,
      );
      assert.ok(median < MAX_MEDIAN_LATENCY_MS, `median latency ${median} ms`);
      // The first idle period still includes start-up work; the later ones are pure idling.
      const idleShare = idleCpu.slice(1).reduce((a, b) => a + b, 0) /
        ((idleCpu.length - 1) * IDLE_BEFORE_REQUEST_MS / 1000);
      assert.ok(idleShare < MAX_IDLE_CPU, `idle with the host attached: ${idleShare * 100}% CPU`);
    } finally {
      const { status } = await stopPtyAgent(agent);
      assert.equal(status.code, 0);
    }
  };

  const hangup = async () => {
    const agent = await startPtyAgent();
    try {
      agent.pty.close(); // the host side goes away: the agent's port reads EOF from now on
      const before = cpuSeconds(agent.child.pid);
      const started = performance.now();
      await sleep(HANGUP_MEASURE_MS);
      const used = cpuSeconds(agent.child.pid) - before;
      const share = used / ((performance.now() - started) / 1000);
      console.log(
        `virtio-serial after hang-up: ${(used * 1000).toFixed(0)} ms CPU in ` +
          `${HANGUP_MEASURE_MS / 1000} s (${(share * 100).toFixed(2)}% of one CPU)`,
      );
      assert.ok(share < MAX_IDLE_CPU, `the agent used ${(share * 100).toFixed(2)}% of a CPU`);
    } finally {
      // qemu-ga keeps a hung-up virtio port open and waits: the agent must still be running and
      // must still quit on SIGTERM.
      const { status, stderr } = await stopPtyAgent(agent);
      assert.equal(status.signal, null, `killed by ${status.signal}; stderr: ${stderr}`);
      assert.equal(status.code, 0, stderr);
      assert.equal(stderr, "");
    }
  };

  await Promise.all([latency(), hangup()]);
});
