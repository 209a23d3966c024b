/**
 * Hostile host, by the command table: what `guest-info` says of a confined agent is what really
 * works. For each profile, against the real agent under its exact flags:
 *
 * - every command's `enabled` equals "not in `--print-policy --json`'s disabled list";
 * - every enabled command that is safe on this host (effect `read`, and guest-file-* in the
 *   roots) succeeds — or fails exactly as under `full`, so the failure is the host's, not the
 *   sandbox's (a `has been disabled` never passes);
 * - every disabled command answers `Command X has been disabled` (CommandNotFound) — it is sent
 *   with an unexpected member, so even a wrongly enabled one would stop at validation and
 *   change nothing;
 * - and each would be refused by the layers beneath: Deno (the audit's checks, and the profile's
 *   own flags asked about each thing the command needs: `./deno_query.ts`), and capabilities
 *   (the running agent's `/proc/<pid>/status`: exactly the kept ones, bounding set included,
 *   no-new-privs). Landlock's part is `./beneath_test.ts`.
 *
 * No guest-changing command is ever run on this host.
 *
 * @module
 */

import assert from "node:assert/strict";
import { needsOf } from "../../src/policy/command_needs.ts";
import { DEFAULT_FSFREEZE_HOOK } from "../../src/config/config.ts";
import type { ProfileName } from "../../src/policy/profiles.ts";
import { COMMANDS } from "../../src/schema/schema.ts";
import { type CapabilityName } from "../../src/sys/capabilities.ts";
import { CapabilityNumbers } from "../../src/sys/sandbox_structs.ts";
import { agentArgv } from "../helpers/agent_process.ts";
import { runToExit } from "../helpers/proc.ts";
import { b64, disabledError, type LineClient, type Reply, returned } from "./client.ts";
import { makeScene, policyOf, type Scene, startAgent } from "./scene.ts";

const QUERY = new URL("./deno_query.ts", import.meta.url).pathname;
const IS_ROOT = Deno.uid() === 0;

/** Arguments of the enabled read commands that need some. */
const READ_ARGS: Readonly<Record<string, Record<string, unknown>>> = {
  "guest-sync-delimited": { id: 7 },
  "guest-sync": { id: 8 },
  "guest-ssh-get-authorized-keys": { username: "root" },
};

/**
 * Known differences from `full` that are the sandbox's, not the host's (reported to the lead):
 * under readonly the ruleset grants only the `~/.ssh` directories that exist at start, not the
 * home directories, so for a user without `~/.ssh` the home cannot be opened (`EACCES` where
 * qemu-ga says `ENOENT`).
 */
const KNOWN: Readonly<Record<string, RegExp>> = {
  "readonly guest-ssh-get-authorized-keys": /authorized_keys.*: Permission denied$/,
};

/** What each command needs that Deno must refuse when the command is disabled. */
function denoNeeds(name: string, scene: Scene): Deno.PermissionDescriptor[] {
  const needs = needsOf(name as never);
  const out: Deno.PermissionDescriptor[] = [
    ...(needs.programs ?? []).map((command) => ({ name: "run", command }) as const),
    ...(needs.writes ?? []).map((path) => ({ name: "write", path }) as const),
    ...(needs.hook ? [{ name: "run", command: DEFAULT_FSFREEZE_HOOK } as const] : []),
    ...(needs.homes === "write" ? [{ name: "write", path: "/root/.ssh" } as const] : []),
  ];
  const effect = COMMANDS.find((c) => c.name === name)?.effect;
  if (effect === "exec") out.push({ name: "run", command: "/bin/sh" });
  if (name === "guest-file-write" || name === "guest-file-flush") {
    out.push({ name: "write", path: scene.rw }, { name: "write", path: scene.ro });
  }
  return out;
}

