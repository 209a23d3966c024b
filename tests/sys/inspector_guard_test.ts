/**
 * The SIGUSR1 inspector guard (src/sys/inspector_guard.ts) on the real agent process, run
 * directly as `deno run … main.ts` (`oursArgv`) so that the signal reaches the agent itself.
 *
 * Since Deno 2.9.2 a SIGUSR1 arriving after Deno's start-up grace period (~500 ms) opens an
 * unauthenticated V8 inspector on 127.0.0.1:9229. The tests send SIGUSR1 at 1 s, at 0.3 s
 * (before Deno's handler exists, when the default action would kill the process), and as a burst
 * across the moment Deno installs its handler; the agent must survive, keep answering, and never
 * listen on 9229. A control without the guard proves that the check can fail.
 *
 * Other test files start agents concurrently, and each agent holds 127.0.0.1:9229 for about a
 * second at start-up (part of the guard). So "is 9229 open" alone could be someone else's
 * listener: the tests check who owns a listener (via `/proc/net/tcp` and `/proc/<pid>/fd`) and
 * the agent's stderr, where Deno announces an inspector ("Debugger listening on ...").
 *
 * The tests of this file run one after another (`deno test` parallelises files, not tests).
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  AgentProcess,
  oursArgv,
  QgaClient,
  STANDARD_RESYNC,
  startOurs,
} from "../helpers/agent_process.ts";
import { sleep } from "../helpers/async.ts";
import {
  listenerPids,
  listeningInodes,
  ownsSocket,
  signalBit,
  signalMasks,
  tcpPortOpen,
} from "../helpers/proc.ts";

const INSPECTOR_PORT = 9229;
const SIGUSR1 = 10;
const decoder = new TextDecoder();

/** True for Deno versions that open the inspector on SIGUSR1 (2.9.2 and later). */
function hasSigusr1Inspector(): boolean {
  const [major, minor, patch] = Deno.version.deno.split(/[.-]/).map(Number);
  return major! > 2 || (major === 2 && (minor! > 9 || (minor === 9 && patch! >= 2)));
}

async function ping(client: QgaClient): Promise<string> {
  const { reply, resync } = await client.exchange(`{"execute":"guest-ping"}`);
  assert.equal(decoder.decode(resync), STANDARD_RESYNC);
  return decoder.decode(reply);
}

/**
 * Asserts that process `pid` has no inspector: it does not listen on 9229 and any listener on
 * 9229 belongs to another process. The guard itself holds 9229 for about half a second after
 * Deno's handler appears (later on a loaded machine), so an agent-owned listener is given up to
 * 3 s to go away; an inspector never would. (The agent runs with `-q`, which hides Deno's
 * "Debugger listening" banner, so its stderr is checked only as a bonus.)
 */
async function assertNoInspector(pid: number, stderr: string): Promise<void> {
  assert.doesNotMatch(stderr, /Debugger listening/);
  const deadline = Date.now() + 3000;
  while (ownsSocket(pid, listeningInodes(INSPECTOR_PORT))) {
    assert.ok(Date.now() < deadline, "the agent has listened on 127.0.0.1:9229 for 3 s");
    await sleep(50);
  }
  if (await tcpPortOpen(INSPECTOR_PORT)) {
    const owners = listenerPids(INSPECTOR_PORT);
    assert.ok(!owners.includes(pid), `the agent listens on 9229 (owners ${owners})`);
    console.log(`127.0.0.1:9229 is open, but not by the agent (owners: ${owners.join(", ")})`);
  }
}

/** Starts an agent in a fresh directory; `started` is the `performance.now()` of the spawn. */
async function startTimedAgent(): Promise<{ agent: AgentProcess; started: number }> {
  const dir = await Deno.makeTempDir();
  const started = performance.now();
  const agent = await startOurs(`${dir}/qga.sock`, dir);
  return { agent, started };
}

/** Sleeps until `ms` milliseconds after `since` (a `performance.now()` value). */
async function sleepUntil(since: number, ms: number): Promise<void> {
  await sleep(Math.max(0, since + ms - performance.now()));
}

Deno.test("SIGUSR1 1 s after start opens no inspector and the agent keeps answering", async () => {
  const { agent, started } = await startTimedAgent();
  try {
    await sleepUntil(started, 1000);
    Deno.kill(agent.pid, "SIGUSR1");
    await sleep(1000);
    assert.equal(agent.exitStatus, undefined, "the agent died of SIGUSR1");
    const client = await agent.connect(5000);
    assert.equal(await ping(client), `{"return": {}}\n`);
    await client.close();
    assert.ok(signalMasks(agent.pid).ignored & signalBit(SIGUSR1), "SIGUSR1 is not ignored");
    await assertNoInspector(agent.pid, agent.output());
  } finally {
    await agent.stop();
  }
});

