/**
 * End-to-end start-up modes of the real agent process: systemd socket activation (`LISTEN_FDS`)
 * and `--retry-path`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { QgaClient, REPO_ROOT } from "../helpers/agent_process.ts";

const dec = new TextDecoder();

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check()) return true;
    await sleep(50);
  }
  return false;
}

async function ping(socket: string): Promise<string> {
  const client = await QgaClient.connect(socket, 5000);
  try {
    return dec.decode((await client.exchange('{"execute":"guest-ping","id":7}')).reply);
  } finally {
    await client.close();
  }
}

async function connectable(socket: string): Promise<boolean> {
  try {
    (await Deno.connect({ transport: "unix", path: socket })).close();
    return true;
  } catch {
    return false;
  }
}

/** A python3 launcher that does what systemd does: socket on fd 3, LISTEN_PID = own pid. */
const ACTIVATOR = `
import os, socket, sys
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(1)
os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
os.environ["LISTEN_PID"] = str(os.getpid())
os.environ["LISTEN_FDS"] = "1"
os.execvp(sys.argv[2], sys.argv[2:])
`;

Deno.test("the agent serves an inherited socket under systemd socket activation", async () => {
  const dir = await Deno.makeTempDir();
  const socket = `${dir}/activated.sock`;
  const child = new Deno.Command("python3", {
    args: [
      "-c",
      ACTIVATOR,
      socket,
      Deno.execPath(),
      "run",
      "-q",
      "-P",
      `${REPO_ROOT}/main.ts`,
      "-t",
      dir,
      "-m",
      "virtio-serial",
      "-p",
      "/nonexistent/port",
    ],
    cwd: REPO_ROOT,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  try {
    assert.ok(await waitFor(() => connectable(socket), 10_000), "socket never accepted");
    assert.equal(await ping(socket), '{"return": {}, "id": 7}\n');
    assert.equal(await ping(socket), '{"return": {}, "id": 7}\n');
  } finally {
    child.kill("SIGTERM");
    const status = await child.status;
    const stderr = dec.decode(await new Response(child.stderr).arrayBuffer());
    assert.equal(status.code, 0, stderr);
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
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-q", "-P", "main.ts", "-v", "-r", "-m", "unix-listen", "-p", socket, "-t", dir],
    cwd: REPO_ROOT,
    stdout: "null",
    stderr: "piped",
  }).spawn();
  let stderr = "";
  const collected = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (stderr += chunk) }),
  );
  let status: Deno.CommandStatus;
  try {
    // The socket's directory appears only once the agent has failed to open it and waits.
    const failed = await waitFor(() => Promise.resolve(RETRY_NOTICE.test(stderr)), 10_000);
    assert.ok(failed, `no retry notice within 10 s: ${stderr}`);
    assert.equal(await connectable(socket), false);
    await Deno.mkdir(socketDir);
    assert.ok(await waitFor(() => connectable(socket), 9000), "agent never retried");
    assert.equal(await ping(socket), '{"return": {}, "id": 7}\n');
  } finally {
    child.kill("SIGTERM");
    status = await child.status;
    await collected;
    await Deno.remove(dir, { recursive: true });
  }
  assert.equal(status.code, 0, stderr);
  assertOneRetry(stderr, socket);
});

Deno.test("without --retry-path a channel that cannot open ends the agent with status 1", async () => {
  const dir = await Deno.makeTempDir();
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-q", "-P", "main.ts", "-m", "unix-listen", "-p", `${dir}/no/sock`, "-t", dir],
    cwd: REPO_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = dec.decode(out.stderr);
  assert.equal(out.code, 1, stderr);
  const levels = stderr.trim().split("\n").map((l) => l.replace(/^\d+\.\d{6}: /, ""));
  assert.deepEqual(levels, [
    `critical: Failed to bind socket to ${dir}/no/sock: No such file or directory`,
    "critical: failed to create guest agent channel",
    "critical: failed to initialize guest agent channel",
  ]);
  await Deno.remove(dir, { recursive: true });
});
