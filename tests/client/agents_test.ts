/**
 * End-to-end: every host-safe subcommand of the client against qga-deno and against Debian's
 * qemu-ga 7.2 on unix sockets, in-process (`main()` with captured output). Guest-changing
 * subcommands (freeze, thaw, trim, shutdown, suspend, time set, vcpus set) are never run here:
 * the VM suite covers them (`tests/vm/checks_client.ts`).
 *
 * @module
 */

import assert from "node:assert/strict";
import { parseJson } from "../../src/client/json.ts";
import {
  type ClientResult,
  QEMU_GA_INSTALLED,
  runClient,
  startAgent,
  type TestAgent,
} from "./harness.ts";

/** Runs the client against `agent` and expects exit code `code` (0 by default). */
async function ok(
  agent: TestAgent,
  args: string[],
  code = 0,
  stdin?: Uint8Array,
): Promise<ClientResult> {
  const result = await runClient(["-s", agent.socket, ...args], { stdin });
  assert.equal(
    result.code,
    code,
    `${
      args.join(" ")
    } exited ${result.code}\n--- stdout\n${result.stdout}--- stderr\n${result.stderr}`,
  );
  return result;
}

/** The `--json` output of a subcommand, parsed (integers as bigints). */
async function json(agent: TestAgent, args: string[]): Promise<unknown> {
  return parseJson((await ok(agent, ["--json", ...args])).stdout);
}

/** Random bytes (`crypto.getRandomValues` fills at most 64 KiB at a time). */
function randomBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let at = 0; at < size; at += 65536) crypto.getRandomValues(bytes.subarray(at, at + 65536));
  return bytes;
}

/** Whether the agent runs programs (qga-deno's permission set may not allow /bin/sh). */
async function runsPrograms(agent: TestAgent): Promise<boolean> {
  const probe = await runClient(["-s", agent.socket, "exec", "--", "/bin/true"]);
  return probe.code === 0 || !/not permitted by the agent's --allow-run/.test(probe.stderr);
}

