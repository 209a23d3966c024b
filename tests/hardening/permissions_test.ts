/**
 * The agent under a narrower Deno permission set than deno.json's default:
 * `deno run --allow-ffi --allow-env --allow-read=<allowed>,<readonly> --allow-write=<allowed>`.
 *
 * Every `guest-file-open` outside what the sandbox grants — in each of the 15 open modes, for an
 * existing file, a new file, a `..` path, a read-write open of a read-only directory, and paths
 * that leave the allowed directory through a symbolic link — must answer a GenericError
 * `failed to open file '<path>' (mode: '<mode>'): access denied by the agent's permissions (…)`,
 * create and change nothing, and leave the agent serving. What is granted must still work.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { QgaClient } from "../helpers/agent_process.ts";
import { startAgent, type StartedAgent } from "./helpers.ts";

const MODES = [
  "r",
  "rb",
  "r+",
  "rb+",
  "r+b",
  "w",
  "wb",
  "w+",
  "wb+",
  "w+b",
  "a",
  "ab",
  "a+",
  "ab+",
  "a+b",
];
const READ_ONLY_MODES = new Set(["r", "rb"]);
const decoder = new TextDecoder();

interface Sandbox {
  started: StartedAgent;
  client: QgaClient;
  /** Allowed read-write directory (also the state directory and the socket's). */
  allowed: string;
  /** Directory granted read-only. */
  readonly: string;
  /** Directory granted nothing. */
  outside: string;
  cleanup(): Promise<void>;
}

async function sandbox(): Promise<Sandbox> {
  const allowed = await Deno.makeTempDir({ prefix: "qga-perm-allowed-" });
  const readonly = await Deno.makeTempDir({ prefix: "qga-perm-readonly-" });
  const outside = await Deno.makeTempDir({ prefix: "qga-perm-outside-" });
  await Deno.writeTextFile(`${readonly}/file`, "read-only data\n");
  await Deno.writeTextFile(`${outside}/secret`, "secret\n");
  await Deno.symlink(`${outside}/secret`, `${allowed}/link-to-secret`);
  await Deno.symlink(outside, `${allowed}/link-to-outside`);
  const started = await startAgent({
    dir: allowed,
    permissions: [
      "--allow-ffi",
      "--allow-env",
      `--allow-read=${allowed},${readonly}`,
      `--allow-write=${allowed}`,
    ],
    // The default config file is outside the sandbox; a missing $QGA_CONF is ignored.
    env: { QGA_CONF: `${allowed}/absent.conf` },
  });
  const client = await started.agent.connect();
  return {
    started,
    client,
    allowed,
    readonly,
    outside,
    async cleanup() {
      await client.close();
      const status = await started.stop();
      for (const d of [allowed, readonly, outside]) {
        await Deno.remove(d, { recursive: true }).catch(() => {});
      }
      assert.equal(status.code, 0, `agent exit status\n${started.agent.output()}`);
    },
  };
}

async function open(client: QgaClient, path: string, mode: string): Promise<string> {
  const request = JSON.stringify({ execute: "guest-file-open", arguments: { path, mode } });
  return decoder.decode((await client.exchange(request)).reply);
}

function assertDenied(reply: string, path: string, mode: string): void {
  const prefix = `{"error": {"class": "GenericError", "desc": "failed to open file '${path}' ` +
    `(mode: '${mode}'): access denied by the agent's permissions (`;
  assert.ok(reply.startsWith(prefix), `open '${path}' (${mode}) was not denied: ${reply}`);
  assert.ok(reply.endsWith(`)"}}\n`), reply);
}

async function assertServing(client: QgaClient): Promise<void> {
  const ping = await client.exchange(`{"execute":"guest-ping"}`);
  assert.equal(decoder.decode(ping.reply), `{"return": {}}\n`);
}

async function listing(dir: string): Promise<string[]> {
  return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name).sort();
}

