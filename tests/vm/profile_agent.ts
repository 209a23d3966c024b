/**
 * The agent under test run under a confined profile in the guest (`checks_profiles.ts`): started
 * with the exact `deno run` flags, module and baked arguments of deno.json's `start:files` /
 * `start:readonly` task (read on the host, as `tests/helpers/agent_process.ts` reads them), the
 * way `guest/start_agent.sh` starts the default one; and what the checks read back from it —
 * its command line, its capability sets and no-new-privileges flag from `/proc/<pid>/status`,
 * its command table from `guest-info`.
 *
 * @module
 */

import { type StartTask, startTaskRun } from "../helpers/agent_process.ts";
import type { ProfileName } from "../../src/config/profile_name.ts";
import { keptCapabilities } from "../../src/policy/sandbox_plan.ts";
import type { CommandName } from "../../src/schema/schema.ts";
import { CapabilityNumbers } from "../../src/sys/sandbox_structs.ts";
import { agentCommandLine, restartAgent, START_DEFAULT } from "./agent_restart.ts";
import { type Check, type CheckContext, expect, expectEqual } from "./check_kit.ts";
import { differential, normaliseNetstats } from "./checks.ts";

/** The symbolic link `$QGA_OS_RELEASE` names for the files profile's agent (retargeted by a check). */
export const OS_RELEASE_LINK = "/tmp/qga-os-release";

/** Why the profile checks do not apply to qemu-ga. */
export function skipUnlessOurs(ctx: CheckContext): string | undefined {
  return ctx.kind === "deno"
    ? undefined
    : "the profiles are qga-deno's: qemu-ga 7.2 has none (QGA_VM_AGENT=qemu-ga)";
}

/** `text` quoted for the guest's sh. */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** The start task of `profile` as deno.json has it. */
export function startTask(profile: ProfileName): StartTask {
  return startTaskRun(profile);
}

/**
 * The guest command that starts the agent under test as `deno task start:<profile>` would (its
 * flags, module and baked arguments), with `env` added to its environment.
 */
export function startCommand(profile: ProfileName, env: Record<string, string> = {}): string {
  const { flags, entry, args } = startTask(profile);
  const words = [...flags, entry, ...args].map(shellQuote).join(" ");
  const vars = Object.entries(env).map(([k, v]) => `${k}=${shellQuote(v)} `).join("");
  return `${vars}/etc/vm/start_agent.sh test deno ${words}`;
}

/** The environment each profile's agent is started with. */
const PROFILE_ENV: Readonly<Record<ProfileName, Record<string, string>>> = {
  full: {},
  // One name the os-release check can point inside and outside the ruleset without a restart.
  files: { QGA_OS_RELEASE: OS_RELEASE_LINK },
  readonly: {},
};

/** The `--profile=` argument of the running agent (undefined: none, i.e. `full`). */
export async function runningProfile(ctx: CheckContext): Promise<string | undefined> {
  const args = await agentCommandLine(ctx.shell);
  if (args.length === 0) return "(not running)";
  return args.find((a) => a.startsWith("--profile="))?.slice("--profile=".length);
}

/**
 * Makes sure the agent under test runs under `profile` (the default start for `full`),
 * restarting it when another one runs (after a failed check the suite may have restarted the
 * default agent). Restores {@link OS_RELEASE_LINK} to `/etc/os-release` first.
 *
 * @returns True when it (re)started the agent.
 */
export async function ensureProfile(ctx: CheckContext, profile: ProfileName): Promise<boolean> {
  await ctx.shell.check(`ln -sfn /etc/os-release ${OS_RELEASE_LINK}`);
  const running = await runningProfile(ctx);
  if ((running ?? "full") === profile) return false;
  await restartAgent(
    ctx,
    profile === "full" ? START_DEFAULT : startCommand(profile, PROFILE_ENV[profile]),
  );
  return true;
}

/** A check of `base` (a main-suite check) run again under `profile`, named after it. */
export function underProfile(profile: ProfileName, base: Check): Check {
  return {
    name: `profile ${profile}: ${base.name}`,
    timeoutMs: (base.timeoutMs ?? 60_000) + 60_000,
    skip: skipUnlessOurs,
    async run(ctx) {
      await ensureProfile(ctx, profile);
      await base.run(ctx);
    },
  };
}

