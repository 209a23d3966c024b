/**
 * The process domain's guest-exec spawn on this host, with harmless programs only (`sh -c echo`,
 * `cat`, `env`, `true`, `sleep`, scripts in temporary directories): PATH lookup as GLib does it,
 * environment replacement, stdin, each capture mode — `merged` proven to keep the write order of
 * stdout and stderr exactly — exit codes and signal numbers, and no descriptor left behind.
 *
 * @module
 */

import assert from "node:assert/strict";
import { captureMode, execRequest } from "../../../src/commands/exec/request.ts";
import { DenoProcesses, type SpawnRequest } from "../../../src/sys/processes.ts";
import {
  execCandidates,
  pathOfEnvironment,
  searchCandidates,
} from "../../../src/sys/processes/program_search.ts";
import { environmentRecord, findProgramInPath } from "../../../src/sys/processes/spawn.ts";
import { sharedPoller } from "../../../src/sys/processes/pipe_stream.ts";
import { waitFor } from "../../helpers/async.ts";

const dec = new TextDecoder();
const processes = new DenoProcesses();

async function text(stream: ReadableStream<Uint8Array> | null): Promise<string | null> {
  if (!stream) return null;
  let out = "";
  for await (const chunk of stream) out += dec.decode(chunk, { stream: true });
  return out;
}

/** Spawns `request` and collects everything. */
async function run(request: Partial<SpawnRequest> & { path: string }) {
  const outcome = processes.spawn({ args: [], capture: "separated", ...request });
  if (outcome.kind !== "spawned") return outcome;
  const { child } = outcome;
  const [stdout, stderr, exit, input] = await Promise.all([
    text(child.stdout),
    text(child.stderr),
    child.exit,
    child.input,
  ]);
  return { pid: child.pid, stdout, stderr, exit, input };
}

/**
 * The pipes this process holds (what a spawn opens). Only pipes are counted: the suite runs every
 * test file in one process, and other files' channels and timers open and close descriptors of
 * their own (eventfds, epoll sets, sockets) at any time.
 */
function openFds(): number {
  let pipes = 0;
  for (const entry of Deno.readDirSync("/proc/self/fd")) {
    try {
      if (Deno.readLinkSync(`/proc/self/fd/${entry.name}`).startsWith("pipe:")) pipes++;
    } catch {
      // Closed while listing (the listing's own descriptor, or another test's).
    }
  }
  return pipes;
}

Deno.test("searchCandidates() and execCandidates() follow GLib: empty element = current directory, '/' = as is", () => {
  assert.deepEqual(searchCandidates("ls", "/bin::/x/"), ["/bin/ls", "./ls", "/x//ls"]);
  assert.deepEqual(searchCandidates("ls", ""), ["./ls"]);
  assert.deepEqual(execCandidates("./ls", "/bin"), ["./ls"]);
  assert.deepEqual(execCandidates("a/b", "/bin"), ["a/b"]);
  assert.deepEqual(execCandidates("", "/bin"), []);
  assert.equal(pathOfEnvironment(["A=1", "PATH=/p1", "PATH=/p2"]), "/p1");
  assert.equal(pathOfEnvironment(["PATHX=1", "A=PATH=2"]), undefined);
});

Deno.test("environmentRecord() keeps the first entry per name and drops what execve could not get from Deno", () => {
  assert.deepEqual(environmentRecord(["A=1", "A=2", "B", "=x", "C==", "D=a=b"]), {
    A: "1",
    C: "=",
    D: "a=b",
  });
});

Deno.test("execRequest() reads guest-exec's arguments as qemu-ga 7.2 does", () => {
  assert.equal(captureMode(undefined), "none");
  assert.equal(captureMode(false), "none");
  assert.equal(captureMode(true), "separated");
  assert.equal(captureMode("merged"), "merged");
  assert.deepEqual(execRequest({ path: "x", "input-data": "aGVsbG8" }), {
    path: "x",
    args: [],
    input: new TextEncoder().encode("hel"),
    capture: "none",
  });
});

