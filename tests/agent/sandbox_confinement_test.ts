/**
 * The sandbox by attack, in child processes only (the test runner is never restricted): what a
 * hostile host would make a confined agent try — an FFI `open`, Deno reads (sync and async), a
 * child program, a write and a truncation of a read-only file, TCP, a signal to a process outside
 * — all refused after `enterSandbox` (`./sandbox_probe.ts`); the same with the re-execution left
 * out, where Deno's existing threads read what the JS thread may not; a `-d` start; and the real
 * agent under `deno run -P` inside the runtime's rules alone (`./sandboxed_agent.ts`).
 *
 * @module
 */

import assert from "node:assert/strict";
import { landlockAbi } from "../../src/sys/landlock.ts";
import type { ProbeConfig, ProbeResult } from "./sandbox_probe.ts";

const ABI = landlockAbi();
const ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const EACCES = 13;
/** CAP_SYS_TIME alone, as /proc/self/status prints it. */
const CAP_SYS_TIME_ONLY = "0000000002000000";
const IS_ROOT = Deno.uid() === 0;

interface Scene {
  readonly dir: string;
  readonly config: Omit<ProbeConfig, "mode">;
}

async function scene(listener: Deno.Listener): Promise<Scene> {
  const dir = await Deno.makeTempDir({ prefix: "qga-sandbox-" });
  await Deno.mkdir(`${dir}/rw`);
  await Deno.mkdir(`${dir}/ro`);
  await Deno.writeTextFile(`${dir}/outside.txt`, "secret\n");
  await Deno.writeTextFile(`${dir}/rw/in.txt`, "in\n");
  await Deno.writeTextFile(`${dir}/ro/ro.txt`, "ro\n");
  const config = {
    rules: [
      { path: `${ROOT}/src`, rights: ["read-file"] },
      { path: `${dir}/rw`, rights: ["read-file", "write-file", "make-reg", "truncate"] },
      { path: `${dir}/ro`, rights: ["read-file"] },
      { path: "/usr/bin/cat", rights: ["execute", "read-file"] },
      { path: "/usr/bin/env", rights: ["execute", "read-file"] },
    ],
    keep: ["CAP_SYS_TIME"],
    denyTcp: true,
    outside: `${dir}/outside.txt`,
    inside: `${dir}/rw/in.txt`,
    readOnly: `${dir}/ro/ro.txt`,
    tcpPort: (listener.addr as Deno.NetAddr).port,
    signalPid: Deno.pid,
  } as const;
  return { dir, config };
}