function clientSteps(kind: "ours" | "qemu-ga") {
  return async (t: Deno.TestContext) => {
    const agent = await startAgent(kind);
    try {
      await t.step("ping prints ok, --json prints the empty return object", async () => {
        assert.match((await ok(agent, ["ping"])).stdout, /^ok \(\d+\.\d ms\)\n$/);
        assert.equal((await ok(agent, ["ping", "--json"])).stdout, "{}\n");
      });
      await t.step("info shows version 7.2.22 and every command the agent lists", async () => {
        const { stdout } = await ok(agent, ["info"]);
        assert.match(
          stdout,
          /^version: {2}7\.2\.22\ncommands: \d+ \(\d+ enabled\)\n\nCOMMAND +ENABLED +SUCCESS-REPLY\n/,
        );
        assert.match(stdout, /\nguest-shutdown +yes +no\n/);
        const info = await json(agent, ["info"]) as { supported_commands: { name: string }[] };
        for (const { name } of info.supported_commands) {
          assert.match(stdout, new RegExp(`\n${name} `));
        }
      });
      await t.step("osinfo shows the running kernel", async () => {
        const { stdout } = await ok(agent, ["osinfo"]);
        assert.match(
          stdout,
          new RegExp(`\nkernel-release: +${Deno.osRelease().replaceAll(".", "\\.")}\n`),
        );
        const os = await json(agent, ["osinfo"]) as Record<string, string>;
        assert.equal(os["kernel-release"], Deno.osRelease());
      });
      await t.step("hostname prints the host name", async () => {
        assert.equal((await ok(agent, ["hostname"])).stdout, `${Deno.hostname()}\n`);
      });
      await t.step("users prints a table or says nobody is logged in", async () => {
        const { stdout } = await ok(agent, ["users"]);
        const users = await json(agent, ["users"]) as unknown[];
        if (users.length === 0) assert.equal(stdout, "no users logged in\n");
        else assert.equal(stdout.trimEnd().split("\n").length, users.length + 1);
      });
      await t.step(
        "time shows the clock to the nanosecond and its offset from the host's",
        async () => {
          const { stdout } = await ok(agent, ["time"]);
          const m =
            /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{9} UTC \(guest - host: ([+-]\d+\.\d{3}) s\)\n$/
              .exec(stdout);
          assert.ok(m, stdout);
          assert.ok(Math.abs(Number(m[1])) < 1, stdout);
          const ns = await json(agent, ["time"]);
          assert.equal(typeof ns, "bigint");
          assert.ok(Math.abs(Number(ns as bigint) / 1e6 - Date.now()) < 5000);
        },
      );
      await t.step("net lists lo with its addresses", async () => {
        const { stdout } = await ok(agent, ["net"]);
        assert.match(stdout, /^NAME +MAC +ADDRESSES\n/);
        assert.match(stdout, /\nlo +00:00:00:00:00:00 +127\.0\.0\.1\/8/);
      });
      await t.step("fs prints one row per filesystem under df's headers", async () => {
        const { stdout } = await ok(agent, ["fs"]);
        assert.match(stdout, /^DEVICE +TYPE +SIZE +USED +AVAIL +USE% +MOUNTED ON\n/);
        const list = await json(agent, ["fs"]) as unknown[];
        assert.equal(stdout.trimEnd().split("\n").length, list.length + 1);
      });
      await t.step("vcpus counts the vCPUs online", async () => {
        const cpus = await json(agent, ["vcpus"]) as { online: boolean }[];
        const online = cpus.filter((c) => c.online).length;
        const { stdout } = await ok(agent, ["vcpus"]);
        assert.ok(
          stdout.startsWith(`${online} of ${cpus.length} vCPUs online\nCPU  ONLINE  CAN-OFFLINE\n`),
        );
      });
      await t.step("freeze-status prints thawed", async () => {
        assert.equal((await ok(agent, ["freeze-status"])).stdout, "thawed\n");
        assert.equal((await ok(agent, ["freeze-status", "--json"])).stdout, '"thawed"\n');
      });
      await t.step("cat prints a guest file byte for byte", async () => {
        const data = randomBytes(300_000);
        await Deno.writeFile(`${agent.dir}/cat.bin`, data);
        assert.deepEqual(
          (await ok(agent, ["cat", `guest:${agent.dir}/cat.bin`])).stdoutBytes,
          data,
        );
        await Deno.writeFile(`${agent.dir}/empty`, new Uint8Array());
        assert.equal((await ok(agent, ["cat", `guest:${agent.dir}/empty`])).stdout, "");
      });
      await t.step(
        "cp copies in and out in chunks, into directories too, and checks the size",
        async () => {
          const data = randomBytes(3 * 1024 * 1024 + 12345);
          const host = await Deno.makeTempDir({ prefix: "qga-client-cp-" });
          try {
            await Deno.writeFile(`${host}/in.bin`, data);
            await ok(agent, ["cp", `${host}/in.bin`, `guest:${agent.dir}/copied.bin`]);
            assert.deepEqual(await Deno.readFile(`${agent.dir}/copied.bin`), data);
            await ok(agent, ["cp", `guest:${agent.dir}/copied.bin`, `${host}/out.bin`]);
            assert.deepEqual(await Deno.readFile(`${host}/out.bin`), data);
            await Deno.mkdir(`${agent.dir}/sub`);
            await ok(agent, ["cp", `${host}/in.bin`, `guest:${agent.dir}/sub`]);
            assert.deepEqual(await Deno.readFile(`${agent.dir}/sub/in.bin`), data);
            await ok(agent, ["cp", `guest:${agent.dir}/sub/in.bin`, host + "/"]);
            const out = await json(agent, ["cp", `guest:${agent.dir}/empty`, `${host}/empty`]);
            assert.deepEqual(out, {
              from: `guest:${agent.dir}/empty`,
              to: `${host}/empty`,
              bytes: 0n,
            });
            assert.deepEqual(await Deno.readFile(`${host}/empty`), new Uint8Array());
          } finally {
            await Deno.remove(host, { recursive: true });
          }
        },
      );
      await t.step(
        "cp and cat report the agent's error for a missing file and exit 1",
        async () => {
          const { stderr } = await ok(agent, ["cat", `guest:${agent.dir}/none`], 1);
          assert.match(
            stderr,
            /^error: GenericError: failed to open file '.*none'.*No such file or directory\n$/,
          );
          const cp = await ok(agent, ["cp", `guest:${agent.dir}/none`, `${agent.dir}/x`], 1);
          assert.match(cp.stderr, /^error: GenericError: failed to open file/);
        },
      );
      await t.step(
        "raw prints the return value exactly, and the agent's own not-found error",
        async () => {
          const max = "9223372036854775807";
          const sync = `{"execute":"guest-sync","arguments":{"id":${max}}}`;
          assert.equal((await ok(agent, ["raw", sync])).stdout, `${max}\n`);
          assert.equal(
            (await ok(agent, ["raw", "guest-sync", `{"id": ${max}}`])).stdout,
            `${max}\n`,
          );
          const { stderr } = await ok(agent, ["raw", "guest-no-such"], 1);
          assert.equal(
            stderr,
            "error: CommandNotFound: The command guest-no-such has not been found\n",
          );
        },
      );
      await t.step("exec prints the program's output and exits with its status", async () => {
        if (!(await runsPrograms(agent))) {
          console.log(`    (${kind}: guest-exec is not permitted to run /bin/true here; skipped)`);
          return;
        }
        const echo = await ok(agent, ["exec", "--", "/bin/echo", "hi", "there"]);
        assert.equal(echo.stdout, "hi there\n");
        const sh = await ok(agent, ["exec", "/bin/sh", "-c", "echo out; echo err >&2; exit 3"], 3);
        assert.equal(sh.stdout, "out\n");
        assert.equal(sh.stderr, "err\n");
        await ok(agent, ["exec", "--", "/bin/sh", "-c", "kill -9 $$"], 137);
        const env = await ok(agent, ["exec", "--env", "A=b c", "--", "/bin/sh", "-c", 'echo "$A"']);
        assert.equal(env.stdout, "b c\n");
        const input = randomBytes(100_000);
        const cat = await ok(agent, ["exec", "--stdin", "-", "--", "/bin/cat"], 0, input);
        assert.deepEqual(cat.stdoutBytes, input);
        const status = await json(agent, ["exec", "--", "/bin/echo", "x"]) as Record<
          string,
          unknown
        >;
        assert.deepEqual(status, {
          exited: true,
          exitcode: 0n,
          "out-data": "eAo=",
          "out-truncated": false,
        });
      });
    } finally {
      await agent.stop();
    }
  };
}

Deno.test({
  name: "deno task client against qemu-ga 7.2 (host-safe subcommands)",
  ignore: !QEMU_GA_INSTALLED,
  fn: clientSteps("qemu-ga"),
});

Deno.test("deno task client against qga-deno (host-safe subcommands)", clientSteps("ours"));
