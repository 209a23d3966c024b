/**
 * guest-exec in the real agent (`deno run` with deno.json's permission set, as `deno task start`)
 * over a unix socket, with harmless programs only: 7.2's replies for the sequences verified on
 * qemu-ga 7.2 (echo, exit status with both streams, `kill -9`, a missing program, a directory,
 * 20 MB of output), merged capture in write order, input and environment, a long-running child
 * not blocking other requests — and the bounds: a host that starts program after program and
 * never collects them meets the record cap and the output budget, with every child reaped and
 * the agent's peak RSS within the hardening limit, which collecting the largest possible reply
 * respects too; a permission set without `--allow-run` refuses every program with a
 * GenericError.
 *
 * @module
 */

import assert from "node:assert/strict";
import { QgaClient } from "../../helpers/agent_process.ts";
import { sleep } from "../../helpers/async.ts";
import { memory, mib, RssSampler, startAgent, type StartedAgent } from "../../hardening/helpers.ts";

/** The hardening suite's bound on peak RSS (`PEAK_LIMIT_MIB` of tests/hardening/memory_test.ts). */
const PEAK_LIMIT_MIB = 200;
const dec = new TextDecoder();

async function ask(client: QgaClient, request: string): Promise<string> {
  return dec.decode((await client.exchange(`${request}\n`, 60_000)).reply).replace(/\n$/, "");
}

function exec(args: Record<string, unknown>): string {
  return JSON.stringify({ execute: "guest-exec", arguments: args });
}

function status(pid: number | string): string {
  return `{"execute":"guest-exec-status","arguments":{"pid":${pid}}}`;
}

async function started(client: QgaClient, args: Record<string, unknown>): Promise<number> {
  const reply = await ask(client, exec(args));
  const m = /^\{"return": \{"pid": (\d+)\}\}$/.exec(reply);
  assert.ok(m, reply);
  return Number(m[1]);
}

/** Polls guest-exec-status until `exited: true` (at most `ms`), returning that reply. */
async function collect(client: QgaClient, pid: number, ms = 20_000): Promise<string> {
  const deadline = Date.now() + ms;
  while (true) {
    const reply = await ask(client, status(pid));
    if (reply !== '{"return": {"exited": false}}') return reply;
    if (Date.now() > deadline) throw new Error(`pid ${pid} still running after ${ms} ms`);
    await sleep(20);
  }
}

/** The zombie children of process `pid`. */
function zombies(pid: number): number[] {
  const out: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(ppid) === pid && state === "Z") out.push(Number(entry.name));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

async function withAgent(
  fn: (client: QgaClient, agent: StartedAgent) => Promise<void>,
  permissions?: string[],
): Promise<void> {
  const agent = await startAgent(permissions ? { permissions } : {});
  const client = await agent.agent.connect();
  try {
    await fn(client, agent);
  } finally {
    await client.close();
    await agent.stop();
  }
}

Deno.test("the agent answers guest-exec sequences as qemu-ga 7.2 does", async () => {
  await withAgent(async (client) => {
    let pid = await started(client, { path: "/bin/echo", arg: ["hi"], "capture-output": true });
    assert.equal(
      await collect(client, pid),
      '{"return": {"exitcode": 0, "out-data": "aGkK", "out-truncated": false, "exited": true}}',
    );
    assert.equal(
      await ask(client, status(pid)),
      `{"error": {"class": "GenericError", "desc": "Invalid parameter 'pid'"}}`,
    );
    const script = "echo out; echo err >&2; exit 3";
    pid = await started(client, { path: "/bin/sh", arg: ["-c", script], "capture-output": true });
    assert.equal(
      await collect(client, pid),
      '{"return": {"exitcode": 3, "err-data": "ZXJyCg==", "out-data": "b3V0Cg==", ' +
        '"err-truncated": false, "out-truncated": false, "exited": true}}',
    );
    pid = await started(client, { path: "/bin/sh", arg: ["-c", "kill -9 $$"] });
    assert.equal(await collect(client, pid), '{"return": {"signal": 9, "exited": true}}');
    for (
      const [path, reason] of [["/bin/invalid-cmd42", "No such file or directory"], [
        "/tmp",
        "Permission denied",
      ], ["", "No such file or directory"]]
    ) {
      assert.equal(
        await ask(client, exec({ path })),
        '{"error": {"class": "GenericError", "desc": "Guest agent command failed, error was ' +
          `'Failed to execute child process \\u201C${path}\\u201D (${reason})'"}}`,
      );
    }
    pid = await started(client, {
      path: "sh",
      arg: ["-c", "cat; echo PATH=$PATH"],
      env: ["PATH=/usr/bin:/bin"],
      "input-data": "aGVsbG8K",
      "capture-output": true,
    });
    assert.equal(
      await collect(client, pid),
      '{"return": {"exitcode": 0, "out-data": "aGVsbG8KUEFUSD0vdXNyL2JpbjovYmluCg==", ' +
        '"out-truncated": false, "exited": true}}',
    );
  });
});

