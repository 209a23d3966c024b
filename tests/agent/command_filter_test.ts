/**
 * The command filter on the real agent process (spec §2.9, §3.6): an agent started frozen
 * (`qga.state.isfrozen` in its state directory) and one started with `-b`, every command's
 * reply and `guest-info`'s `enabled` flags.
 *
 * Expected values come from qemu-ga 7.2, never from the agent's own tables: qemu-ga's freeze
 * allow-list is written out ({@linkcode QEMU_GA_FREEZE_ALLOWLIST}, spec §2.9), the command list is
 * qemu-ga's recorded one without `ABSENT_COMMANDS` (both in tests/oracle/differences.ts), and
 * `guest-info` is qemu-ga's recorded reply with the flags the filter must give. When
 * `/usr/sbin/qemu-ga` is installed it is started the same way and its own `guest-info` must turn
 * into ours too, which checks the written-out allow-list against the real thing.
 *
 * Safety: no command runs while frozen. Every command is sent with an extra member
 * `qga-probe`: a command the filter refuses answers `has been disabled`; one it lets through
 * fails argument validation — which comes after the filter (src/dispatch/dispatch.ts) — without
 * running. That is how `guest-fsfreeze-thaw` is shown to be allowed without issuing FITHAW.
 * qga-deno runs without the run permission, reads and writes only its temporary directory, and
 * both agents are ended with SIGKILL (an agent leaving while frozen would try to thaw first;
 * SIGTERM is ignored while frozen anyway). qemu-ga only ever gets `guest-info`.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  AgentProcess,
  ORACLE_PATH,
  oracleArgv,
  oursArgv,
  REPO_ROOT,
  STANDARD_RESYNC,
} from "../helpers/agent_process.ts";
import {
  ABSENT_COMMANDS,
  expectedCommandNames,
  expectedInfoReply,
  infoCommandNames,
  QEMU_GA_FREEZE_ALLOWLIST,
} from "../oracle/differences.ts";
import { loadFixture } from "../oracle/runner.ts";

/**
 * What an allowed command answers to the probe: the first argument-validation error, in
 * schema order (a missing required member before the unexpected `qga-probe`).
 */
const PROBE_VALIDATION_ERRORS: Readonly<Record<string, string>> = {
  "guest-ping": "Parameter 'qga-probe' is unexpected",
  "guest-info": "Parameter 'qga-probe' is unexpected",
  "guest-sync": "Parameter 'id' is missing",
  "guest-sync-delimited": "Parameter 'id' is missing",
  "guest-fsfreeze-status": "Parameter 'qga-probe' is unexpected",
  "guest-fsfreeze-thaw": "Parameter 'qga-probe' is unexpected",
};

const ABSENT = ABSENT_COMMANDS.flatMap((row) => row.commands);
const oracleInstalled = await Deno.stat(ORACLE_PATH).then(() => true, () => false);
const decoder = new TextDecoder();

/** qemu-ga 7.2's recorded (unfiltered, thawed) `guest-info` reply. */
async function recordedInfo(): Promise<string> {
  const reply = (await loadFixture()).cases["info/guest-info"]?.replies[0]?.reply;
  assert.ok(reply, "the oracle fixture lacks info/guest-info");
  return reply;
}

/** Sets every entry's `enabled` flag of a `guest-info` reply to `enabled(name)`. */
function withEnabled(reply: string, enabled: (name: string) => boolean): string {
  return reply.replace(
    /\{"enabled": (?:true|false), "name": "([^"\\]*)"/g,
    (_, name: string) => `{"enabled": ${enabled(name)}, "name": "${name}"`,
  );
}

/** A started agent and its temporary directory (state directory, socket, config). */
interface Started {
  agent: AgentProcess;
  dir: string;
}

/** Starts qga-deno (narrow permissions, see the module doc) or qemu-ga in a fresh directory. */
async function start(
  kind: "ours" | "oracle",
  options: { frozen?: boolean; extra?: string[] },
): Promise<Started> {
  const dir = await Deno.makeTempDir({ prefix: `qga-filter-${kind}-` });
  if (options.frozen) await Deno.writeFile(`${dir}/qga.state.isfrozen`, new Uint8Array());
  const socket = `${dir}/qga.sock`;
  const argv = kind === "oracle" ? oracleArgv(socket, dir, options.extra) : oursArgv(
    socket,
    dir,
    options.extra,
    { permissions: ["--allow-ffi", "--allow-env", `--allow-read=${dir}`, `--allow-write=${dir}`] },
  );
  try {
    const agent = await AgentProcess.start({
      argv,
      socket,
      cwd: kind === "ours" ? REPO_ROOT : dir,
      env: { QGA_CONF: `${dir}/absent.conf` },
    });
    return { agent, dir };
  } catch (error) {
    await Deno.remove(dir, { recursive: true });
    throw error;
  }
}