Deno.test("spawn: separated capture, stdin input, exit code", async () => {
  const result = await run({
    path: "/bin/sh",
    args: ["-c", "cat; echo out; echo err >&2; exit 3"],
    input: new TextEncoder().encode("in\n"),
  });
  assert.deepEqual({ ...result, pid: 0 }, {
    pid: 0,
    stdout: "in\nout\n",
    stderr: "err\n",
    exit: { kind: "exited", code: 3 },
    input: undefined,
  });
});

Deno.test("spawn: merged capture keeps the exact write order of stdout and stderr", async () => {
  const script = 'i=0; while [ $i -lt 300 ]; do echo "out $i"; echo "err $i" >&2; i=$((i+1)); done';
  const result = await run({ path: "/bin/sh", args: ["-c", script], capture: "merged" });
  const expected = Array.from({ length: 300 }, (_, i) => `out ${i}\nerr ${i}\n`).join("");
  assert.equal("stdout" in result && result.stdout, expected);
  assert.equal("stderr" in result && result.stderr, null);
  assert.equal(sharedPoller.waiting, 0);
});

Deno.test("spawn: one-sided and no capture put the other streams on /dev/null", async () => {
  const script = "echo o; echo e >&2; readlink /proc/self/fd/0 >&2";
  const out = await run({ path: "/bin/sh", args: ["-c", script], capture: "stdout" });
  assert.equal("stdout" in out && `${out.stdout}|${out.stderr}`, "o\n|null");
  const err = await run({ path: "/bin/sh", args: ["-c", script], capture: "stderr" });
  assert.equal("stdout" in err && `${err.stdout}|${err.stderr}`, "null|e\n/dev/null\n");
  const none = await run({ path: "/bin/sh", args: ["-c", script], capture: "none" });
  assert.equal("stdout" in none && `${none.stdout}|${none.stderr}`, "null|null");
});

Deno.test("spawn: env replaces the whole environment and its PATH is searched", async () => {
  const result = await run({ path: "env", env: ["A=1", "PATH=/usr/bin:/bin"], capture: "stdout" });
  assert.equal("stdout" in result && result.stdout, "A=1\nPATH=/usr/bin:/bin\n");
  const missing = await run({ path: "env", env: ["PATH=/nonexistent"] });
  assert.deepEqual(missing, {
    kind: "spawn-failed",
    reason: "not-found",
    text: "No such file or directory",
  });
  // Without PATH in env, the agent's own PATH is searched.
  const inherited = await run({ path: "env", env: ["B=2"], capture: "stdout" });
  assert.equal("stdout" in inherited && inherited.stdout, "B=2\n");
});

Deno.test("spawn: signals are reported by number, real-time ones too", async () => {
  for (const [signal, number] of [["KILL", 9], ["TERM", 15], ["RTMIN+3", 37]] as const) {
    const result = await run({ path: "/bin/sh", args: ["-c", `kill -${signal} $$`] });
    assert.deepEqual("exit" in result && result.exit, { kind: "signaled", signal: number });
  }
});

Deno.test("spawn: a \\u0000 cannot reach execve (qemu-ga would pass the bytes C0 80)", async () => {
  assert.deepEqual(await run({ path: "/bin/echo\u0000x" }), {
    kind: "spawn-failed",
    reason: "not-found",
    text: "No such file or directory",
  });
  for (const request of [{ args: ["a\u0000"] }, { env: ["A=\u0000"] }]) {
    assert.deepEqual(await run({ path: "/bin/echo", ...request }), {
      kind: "spawn-failed",
      reason: "other",
      text: "Invalid argument",
    });
  }
});