/** Checks that the agent under test runs as `deno task start:<profile>` would run it. */
export async function expectStartedAs(ctx: CheckContext, profile: ProfileName): Promise<void> {
  const { flags, entry, args } = startTask(profile);
  expectEqual(
    await agentCommandLine(ctx.shell),
    ["/usr/bin/deno", "run", ...flags, entry, ...args],
    "the agent's argv",
  );
}

/** The commands `guest-info` lists, with `enabled`. */
export async function commandTable(ctx: CheckContext): Promise<Map<string, boolean>> {
  const info = await ctx.agent.execute("guest-info") as {
    supported_commands: { name: string; enabled: boolean }[];
  };
  return new Map(info.supported_commands.map((c) => [c.name, c.enabled]));
}

/** The sorted names of the disabled commands of a table. */
export function disabledIn(table: ReadonlyMap<string, boolean>): string[] {
  return [...table].filter(([, enabled]) => !enabled).map(([name]) => name).sort();
}

/** The fields of the agent's `/proc/<pid>/status` (as text). */
export async function agentStatus(ctx: CheckContext): Promise<Map<string, string>> {
  const text = await ctx.shell.check("cat /proc/$(cat /run/agent-test.pid)/status");
  const fields = new Map<string, string>();
  for (const line of text.split("\n")) {
    const colon = line.indexOf(":");
    if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trim());
  }
  return fields;
}

/** A capability set as `/proc/<pid>/status` prints it (16 hex digits). */
export function capabilityMask(names: readonly string[]): string {
  let mask = 0n;
  for (const name of names) {
    mask |= 1n << BigInt(CapabilityNumbers[name as keyof typeof CapabilityNumbers]);
  }
  return mask.toString(16).padStart(16, "0");
}

/**
 * Checks the running agent's process: no-new-privileges set, and its bounding, effective and
 * permitted sets exactly the capabilities the commands `guest-info` shows enabled need
 * (`keptCapabilities`, the policy's own rule applied to the agent's answer).
 *
 * @returns The kept capabilities' names.
 */
export async function expectConfinedProcess(
  ctx: CheckContext,
  table: ReadonlyMap<string, boolean>,
): Promise<string[]> {
  const enabled = new Set(
    [...table].filter(([, on]) => on).map(([name]) => name as CommandName),
  );
  const kept = keptCapabilities(enabled);
  const status = await agentStatus(ctx);
  const mask = capabilityMask(kept);
  expectEqual(
    ["NoNewPrivs", "CapBnd", "CapEff", "CapPrm", "CapAmb"].map((f) => status.get(f)),
    ["1", mask, mask, mask, capabilityMask([])],
    `NoNewPrivs, CapBnd, CapEff, CapPrm, CapAmb of the agent (kept: ${kept.join(" ")})`,
  );
  return kept;
}

/** guest-file-open's error for `path` in `mode` (the check fails when it opens). */
export async function openRefusal(ctx: CheckContext, path: string, mode: string): Promise<string> {
  const reply = await ctx.agent.request("guest-file-open", JSON.stringify({ path, mode }));
  const error = reply.value?.error as { desc?: string } | undefined;
  if (error?.desc === undefined) {
    const handle = (reply.value?.return as number | undefined) ?? -1;
    await ctx.agent.execute("guest-file-close", { handle }).catch(() => {});
    throw new Error(`guest-file-open ${path} (${mode}) opened: ${reply.text}`);
  }
  return error.desc;
}

const READ_COMMANDS: [string, ((t: string) => string)?][] = [
  ["guest-get-fsinfo"],
  ["guest-get-disks"],
  ["guest-get-users"],
  ["guest-get-osinfo"],
  ["guest-get-timezone"],
  ["guest-network-get-interfaces", normaliseNetstats],
];

/** The read commands compared byte for byte with the reference qemu-ga, under `profile`. */
export function readDifferential(profile: "files" | "readonly"): Check {
  return {
    name: `profile ${profile}: ${READ_COMMANDS.map(([c]) => c.slice(6)).join(", ")} as qemu-ga`,
    timeoutMs: 120_000,
    skip: skipUnlessOurs,
    async run(ctx) {
      await ensureProfile(ctx, profile);
      const diffs: string[] = [];
      for (const [command, normalise] of READ_COMMANDS) {
        const d = await differential(ctx, `{"execute":"${command}"}\n`, normalise);
        if (d) diffs.push(d);
      }
      expect(diffs.length === 0, diffs.join("\n"));
    },
  };
}