Deno.test("the agent caps 20 MB of output at 16777216 bytes and keeps merged output in write order", async () => {
  await withAgent(async (client) => {
    let pid = await started(client, {
      path: "/bin/sh",
      arg: ["-c", "head -c 20000000 /dev/zero | tr '\\0' x; echo done >&2"],
      "capture-output": true,
    });
    const reply = JSON.parse(await collect(client, pid)).return;
    assert.equal(Uint8Array.fromBase64(reply["out-data"]).length, 16777216);
    assert.equal(reply["out-truncated"], true);
    assert.equal(atob(reply["err-data"]), "done\n");
    const script = 'i=0; while [ $i -lt 200 ]; do echo "o$i"; echo "e$i" >&2; i=$((i+1)); done';
    pid = await started(client, {
      path: "/bin/sh",
      arg: ["-c", script],
      "capture-output": "merged",
    });
    const merged = JSON.parse(await collect(client, pid)).return;
    const expected = Array.from({ length: 200 }, (_, i) => `o${i}\ne${i}\n`).join("");
    assert.equal(atob(merged["out-data"]), expected);
    assert.equal(merged["err-data"], undefined);
  });
});

Deno.test("a long-running child does not block other requests", async () => {
  await withAgent(async (client) => {
    const pid = await started(client, { path: "/bin/sleep", arg: ["30"], "capture-output": true });
    const t0 = Date.now();
    assert.equal(await ask(client, '{"execute":"guest-ping"}'), '{"return": {}}');
    assert.equal(await ask(client, status(pid)), '{"return": {"exited": false}}');
    assert.ok(Date.now() - t0 < 2000);
    Deno.kill(pid, "SIGKILL");
    assert.equal(await collect(client, pid), '{"return": {"signal": 9, "exited": true}}');
  });
});

Deno.test("exec after exec without polling: the record cap and output budget refuse, children are reaped, RSS stays bounded", async () => {
  await withAgent(async (client, agent) => {
    const sampler = new RssSampler(agent.agent.pid);
    const pids: number[] = [];
    let refused = "";
    for (let i = 0; i < 1030 && !refused; i++) {
      const reply = await ask(client, exec({ path: "/bin/true" }));
      const m = /"pid": (\d+)/.exec(reply);
      if (m) pids.push(Number(m[1]));
      else refused = reply;
    }
    assert.equal(pids.length, 1024);
    assert.equal(
      refused,
      '{"error": {"class": "GenericError", "desc": "guest-exec refused: 1024 processes are ' +
        'waiting to be collected with guest-exec-status"}}',
    );
    await sleep(500);
    assert.deepEqual(zombies(agent.agent.pid), []);
    for (const pid of pids) {
      assert.equal(await collect(client, pid), '{"return": {"exitcode": 0, "exited": true}}');
    }
    // 4 MiB of output each: the 32 MiB budget refuses after 8 children.
    const big = {
      path: "/bin/sh",
      arg: ["-c", "head -c 4194304 /dev/zero"],
      "capture-output": true,
    };
    const bigPids: number[] = [];
    refused = "";
    for (let i = 0; i < 40 && !refused; i++) {
      const reply = await ask(client, exec(big));
      const m = /"pid": (\d+)/.exec(reply);
      if (m) bigPids.push(Number(m[1]));
      else refused = reply;
      await sleep(30);
    }
    assert.match(
      refused,
      /guest-exec refused: 3\d\.\d MiB of output and input is held .*\(limit 32\.0 MiB\)/,
    );
    assert.ok(bigPids.length >= 8 && bigPids.length <= 9, String(bigPids.length));
    sampler.stop();
    const peak = Math.max(sampler.peak, memory(agent.agent.pid).hwm);
    console.log(`peak RSS ${mib(peak)} MiB; ${bigPids.length} children of 4 MiB before refusal`);
    assert.ok(mib(peak) <= PEAK_LIMIT_MIB, `peak RSS ${mib(peak)} MiB`);
    let truncated = 0;
    for (const pid of bigPids) {
      if (JSON.parse(await collect(client, pid)).return["out-truncated"]) truncated++;
    }
    assert.ok(truncated <= 1, `${truncated} truncated`);
    assert.match(await ask(client, exec(big)), /"pid"/);
    assert.deepEqual(zombies(agent.agent.pid), []);
  });
});

Deno.test("collecting the largest reply (16 MiB on both streams, the whole budget) stays within the peak RSS bound", async () => {
  await withAgent(async (client, agent) => {
    const sampler = new RssSampler(agent.agent.pid);
    const both = "head -c 16777216 /dev/zero; head -c 16777216 /dev/zero >&2";
    const pid = await started(client, {
      path: "/bin/sh",
      arg: ["-c", both],
      "capture-output": true,
    });
    const reply = JSON.parse(await collect(client, pid)).return;
    assert.equal(reply["out-data"].length + reply["err-data"].length, 2 * 22369624);
    assert.equal(reply["out-truncated"] || reply["err-truncated"], false);
    sampler.stop();
    const peak = Math.max(sampler.peak, memory(agent.agent.pid).hwm);
    console.log(`peak RSS ${mib(peak)} MiB`);
    assert.ok(mib(peak) <= PEAK_LIMIT_MIB, `peak RSS ${mib(peak)} MiB`);
  });
});

Deno.test("without --allow-run every guest-exec is refused with a GenericError", async () => {
  await withAgent(async (client) => {
    assert.equal(
      await ask(client, exec({ path: "/bin/echo", arg: ["x"] })),
      '{"error": {"class": "GenericError", "desc": "Guest agent command failed, error was ' +
        "'Failed to execute child process \\u201C/bin/echo\\u201D (not permitted by the " +
        "agent's --allow-run permission)'\"}}",
    );
  }, ["--allow-ffi", "--allow-env", "--allow-read", "--allow-write"]);
});