async function probe(config: ProbeConfig): Promise<string> {
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}/tests/agent/sandbox_probe.ts`, JSON.stringify(config)],
    stderr: "inherit",
  }).output();
  assert.equal(output.code, 0);
  return new TextDecoder().decode(output.stdout);
}

async function withScene(run: (s: Scene) => Promise<void>): Promise<void> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepting = (async () => {
    for await (const connection of listener) connection.close();
  })();
  const s = await scene(listener);
  try {
    await run(s);
  } finally {
    listener.close();
    await accepting.catch(() => {});
    await Deno.remove(s.dir, { recursive: true });
  }
}

Deno.test({
  name: "confined after the re-execution: every way out refused, the rules' own files usable",
  ignore: ABI === 0,
  sanitizeResources: false,
  fn: () =>
    withScene(async ({ config }) => {
      const r: ProbeResult = JSON.parse(await probe({ ...config, mode: "sandbox" }));
      assert.equal(r.report.state, "confined");
      assert.equal(r.ffiOpenOutside, EACCES);
      assert.equal(r.readOutsideSync, "PermissionDenied");
      assert.equal(r.readOutsideAsync, "PermissionDenied");
      assert.deepEqual(r.childCatOutside, {
        code: 1,
        stderr: `/usr/bin/cat: ${config.outside}: Permission denied\n`,
      });
      assert.equal(r.readInside, "ok");
      assert.equal(r.writeReadOnly, "PermissionDenied");
      assert.equal(r.truncateReadOnly, EACCES);
      if (ABI >= 4) assert.equal(r.tcpConnect, "PermissionDenied");
      if (ABI >= 6) assert.equal(r.signalOutside, "PermissionDenied");
      assert.equal(r.ownStatus, "ok");
      // The marker is gone, from the environment and from children's; the argv is the same.
      assert.equal(r.markerInEnv, false);
      assert.equal(r.markerInChildEnv, false);
      assert.deepEqual(r.args, [JSON.stringify({ ...config, mode: "sandbox" })]);
      // The procfs rule's descriptor stays open, close-on-exec, naming the process's own dir.
      assert.deepEqual(r.pins, [{ target: `/proc/${r.pid}`, closeOnExec: true }]);
      if (IS_ROOT) {
        assert.equal(r.capEff, CAP_SYS_TIME_ONLY);
        assert.equal(r.capBnd, CAP_SYS_TIME_ONLY);
      }
    }),
});

Deno.test({
  name: "mutation: restricting only the JS thread, without re-executing, lets Deno's threads read",
  ignore: ABI === 0,
  sanitizeResources: false,
  fn: () =>
    withScene(async ({ config }) => {
      const r: ProbeResult = JSON.parse(await probe({ ...config, mode: "restrict-only" }));
      // The JS thread itself, and what it starts, are confined…
      assert.equal(r.ffiOpenOutside, EACCES);
      assert.equal(r.readOutsideSync, "PermissionDenied");
      assert.equal(r.childCatOutside.code, 1);
      // …but an async read runs on a blocking-pool thread created before: it is not.
      assert.equal(r.readOutsideAsync, "ok");
    }),
});

Deno.test({
  name: "-d: the launcher is left alone; the daemon confines itself with its own pid",
  ignore: ABI === 0,
  sanitizeResources: false,
  fn: () =>
    withScene(async ({ dir, config }) => {
      const out = `${dir}/rw/daemon.json`;
      const launched = JSON.parse(await probe({ ...config, mode: "daemon", out }));
      let text = "";
      for (let i = 0; i < 200 && text === ""; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        text = await Deno.readTextFile(out).catch(() => "");
      }
      const r: ProbeResult = JSON.parse(text);
      assert.equal(r.report.state, "confined");
      assert.equal(r.pid, launched.daemon);
      assert.ok(r.launcherPid !== null && r.launcherPid !== r.pid);
      assert.equal(r.ownStatus, "ok");
      assert.equal(r.ffiOpenOutside, EACCES);
      assert.equal(r.readOutsideAsync, "PermissionDenied");
      assert.deepEqual(r.pins, [{ target: `/proc/${r.pid}`, closeOnExec: true }]);
    }),
});

/** Sends one request line and reads one reply line. */
async function request(connection: Deno.Conn, line: string): Promise<string> {
  await connection.write(new TextEncoder().encode(`${line}\n`));
  const buffer = new Uint8Array(4096);
  let reply = "";
  while (!reply.endsWith("\n")) {
    const n = await connection.read(buffer);
    if (n === null) break;
    reply += new TextDecoder().decode(buffer.subarray(0, n));
  }
  return reply.trim();
}

Deno.test({
  name: "the agent under deno run -P starts again inside the runtime's rules alone and serves",
  ignore: ABI === 0,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "qga-sandboxed-agent-" });
    const channel = [
      "read-file",
      "write-file",
      "make-sock",
      "make-reg",
      "remove-file",
      "truncate",
      "read-dir",
    ];
    const agent = new Deno.Command(Deno.execPath(), {
      args: [
        ...["run", "-q", "-P", "--no-prompt", `${ROOT}/tests/agent/sandboxed_agent.ts`],
        JSON.stringify([{ path: dir, rights: channel }]),
        ...["-m", "unix-listen", "-p", `${dir}/sock`, "-t", dir],
      ],
      cwd: ROOT,
      stdout: "null",
      stderr: "null",
    }).spawn();
    try {
      let connection: Deno.Conn | undefined;
      for (let i = 0; i < 300 && connection === undefined; i++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        connection = await Deno.connect({ transport: "unix", path: `${dir}/sock` }).catch(() =>
          undefined
        );
      }
      assert.ok(connection, "the agent listens");
      assert.equal(await request(connection, '{"execute": "guest-ping"}'), '{"return": {}}');
      const open = '{"execute": "guest-file-open", "arguments": {"path": "/etc/hostname"}}';
      assert.match(await request(connection, open), /Permission denied/);
      connection.close();
      const status = await Deno.readTextFile(`/proc/${agent.pid}/status`);
      assert.match(status, /^NoNewPrivs:\s+1$/m);
      if (IS_ROOT) assert.match(status, /^CapEff:\s+0{16}$/m);
      agent.kill("SIGTERM");
      assert.equal((await agent.status).code, 0);
    } finally {
      await agent.status.catch(() => {});
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("inherited descriptors are made close-on-exec except those kept", async () => {
  const script = `
    import { markInheritedDescriptorsCloseOnExec } from "${ROOT}/src/agent/sandbox.ts";
    const changed = markInheritedDescriptorsCloseOnExec([8]);
    const ls = new Deno.Command("/bin/sh", { args: ["-c", "ls /proc/$$/fd"] }).outputSync();
    const seen = new TextDecoder().decode(ls.stdout).split("\\n").filter(Boolean).map(Number);
    console.log(JSON.stringify({ changed, seen }));
  `;
  // fds 7 and 8 are inherited without close-on-exec, as from a careless parent.
  const output = await new Deno.Command("/bin/sh", {
    args: ["-c", `exec 7</dev/null 8</dev/null; exec "$0" eval "$1"`, Deno.execPath(), script],
  }).output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  const { changed, seen } = JSON.parse(new TextDecoder().decode(output.stdout));
  // (Others may come from whatever started the test runner: they are changed too.)
  assert.ok(changed.includes(7) && !changed.includes(8), `changed: ${changed}`);
  assert.ok(seen.includes(8), `child's descriptors: ${seen}`);
  for (const fd of changed) assert.ok(!seen.includes(fd), `child's descriptors: ${seen}`);
});