/** Ends an agent with SIGKILL (see the module doc) and removes its directory. */
async function kill(started: Started): Promise<void> {
  started.agent.kill("SIGKILL");
  await started.agent.stop(1000);
  await Deno.remove(started.dir, { recursive: true }).catch(() => {});
}

/** Sends requests on one connection; resolves to each reply (the resync line checked). */
async function ask(started: Started, requests: readonly string[]): Promise<string[]> {
  const client = await started.agent.connect(5000);
  try {
    const replies: string[] = [];
    for (const request of requests) {
      const { reply, resync } = await client.exchange(request);
      assert.equal(decoder.decode(resync), STANDARD_RESYNC, request);
      replies.push(decoder.decode(reply));
    }
    return replies;
  } finally {
    await client.close();
  }
}

const error = (desc: string, errorClass = "GenericError") =>
  `{"error": {"class": "${errorClass}", "desc": "${desc}"}}\n`;

/** The reply a frozen qga-deno owes the probe of `name` (see the module doc). */
function frozenProbeReply(name: string): string {
  if (ABSENT.includes(name)) {
    return error(`The command ${name} has not been found`, "CommandNotFound");
  }
  const validation = PROBE_VALIDATION_ERRORS[name];
  if (QEMU_GA_FREEZE_ALLOWLIST.has(name)) {
    assert.ok(validation, `no probe reply written for ${name}`);
    return error(validation);
  }
  return error(
    `Command ${name} has been disabled: the agent is in frozen state`,
    "CommandNotFound",
  );
}

Deno.test("a frozen agent refuses every command outside qemu-ga's allow-list and lets the list through", async () => {
  const ours = await start("ours", { frozen: true });
  try {
    const [status] = await ask(ours, ['{"execute":"guest-fsfreeze-status"}']);
    assert.equal(status, '{"return": "frozen"}\n', "the agent did not start frozen");
    // Every command qemu-ga 7.2 has, qga-deno's and the absent ones alike.
    const names = [...expectedCommandNames(), ...ABSENT];
    const probes = names.map((name) =>
      JSON.stringify({ execute: name, arguments: { "qga-probe": true } })
    );
    const replies = await ask(ours, probes);
    const wrong = names
      .map((name, i) => ({ name, expected: frozenProbeReply(name), actual: replies[i]! }))
      .filter((r) => r.actual !== r.expected);
    assert.deepEqual(wrong, [], "replies of the frozen agent");
    for (const name of QEMU_GA_FREEZE_ALLOWLIST) assert.ok(names.includes(name), name);
  } finally {
    await kill(ours);
  }
});

Deno.test("guest-info of a frozen agent enables exactly qemu-ga's allow-list", async () => {
  const expected = withEnabled(
    expectedInfoReply(await recordedInfo()),
    (name) => QEMU_GA_FREEZE_ALLOWLIST.has(name),
  );
  const ours = await start("ours", { frozen: true });
  let info: string;
  try {
    [info] = await ask(ours, ['{"execute":"guest-info"}']) as [string];
  } finally {
    await kill(ours);
  }
  assert.deepEqual(infoCommandNames(info), infoCommandNames(expected));
  assert.equal(info, expected);
  if (oracleInstalled) {
    const oracle = await start("oracle", { frozen: true });
    try {
      const [oracleInfo] = await ask(oracle, ['{"execute":"guest-info"}']) as [string];
      assert.equal(expectedInfoReply(oracleInfo), info, "differs from the frozen qemu-ga 7.2");
    } finally {
      await kill(oracle);
    }
  }
});

Deno.test("guest-info of an agent started with -b disables exactly the blocked commands", async () => {
  const blocked = ["guest-ping", "guest-file-write", "guest-fsfreeze-thaw"];
  // A name that is not a command is ignored (spec §3.6).
  const extra = ["-b", [...blocked, "guest-bogus"].join(",")];
  const expected = withEnabled(
    expectedInfoReply(await recordedInfo()),
    (name) => !blocked.includes(name),
  );
  const ours = await start("ours", { extra });
  let replies: string[];
  try {
    replies = await ask(ours, ['{"execute":"guest-info"}', '{"execute":"guest-ping"}']);
  } finally {
    await kill(ours);
  }
  assert.equal(replies[0], expected);
  assert.equal(replies[1], error("Command guest-ping has been disabled", "CommandNotFound"));
  if (oracleInstalled) {
    const oracle = await start("oracle", { extra });
    try {
      const [oracleInfo] = await ask(oracle, ['{"execute":"guest-info"}']) as [string];
      assert.equal(expectedInfoReply(oracleInfo), replies[0], "differs from qemu-ga 7.2 with -b");
    } finally {
      await kill(oracle);
    }
  }
});