Deno.test("spawn failures: missing file, directory, empty name, not executable", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qga-exec-" });
  try {
    await Deno.writeTextFile(`${dir}/plain`, "x");
    const cases: [string, string, string][] = [
      ["/bin/invalid-cmd42", "not-found", "No such file or directory"],
      [dir, "permission", "Permission denied"],
      ["", "not-found", "No such file or directory"],
      [`${dir}/plain`, "permission", "Permission denied"],
    ];
    for (const [path, reason, text] of cases) {
      assert.deepEqual(await run({ path }), { kind: "spawn-failed", reason, text }, path);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("spawn: the PATH search skips non-executables (EACCES wins if nothing runs) and runs scripts without #!", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qga-exec-" });
  try {
    await Deno.mkdir(`${dir}/a`);
    await Deno.mkdir(`${dir}/b`);
    await Deno.mkdir(`${dir}/c/prog`, { recursive: true });
    await Deno.writeTextFile(`${dir}/a/prog`, "echo from a\n");
    await Deno.writeTextFile(`${dir}/b/prog`, "echo from b\n", { mode: 0o755 });
    await Deno.chmod(`${dir}/b/prog`, 0o755);
    const env = (path: string) => [`PATH=${path}`];
    const b = await run({
      path: "prog",
      env: env(`${dir}/a:${dir}/c:${dir}/b`),
      capture: "stdout",
    });
    assert.equal("stdout" in b && b.stdout, "from b\n");
    const eacces = await run({ path: "prog", env: env(`${dir}/missing:${dir}/a:${dir}/none`) });
    assert.deepEqual(eacces, {
      kind: "spawn-failed",
      reason: "permission",
      text: "Permission denied",
    });
    assert.equal(findProgramInPath("prog", `${dir}/a:${dir}/c:${dir}/b`), `${dir}/b/prog`);
    assert.equal(findProgramInPath("prog", `${dir}/a:${dir}/c`), undefined);
    assert.equal(findProgramInPath(`${dir}/b/prog`, ""), `${dir}/b/prog`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("spawn: input the child never reads ends with a write error, and no descriptor is left open", async () => {
  // The shared poller's wake-up pipe is made on first use and kept: make it before counting.
  await run({ path: "/bin/sh", args: ["-c", "echo x"], capture: "merged" });
  const before = openFds();
  const big = await run({ path: "/bin/true", input: new Uint8Array(4 << 20) });
  assert.equal("input" in big && big.input, "Broken pipe");
  for (let i = 0; i < 20; i++) {
    await run({ path: "/bin/sh", args: ["-c", "echo x; echo y >&2"], capture: "merged" });
    await run({ path: "/bin/cat", input: new Uint8Array(10), capture: "separated" });
  }
  // Closing a child's pipes may finish a moment after run() returns; a leak never does.
  await waitFor(() => openFds() === before, 2000);
  assert.equal(openFds(), before);
});

Deno.test("run(): input goes to stdin, a signal without a Deno name still counts as signaled", async () => {
  const ok = await processes.run(["/bin/sh", "-c", 'read l; [ "$l" = u:p ]'], {
    output: "discard",
    input: new TextEncoder().encode("u:p\n"),
  });
  assert.deepEqual(ok, { kind: "exited", code: 0, output: new Uint8Array() });
  const rt = await processes.run(["/bin/sh", "-c", "kill -RTMIN+2 $$"], { output: "capture" });
  assert.deepEqual(rt, { kind: "signaled", signal: "signal 36", output: new Uint8Array() });
});

Deno.test("DenoProcesses with an exec list starts only the listed programs, spelled exactly", async () => {
  const listed = new DenoProcesses({ execAllow: ["/usr/bin/true"] });
  const start = (path: string, env?: string[]) => {
    const outcome = listed.spawn({ path, args: [], capture: "none", ...(env ? { env } : {}) });
    if (outcome.kind === "spawned") return outcome.child.exit.then(() => "spawned");
    return Promise.resolve(`${outcome.reason}: ${outcome.text}`);
  };
  assert.equal(await start("/usr/bin/true"), "spawned");
  assert.equal(await start("true", ["PATH=/usr/bin"]), "spawned");
  const refused = "not-listed: not listed for guest-exec (--exec-allow)";
  assert.equal(await start("/usr/bin/false"), refused);
  assert.equal(await start("/usr/bin/../bin/true"), refused);
  assert.equal(await start("/bin/sh"), refused);
  assert.equal(await start("true", ["PATH=/bin"]), refused, "the search arrives at /bin/true");
});
