/**
 * End-to-end start-up modes of the real agent process: systemd socket activation (`LISTEN_FDS`)
 * and `--retry-path`.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  acceptsConnections,
  agentArgv,
  AgentProcess,
  exchangeOnce,
} from "../helpers/agent_process.ts";
import { waitFor } from "../helpers/async.ts";
import { runToExit, socketActivatedArgv } from "../helpers/proc.ts";

function ping(socket: string): Promise<string> {
  return exchangeOnce(socket, '{"execute":"guest-ping","id":7}', 5000);
}

Deno.test("the agent serves an inherited socket under systemd socket activation", async () => {
  const dir = await Deno.makeTempDir();
  const socket = `${dir}/activated.sock`;
  const agent = AgentProcess.spawn({
    argv: socketActivatedArgv(
      socket,
      agentArgv(["-t", dir, "-m", "virtio-serial", "-p", "/nonexistent/port"]),
    ),
  });
  try {
    const accepted = await waitFor(() => acceptsConnections(socket), 10_000, 50);
    assert.ok(accepted, "socket never accepted");
    assert.equal(await ping(socket), '{"return": {}, "id": 7}\n');
    assert.equal(await ping(socket), '{"return": {}, "id": 7}\n');
  } finally {
    const status = await agent.stop();
    assert.equal(status.code, 0, agent.stderr());
    await Deno.remove(dir, { recursive: true });
  }
});

/** The last line the agent logs when a channel open failed and `--retry-path` makes it wait. */
const RETRY_NOTICE = /warning: waiting for channel path\.\.\./;

/**
 * Asserts the log of a `--retry-path` start whose first channel open failed: exactly one failure
 * and one wait (a second block would be a retry without the wait, or a second failure), and the
 * ping served only after it, on the re-opened channel.
 */
function assertOneRetry(stderr: string, socket: string): void {
  const lines = stderr.trim().split("\n").map((l) => l.replace(/^\d+\.\d{6}: /, ""));
  assert.deepEqual(lines.filter((l) => /^(critical|warning): /.test(l)), [
    `critical: Failed to bind socket to ${socket}: No such file or directory`,
    "critical: failed to create guest agent channel",
    "critical: failed to initialize guest agent channel",
    "warning: agent stopped unexpectedly, restarting...",
    "warning: waiting for channel path...",
  ], stderr);
  const waited = lines.indexOf("warning: waiting for channel path...");
  assert.ok(lines.indexOf("debug: guest-ping called") > waited, stderr);
}

Deno.test("--retry-path keeps trying to open the channel and serves once it can", async () => {
  const dir = await Deno.makeTempDir();
  const socketDir = `${dir}/later`;
  const socket = `${socketDir}/sock`;
  const agent = AgentProcess.spawn({
    argv: agentArgv(["-v", "-r", "-m", "unix-listen", "-p", socket, "-t", dir]),
  });
  let status: Deno.CommandStatus;
  try {
    // The socket's directory appears only once the agent has failed to open it and waits.
    const failed = await waitFor(() => RETRY_NOTICE.test(agent.stderr()), 10_000, 50);
    assert.ok(failed, `no retry notice within 10 s: ${agent.stderr()}`);
    assert.equal(await acceptsConnections(socket), false);
    await Deno.mkdir(socketDir);
    assert.ok(await waitFor(() => acceptsConnections(socket), 9000, 50), "agent never retried");
    assert.equal(await ping(socket), '{"return": {}, "id": 7}\n');
  } finally {
    status = await agent.stop();
    await Deno.remove(dir, { recursive: true });
  }
  const stderr = agent.stderr();
  assert.equal(status.code, 0, stderr);
  assertOneRetry(stderr, socket);
});

Deno.test("without --retry-path a channel that cannot open ends the agent with status 1", async () => {
  const dir = await Deno.makeTempDir();
  const out = await runToExit(agentArgv(["-m", "unix-listen", "-p", `${dir}/no/sock`, "-t", dir]));
  const stderr = out.stderr;
  assert.equal(out.code, 1, stderr);
  const levels = stderr.trim().split("\n").map((l) => l.replace(/^\d+\.\d{6}: /, ""));
  assert.deepEqual(levels, [
    `critical: Failed to bind socket to ${dir}/no/sock: No such file or directory`,
    "critical: failed to create guest agent channel",
    "critical: failed to initialize guest agent channel",
  ]);
  await Deno.remove(dir, { recursive: true });
});
