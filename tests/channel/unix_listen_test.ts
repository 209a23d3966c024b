/**
 * The unix-listen channel through the real agent process (`oursArgv`: as `deno task start`),
 * against spec §1.3 and §1.9: one client at a time, stale socket files, qemu-ga's fatal socket
 * errors, and message-stream state that survives a client's hang-up. Where Debian's qemu-ga 7.2
 * is installed (`/usr/sbin/qemu-ga`) the same scenario is run against it and compared.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  AgentProcess,
  ORACLE_PATH,
  oracleArgv,
  oursArgv,
  QgaClient,
  STANDARD_RESYNC,
  startOurs,
} from "../helpers/agent_process.ts";
import { sleep } from "../helpers/async.ts";
import { LOG_LINE, logLines, runToExit } from "../helpers/proc.ts";

const oracleInstalled = await Deno.stat(ORACLE_PATH).then(() => true, () => false);
const decoder = new TextDecoder();
const PING_REPLY = `{"return": {}}\n`;
/** How long "no reply" is waited for before concluding the agent holds a request back. */
const QUIET_MS = 300;

/**
 * Connects, retrying while the listen backlog is full: with backlog 1 the kernel refuses a
 * non-blocking connect (EAGAIN) while two earlier connections still wait to be accepted, e.g.
 * right after clients that connected and hung up at once.
 */
async function connect(agent: AgentProcess): Promise<QgaClient> {
  const deadline = Date.now() + 5000;
  while (true) {
    try {
      return await agent.connect();
    } catch (error) {
      if (!(error instanceof Deno.errors.WouldBlock) || Date.now() > deadline) throw error;
      await sleep(20);
    }
  }
}

async function ping(client: QgaClient, request = `{"execute":"guest-ping"}`): Promise<string> {
  const { reply, resync } = await client.exchange(request);
  assert.equal(decoder.decode(resync), STANDARD_RESYNC);
  return decoder.decode(reply);
}

Deno.test("unix-listen serves sequential clients, each on a new connection", async () => {
  const dir = await Deno.makeTempDir();
  const agent = await startOurs(`${dir}/qga.sock`, dir);
  try {
    for (let i = 0; i < 3; i++) {
      const client = await agent.connect();
      assert.equal(await ping(client), PING_REPLY);
      await client.close();
    }
  } finally {
    await agent.stop();
  }
});

Deno.test("unix-listen serves a second client only after the first hangs up", async () => {
  const dir = await Deno.makeTempDir();
  const agent = await startOurs(`${dir}/qga.sock`, dir);
  try {
    const first = await agent.connect();
    assert.equal(await ping(first), PING_REPLY); // the agent is now attached to `first`
    const second = await agent.connect(); // connect() succeeds: the kernel backlog holds it
    await second.send(`{"execute":"guest-ping","id":"second"}`);
    await sleep(QUIET_MS);
    assert.equal(second.buffered, 0, "the second client was answered while the first is attached");
    assert.equal(await ping(first), PING_REPLY, "the first client is still served");
    await first.close();
    const { reply, resync } = await second.readUntilMarker();
    assert.equal(decoder.decode(reply), `{"return": {}, "id": "second"}\n`);
    assert.equal(decoder.decode(resync), STANDARD_RESYNC);
    await second.close();
  } finally {
    await agent.stop();
  }
});

Deno.test("unix-listen never unlinks a regular file or a live socket at -p (qemu-ga would)", async () => {
  const dir = await Deno.makeTempDir();
  const socket = `${dir}/qga.sock`;
  // A host that can pick -p (a config file, a unit override) must not delete files with it.
  await Deno.writeTextFile(socket, "not a socket\n");
  const refused = await runToExit(oursArgv(socket, dir), { timeoutMs: 20_000 });
  assert.equal(refused.code, 1, refused.stderr);
  assert.match(refused.stderr, /Failed to bind socket to .*qga\.sock: Address already in use/);
  assert.equal(await Deno.readTextFile(socket), "not a socket\n", "the file was touched");
  // A live agent's socket is not stolen by a second agent either.
  await Deno.remove(socket);
  const first = await startOurs(socket, dir);
  try {
    await Deno.mkdir(`${dir}/second`);
    const second = await runToExit(oursArgv(socket, `${dir}/second`), { timeoutMs: 20_000 });
    assert.equal(second.code, 1, second.stderr);
    assert.match(second.stderr, /Address already in use/);
    const client = await first.connect();
    assert.equal(await ping(client), PING_REPLY);
    await client.close();
  } finally {
    await first.stop();
  }
});

Deno.test("unix-listen leaves its socket file on exit, and a restart replaces the old socket", async () => {
  const dir = await Deno.makeTempDir();
  const socket = `${dir}/qga.sock`;
  const first = await startOurs(socket, dir);
  const status = await first.stop();
  assert.equal(status.code, 0, first.output());
  assert.ok((await Deno.lstat(socket)).isSocket, "the socket file was removed on exit");
  // Nobody listens on the old socket now; the next agent must unlink it and bind afresh.
  await assert.rejects(Deno.connect({ transport: "unix", path: socket }));
  const second = await startOurs(socket, dir);
  try {
    const client = await second.connect();
    assert.equal(await ping(client), PING_REPLY);
    await client.close();
  } finally {
    await second.stop();
  }
});