Deno.test("narrow permissions: every denied guest-file-open is a GenericError, nothing changes", async () => {
  const s = await sandbox();
  try {
    const outsideBefore = await listing(s.outside);
    const readonlyBefore = await listing(s.readonly);
    for (const mode of MODES) {
      assertDenied(await open(s.client, `${s.outside}/secret`, mode), `${s.outside}/secret`, mode);
      const fresh = `${s.outside}/new-${mode}`;
      assertDenied(await open(s.client, fresh, mode), fresh, mode);
      const dotdot = `${s.allowed}/../${s.outside.split("/").pop()}/secret`;
      assertDenied(await open(s.client, dotdot, mode), dotdot, mode);
      const ro = `${s.readonly}/file`;
      const reply = await open(s.client, ro, mode);
      if (READ_ONLY_MODES.has(mode)) {
        assert.match(reply, /^\{"return": \d+\}\n$/, `read-only open of ${ro} (${mode})`);
      } else {
        assertDenied(reply, ro, mode);
      }
      const missing = `${s.readonly}/new-${mode}`;
      const reply2 = await open(s.client, missing, mode);
      if (READ_ONLY_MODES.has(mode)) {
        assert.match(reply2, /: No such file or directory"\}\}\n$/, `${missing} (${mode})`);
      } else {
        assertDenied(reply2, missing, mode);
      }
      await assertServing(s.client);
    }
    assert.deepEqual(await listing(s.outside), outsideBefore, "a denied open created a file");
    assert.deepEqual(await listing(s.readonly), readonlyBefore, "a denied open created a file");
    assert.equal(await Deno.readTextFile(`${s.readonly}/file`), "read-only data\n");
    assert.equal(await Deno.readTextFile(`${s.outside}/secret`), "secret\n");

    // What is granted works: a new file in the allowed directory, written and read back.
    const h = /"return": (\d+)/.exec(await open(s.client, `${s.allowed}/ok`, "w+"))?.[1];
    assert.ok(h !== undefined, "open in the allowed directory");
    const io = await s.client.exchange(
      `{"execute":"guest-file-write","arguments":{"handle":${h},"buf-b64":"b2sK"}}` +
        `{"execute":"guest-file-close","arguments":{"handle":${h}}}`,
    );
    assert.equal(
      decoder.decode(io.reply),
      `{"return": {"count": 3, "eof": false}}\n{"return": {}}\n`,
    );
    assert.equal(await Deno.readTextFile(`${s.allowed}/ok`), "ok\n");
    // Commands that need no file permission still work in the sandbox.
    for (const command of ["guest-info", "guest-get-vcpus", "guest-network-get-interfaces"]) {
      const reply = decoder.decode((await s.client.exchange(`{"execute":"${command}"}`)).reply);
      assert.match(reply, /^\{"return": /, `${command}: ${reply.slice(0, 200)}`);
    }
  } finally {
    await s.cleanup();
  }
});

Deno.test("narrow permissions: a symbolic link in an allowed directory does not lead outside it", async () => {
  const s = await sandbox();
  const leaks: string[] = [];
  try {
    for (const mode of MODES) {
      const link = `${s.allowed}/link-to-secret`;
      const reply = await open(s.client, link, mode);
      if (!reply.includes("access denied by the agent's permissions")) {
        leaks.push(`open '${link}' → ${s.outside}/secret (${mode}): ${reply.trim()}`);
      }
      const through = `${s.allowed}/link-to-outside/new-${mode}`;
      const reply2 = await open(s.client, through, mode);
      if (!reply2.includes("access denied by the agent's permissions")) {
        leaks.push(`open '${through}' (${mode}): ${reply2.trim()}`);
      }
      await assertServing(s.client);
    }
    const created = (await listing(s.outside)).filter((n) => n !== "secret");
    assert.ok(
      leaks.length === 0,
      `${leaks.length} opens reached ${s.outside} through a symlink (created there: ` +
        `${created.join(", ") || "nothing"}):\n${leaks.join("\n")}`,
    );
  } finally {
    await s.cleanup();
  }
});