Deno.test("SIGUSR1 at 0.3 s, before Deno's own handler exists, neither kills the agent nor opens an inspector", async () => {
  const { agent, started } = await startTimedAgent();
  try {
    // The guard sets SIGUSR1 to "ignore" as the agent's first act; before that the default
    // action (terminate) applies. The agent listens only later, so it is in place by now.
    assert.ok(signalMasks(agent.pid).ignored & signalBit(SIGUSR1), "SIGUSR1 is not ignored yet");
    const at = performance.now() - started;
    await sleepUntil(started, 300);
    Deno.kill(agent.pid, "SIGUSR1");
    await sleep(1200); // past Deno's start-up grace period
    assert.equal(agent.exitStatus, undefined, "the agent died of SIGUSR1");
    if (at > 300) {
      console.log(`the agent listened only after ${at.toFixed(0)} ms; signal sent then`);
    }
    const client = await agent.connect(5000);
    assert.equal(await ping(client), `{"return": {}}\n`);
    await client.close();
    await assertNoInspector(agent.pid, agent.output());
  } finally {
    await agent.stop();
  }
});

Deno.test("a SIGUSR1 burst across Deno's handler installation opens no inspector", async () => {
  // Deno installs its SIGUSR1 handler ~500 ms after start; the guard replaces it within one
  // 20 ms poll, and holds 9229 meanwhile so that a signal in between cannot start an inspector.
  const dir = await Deno.makeTempDir();
  const socket = `${dir}/qga.sock`;
  const started = performance.now();
  const agent = AgentProcess.spawn({ argv: oursArgv(socket, dir) });
  let sent = 0;
  try {
    // Wait for the guard (SIGUSR1 ignored), then signal every 2 ms until 1.5 s after start.
    while (!(signalMasks(agent.pid).ignored & signalBit(SIGUSR1))) {
      assert.ok(performance.now() - started < 10_000, "the guard did not start within 10 s");
      await sleep(2);
    }
    while (performance.now() - started < 1500 && agent.exitStatus === undefined) {
      Deno.kill(agent.pid, "SIGUSR1");
      sent++;
      await sleep(2);
    }
    await sleep(300);
    const exited = agent.exitStatus;
    assert.equal(exited, undefined, `the agent exited during the burst: ${exited?.signal}`);
    const client = await QgaClient.connect(socket, 5000);
    assert.equal(await ping(client), `{"return": {}}\n`);
    await client.close();
    await assertNoInspector(agent.pid, "");
  } finally {
    await agent.stop();
  }
  const text = agent.stderr();
  assert.doesNotMatch(text, /Debugger listening/);
  // Only Deno's refusal to start an inspector may appear (a signal that hit the window).
  for (const line of text.split("\n").filter((l) => l !== "")) {
    assert.match(line, /^Failed to start inspector server/);
  }
  console.log(
    `${sent} SIGUSR1 sent; ${
      text === ""
        ? "none reached Deno's handler"
        : "one reached Deno's handler, whose inspector could not bind 9229"
    }`,
  );
});

Deno.test({
  name: "control: without the guard, SIGUSR1 after 1 s opens the inspector on 127.0.0.1:9229",
  ignore: !hasSigusr1Inspector(),
  async fn() {
    const dir = await Deno.makeTempDir();
    const script = `${dir}/plain.ts`;
    await Deno.writeTextFile(script, "setInterval(() => {}, 1000);\n");
    // Without -q, which would hide "Debugger listening on ...".
    const child = AgentProcess.spawn({ argv: [Deno.execPath(), "run", script] });
    let opened = false;
    try {
      await sleep(1000);
      // Another test file's agent may hold 9229 for a moment at its start-up: then Deno reports
      // "Failed to start inspector server" and a later SIGUSR1 tries again.
      const deadline = Date.now() + 5000;
      while (!opened && Date.now() < deadline) {
        Deno.kill(child.pid, "SIGUSR1");
        await sleep(300);
        opened = ownsSocket(child.pid, listeningInodes(INSPECTOR_PORT)) &&
          await tcpPortOpen(INSPECTOR_PORT);
      }
    } finally {
      child.kill("SIGKILL");
      await child.stop();
    }
    assert.ok(opened, `SIGUSR1 did not open the inspector of a plain deno ${Deno.version.deno}`);
    assert.match(child.stderr(), /Debugger listening on ws:\/\/127\.0\.0\.1:9229\//);
  },
});