Deno.test("unix-listen binds a 108-byte socket path (sun_path without a NUL), as qemu-ga", async () => {
  // Deno's own client cannot connect to such a path (it wants room for a NUL), so this checks
  // that the agent binds it and keeps running instead.
  const dir = await Deno.makeTempDir();
  const socket = `${dir}/${"s".repeat(108 - dir.length - 1)}`;
  assert.equal(new TextEncoder().encode(socket).length, 108);
  const agent = AgentProcess.spawn({ argv: oursArgv(socket, dir) });
  try {
    const deadline = Date.now() + 10_000;
    while (!(await Deno.lstat(socket).then((s) => s.isSocket, () => false))) {
      assert.ok(Date.now() < deadline, "no socket file within 10 s");
      await sleep(20);
    }
  } finally {
    agent.kill("SIGTERM");
  }
  const status = await agent.status;
  await agent.stop();
  assert.equal(agent.stderr(), "");
  assert.equal(status.code, 0);
});

/**
 * Runs ours (and the oracle when installed) with a socket path that cannot be used; checks
 * qemu-ga's three critical lines, exit status 1, and that the oracle logs the same.
 */
async function assertFatalSocketError(socket: string, dir: string, expected: string) {
  const ours = await runToExit(oursArgv(socket, dir), { timeoutMs: 10_000 });
  assert.equal(ours.code, 1, ours.stderr);
  for (const line of ours.stderr.trimEnd().split("\n")) assert.match(line, LOG_LINE);
  const lines = logLines(ours.stderr);
  assert.deepEqual(lines, [
    `critical: ${expected}`,
    "critical: failed to create guest agent channel",
    "critical: failed to initialize guest agent channel",
  ]);
  if (oracleInstalled) {
    const oracle = await runToExit(oracleArgv(socket, dir), { timeoutMs: 10_000 });
    assert.equal(oracle.code, 1, oracle.stderr);
    assert.deepEqual(logLines(oracle.stderr), lines);
  }
}

Deno.test("unix-listen with a 109-byte path logs qemu-ga's 'is too long' and exits 1", async () => {
  const dir = await Deno.makeTempDir();
  const socket = `${dir}/${"a".repeat(109 - dir.length - 1)}`;
  assert.equal(new TextEncoder().encode(socket).length, 109);
  await assertFatalSocketError(socket, dir, `UNIX socket path '${socket}' is too long`);
});

Deno.test("unix-listen in a missing directory logs qemu-ga's bind failure and exits 1", async () => {
  const dir = await Deno.makeTempDir();
  const socket = `${dir}/missing/qga.sock`;
  await assertFatalSocketError(
    socket,
    dir,
    `Failed to bind socket to ${socket}: No such file or directory`,
  );
});

/**
 * Client A sends half a request and hangs up; client B's first request is glued to it (spec
 * §1.3). Returns what B received: bytes after its first request, the reply to a closing `}`,
 * and the reply to a ping after resynchronising with 0xFF.
 */
async function gluedRequestScenario(agent: AgentProcess) {
  const a = await connect(agent);
  await a.send(`{"execute":"guest-ping"`);
  await a.close();
  const b = await connect(agent);
  await b.send(`{"execute":"guest-ping","id":2}\n`);
  await sleep(QUIET_MS);
  const afterFirst = b.buffered;
  await b.send("}");
  const closing = await b.readUntilMarker();
  const next = await ping(b);
  await b.close();
  return {
    afterFirst,
    closing: decoder.decode(closing.reply),
    resync: decoder.decode(closing.resync),
    next,
  };
}

Deno.test("unix-listen keeps a hung-up client's partial request for the next client, as qemu-ga", async () => {
  const expected = {
    afterFirst: 0,
    closing:
      `{"error": {"class": "GenericError", "desc": "JSON parse error, expected separator in dict"}}\n`,
    resync: STANDARD_RESYNC,
    next: PING_REPLY,
  };
  const dir = await Deno.makeTempDir();
  const ours = await startOurs(`${dir}/qga.sock`, dir);
  try {
    assert.deepEqual(await gluedRequestScenario(ours), expected);
  } finally {
    await ours.stop();
  }
  if (!oracleInstalled) return;
  const oracle = await AgentProcess.start({
    argv: oracleArgv(`${dir}/oracle.sock`, dir),
    socket: `${dir}/oracle.sock`,
  });
  try {
    assert.deepEqual(await gluedRequestScenario(oracle), expected);
  } finally {
    await oracle.stop();
  }
});

/** Client A sends 20000 pings and hangs up unread; returns client B's reply to a ping. */
async function hungUpReaderScenario(agent: AgentProcess): Promise<string> {
  const a = await connect(agent);
  let requests = "";
  for (let i = 0; i < 20_000; i++) requests += `{"execute":"guest-ping","id":${i}}`;
  await a.send(requests);
  await a.close();
  const b = await connect(agent);
  const reply = await ping(b);
  await b.close();
  return reply;
}

Deno.test("unix-listen runs every request of a client that hangs up before reading its replies", async () => {
  // qemu-ga reads a hung-up client to EOF: each request still runs (its reply fails with EPIPE,
  // logged only as warnings), so the stream ends clean and the next client is not affected.
  const dir = await Deno.makeTempDir();
  const agents = [await startOurs(`${dir}/qga.sock`, dir)];
  if (oracleInstalled) {
    const socket = `${dir}/oracle.sock`;
    agents.push(await AgentProcess.start({ argv: oracleArgv(socket, dir), socket }));
  }
  try {
    for (const agent of agents) {
      assert.equal(await hungUpReaderScenario(agent), PING_REPLY, agent.argv.join(" "));
      await agent.stop();
      // Without -v the failed writes (warnings) are not logged.
      assert.equal(agent.output(), "--- stdout ---\n--- stderr ---\n");
    }
  } finally {
    for (const agent of agents) await agent.stop();
  }
});