/** Deno's answers under `profile`'s exact flags. */
async function askDeno(
  profile: ProfileName,
  descriptors: Deno.PermissionDescriptor[],
): Promise<string[]> {
  const argv = agentArgv([JSON.stringify(descriptors)], { profile, entry: QUERY });
  const result = await runToExit(argv, { timeoutMs: 20_000 });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

const STATUS_KEYS = ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs"] as const;
type Status = Record<typeof STATUS_KEYS[number], bigint>;

/** The capability sets and no-new-privs of process `pid`. */
function statusOf(pid: number): Status {
  const text = Deno.readTextFileSync(`/proc/${pid}/status`);
  const out = {} as Status;
  for (const key of STATUS_KEYS) {
    const value = new RegExp(`^${key}:\\s*(\\S+)$`, "m").exec(text)![1]!;
    out[key] = key === "NoNewPrivs" ? BigInt(value) : BigInt(`0x${value}`);
  }
  return out;
}

function bit(name: CapabilityName): bigint {
  return 1n << BigInt(CapabilityNumbers[name]);
}

/** Calls guest-file-* in the roots (writes only where enabled); returns each reply by command. */
async function fileCalls(
  client: LineClient,
  scene: Scene,
  enabled: ReadonlySet<string>,
): Promise<Map<string, Reply>> {
  const calls = new Map<string, Reply>();
  const call = async (name: string, args: Record<string, unknown>) => {
    const reply = await client.call(name, args);
    calls.set(name, reply);
    return reply;
  };
  const handle = returned<number>(await call("guest-file-open", { path: `${scene.ro}/file` }));
  await call("guest-file-seek", { handle, offset: 2, whence: "set" });
  assert.deepEqual(returned(await call("guest-file-read", { handle, count: 4 })), {
    count: 4,
    "buf-b64": b64("ad-o"),
    eof: false,
  });
  await call("guest-file-close", { handle });
  if (enabled.has("guest-file-write")) {
    const path = `${scene.rw}/written`;
    const w = returned<number>(await call("guest-file-open", { path, mode: "w+" }));
    await call("guest-file-write", { handle: w, "buf-b64": b64("table") });
    await call("guest-file-flush", { handle: w });
    await call("guest-file-close", { handle: w });
    assert.equal(await Deno.readTextFile(path), "table");
  }
  return calls;
}

for (const profile of ["files", "readonly"] as const satisfies readonly ProfileName[]) {
  Deno.test(`${profile}: guest-info's table is what works, and every disabled command is refused beneath`, async () => {
    await using scene = await makeScene();
    const report = await policyOf(profile, scene);
    const disabled = new Set(report.commands.filter((c) => !c.enabled).map((c) => c.name));
    await using running = await startAgent(profile, scene);
    await using full = await startAgent("full", scene, { socket: `${scene.dir}/full.sock` });
    const client = await running.connect();
    const reference = await full.connect();
    const failures: string[] = [];
    try {
      const info = returned<{ supported_commands: { name: string; enabled: boolean }[] }>(
        await client.call("guest-info"),
      );
      const table = info.supported_commands.map((c) => [c.name, c.enabled]).sort();
      assert.deepEqual(table, COMMANDS.map((c) => [c.name, !disabled.has(c.name)]).sort());
      const enabled = new Set(COMMANDS.map((c) => c.name).filter((n) => !disabled.has(n)));
      // Enabled read commands: succeed, or fail exactly as under full (the host's failure).
      for (const c of COMMANDS.filter((c) => c.effect === "read" && enabled.has(c.name))) {
        const ours = await client.call(c.name, READ_ARGS[c.name]);
        const theirs = await reference.call(c.name, READ_ARGS[c.name]);
        if ("error" in ours) {
          failures.push(`${c.name}: ${ours.error.desc}`);
          assert.equal(ours.error.class, "GenericError", c.name);
          if (KNOWN[`${profile} ${c.name}`]?.test(ours.error.desc)) continue;
          assert.deepEqual(ours, theirs, `${c.name} fails only as it does under full`);
        } else assert.ok(!("error" in theirs), `${c.name}: ${JSON.stringify(theirs)}`);
      }
      const files = await fileCalls(client, scene, enabled);
      for (const name of COMMANDS.filter((c) => c.effect === "file").map((c) => c.name)) {
        const reply = files.get(name);
        if (enabled.has(name)) {
          assert.ok(reply && !("error" in reply), `${name}: ${JSON.stringify(reply)}`);
        }
      }
      // Disabled commands: refused by the agent, never run (an unexpected member stops any).
      for (const name of disabled) {
        const reply = await client.call(name, { "qga-hostile": true });
        assert.deepEqual(reply, { error: disabledError(name) }, name);
      }
    } finally {
      client.close();
      reference.close();
    }
    if (failures.length > 0) {
      console.log(`${profile}: enabled commands that answered an error: ${failures}`);
    }

    // Beneath, Deno: every check of the audit holds, and the profile's flags refuse each
    // program, write and run a disabled command needs.
    const wrong = report.deno.filter((c) => c.granted !== (c.expected === "granted"));
    assert.deepEqual(wrong, [], "the audit's Deno checks");
    const asked = [...disabled].flatMap((name) => denoNeeds(name, scene).map((d) => ({ name, d })));
    const states = await askDeno(profile, asked.map(({ d }) => d));
    asked.forEach(({ name, d }, i) => {
      assert.notEqual(states[i], "granted", `${name}: Deno grants ${JSON.stringify(d)}`);
    });

    // Beneath, capabilities: exactly the kept ones, in every set, and no way back.
    const kept = report.capabilities.kept;
    assert.ok(kept !== "all");
    const status = statusOf(running.agent.pid);
    assert.equal(status.NoNewPrivs, 1n);
    assert.equal(status.CapAmb, 0n);
    const keptMask = kept.reduce((m, name) => m | bit(name as CapabilityName), 0n);
    if (IS_ROOT) {
      for (const key of ["CapEff", "CapPrm", "CapBnd"] as const) {
        assert.equal(status[key], keptMask, key);
      }
    }
    const mustLack: CapabilityName[] = profile === "readonly"
      ? ["CAP_SYS_TIME", "CAP_SYS_ADMIN", "CAP_SYS_BOOT"]
      : ["CAP_DAC_OVERRIDE", "CAP_CHOWN", "CAP_FOWNER"];
    for (const name of mustLack) {
      for (const key of ["CapEff", "CapPrm", "CapBnd", "CapInh"] as const) {
        assert.equal(status[key] & bit(name), 0n, `${key} lacks ${name}`);
      }
    }
    // Every disabled command is refused by at least one layer beneath the agent's table.
    for (const name of disabled) {
      const caps = (needsOf(name as never).capabilities ?? []) as CapabilityName[];
      const layers = denoNeeds(name, scene).length + (IS_ROOT ? caps.length : 0);
      for (const cap of IS_ROOT ? caps : []) {
        assert.equal(status.CapBnd & bit(cap), 0n, `${name}: ${cap}`);
      }
      assert.ok(layers > 0 || !IS_ROOT, `${name}: no layer beneath refuses it`);
    }
  });
}
