/**
 * The agent's own files do not depend on Deno's read/write grant (issue 11: in the confined
 * profiles that grant is only the file roots). Started with `--allow-read` and `--allow-write`
 * naming only its state directory — no read of `/etc`, nothing outside — qga-deno starts, keeps
 * its handle counter across restarts, appends to a `-l` log file outside the grant, and treats a
 * missing config file outside the grant (the default `/etc/qemu/qemu-ga.conf`, or `$QGA_CONF`) as
 * absent, as qemu-ga does. Before the state file, log file and config went through libc, each of
 * these was fatal under such a grant.
 *
 * @module
 */

import assert from "node:assert/strict";
import { startOurs } from "../helpers/agent_process.ts";
import { LOG_LINE } from "../helpers/proc.ts";

const DEFAULT_CONFIG = "/etc/qemu/qemu-ga.conf";
const decoder = new TextDecoder();

/** Deno permission flags granting read and write of `dir` only (plus FFI and the environment). */
function onlyDir(dir: string): string[] {
  return ["--allow-ffi", "--allow-env", `--allow-read=${dir}`, `--allow-write=${dir}`];
}

/** Starts the agent under {@link onlyDir}, opens one file for writing, and stops it again. */
async function openOneFile(
  state: string,
  logfile: string,
  env: Record<string, string>,
): Promise<string> {
  const agent = await startOurs(`${state}/qga.sock`, state, ["-l", logfile, "-v"], {
    permissions: onlyDir(state),
    env,
  });
  let reply: string;
  try {
    const client = await agent.connect();
    const open = JSON.stringify({
      execute: "guest-file-open",
      arguments: { path: `${state}/data`, mode: "w" },
    });
    reply = decoder.decode((await client.exchange(open)).reply);
    const handle = /^\{"return": (\d+)\}\n$/.exec(reply)?.[1];
    if (handle !== undefined) {
      const close = `{"execute":"guest-file-close","arguments":{"handle":${handle}}}`;
      assert.equal(decoder.decode((await client.exchange(close)).reply), `{"return": {}}\n`);
    }
    await client.close();
  } finally {
    const status = await agent.stop();
    assert.equal(status.code, 0, agent.output());
  }
  return reply;
}

/** Runs two agents one after the other on the same state directory and checks what they left. */
async function assertRunsUnderNarrowGrant(env: Record<string, string>): Promise<void> {
  const state = await Deno.makeTempDir({ prefix: "qga-narrow-state-" });
  const outside = await Deno.makeTempDir({ prefix: "qga-narrow-outside-" });
  const logfile = `${outside}/qga.log`;
  try {
    assert.equal(await openOneFile(state, logfile, env), `{"return": 1000}\n`);
    assert.equal(await openOneFile(state, logfile, env), `{"return": 1001}\n`);
    assert.equal(await Deno.readTextFile(`${state}/qga.state`), "[global]\nfd_counter=1002\n");
    const lines = (await Deno.readTextFile(logfile)).trimEnd().split("\n");
    for (const line of lines) assert.match(line, LOG_LINE);
    const quits = lines.filter((l) => l.endsWith("debug: received signal num 15, quitting"));
    assert.equal(quits.length, 2, "both runs appended to the log outside the grant");
  } finally {
    for (const dir of [state, outside]) await Deno.remove(dir, { recursive: true });
  }
}

const defaultConfigMissing = await Deno.lstat(DEFAULT_CONFIG).then(() => false, () => true);

Deno.test({
  name:
    "under a grant of only the state dir, a missing default config is absent; counter and -l work",
  ignore: !defaultConfigMissing || Deno.env.get("QGA_CONF") !== undefined,
  fn: () => assertRunsUnderNarrowGrant({}),
});

Deno.test("under a grant of only the state dir, a missing $QGA_CONF outside the grant is absent", async () => {
  const outside = await Deno.makeTempDir({ prefix: "qga-narrow-conf-" });
  try {
    await assertRunsUnderNarrowGrant({ QGA_CONF: `${outside}/absent/qemu-ga.conf` });
  } finally {
    await Deno.remove(outside, { recursive: true });
  }
});

Deno.test("under a grant of only the state dir, a config file outside the grant is read", async () => {
  const state = await Deno.makeTempDir({ prefix: "qga-narrow-state-" });
  const outside = await Deno.makeTempDir({ prefix: "qga-narrow-conf-" });
  try {
    const conf = `${outside}/qemu-ga.conf`;
    await Deno.writeTextFile(conf, "[general]\nblock-rpcs=guest-info\n");
    const agent = await startOurs(`${state}/qga.sock`, state, [], {
      permissions: onlyDir(state),
      env: { QGA_CONF: conf },
    });
    try {
      const client = await agent.connect();
      const { reply } = await client.exchange(`{"execute":"guest-info"}`);
      assert.equal(
        decoder.decode(reply),
        `{"error": {"class": "CommandNotFound", "desc": "Command guest-info has been disabled"}}\n`,
      );
      await client.close();
    } finally {
      assert.equal((await agent.stop()).code, 0, agent.output());
    }
  } finally {
    for (const dir of [state, outside]) await Deno.remove(dir, { recursive: true });
  }
});