Deno.test({
  name:
    "without Landlock: re-executed with capabilities dropped and no-new-privileges, not confined",
  sanitizeResources: false,
  fn: () =>
    withScene(async ({ config }) => {
      const r: ProbeResult = JSON.parse(
        await probe({ ...config, mode: "sandbox", noLandlock: true }),
      );
      assert.equal(r.report.state, "unavailable");
      assert.equal(r.noNewPrivs, "1");
      if (IS_ROOT) {
        assert.equal(r.capEff, CAP_SYS_TIME_ONLY);
        assert.equal(r.capBnd, CAP_SYS_TIME_ONLY);
      }
      assert.equal(r.markerInEnv, false);
      // Nothing but Deno's flags and the other layers hold here: the FFI open succeeds.
      assert.equal(r.ffiOpenOutside, "ok");
    }),
});

Deno.test({
  name: "a marker set by whoever starts the process does not switch the sandbox off",
  ignore: ABI === 0,
  sanitizeResources: false,
  fn: () =>
    withScene(async ({ config }) => {
      const output = await new Deno.Command(Deno.execPath(), {
        args: [
          ...["run", "-A", `${ROOT}/tests/agent/sandbox_probe.ts`],
          JSON.stringify({ ...config, mode: "sandbox" }),
        ],
        env: { QGA_DENO_LANDLOCKED: String(ABI) },
        stdout: "null",
        stderr: "piped",
      }).output();
      assert.notEqual(output.code, 0);
      assert.match(
        new TextDecoder().decode(output.stderr),
        /QGA_DENO_LANDLOCKED is set but the process is not confined/,
      );
    }),
});
