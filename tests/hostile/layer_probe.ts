/**
 * A child of `beneath_test.ts` (never run in the test runner's own process): enters the sandbox
 * that `decidePolicy()` plans for the agent's own arguments — the profile's Landlock rules and
 * kept capabilities, with the runtime rules of `deno run … main.ts` plus this file — then tries
 * what a disabled command would need and prints the outcomes as JSON.
 *
 * It runs with `-A`: Deno refuses nothing, so every refusal seen here is the kernel's. Opens are
 * FFI `open`s closed at once (nothing is ever written); programs are started only with harmless
 * arguments (`--help`, `-c "exit 0"`).
 *
 * Usage: `deno run -A layer_probe.ts '<ProbeRequest JSON>'`
 *
 * @module
 */

import { livePolicyProbe } from "../../src/agent/policy_probe.ts";
import { parseProcessArgs } from "../../src/agent/run.ts";
import { enterSandbox } from "../../src/agent/sandbox.ts";
import { decidePolicy } from "../../src/policy/policy.ts";
import { runtimeFacts, runtimeRules } from "../../src/policy/runtime_rules.ts";
import { closeFd, openPath } from "../../src/sys/fd.ts";
import { OsError } from "../../src/sys/os_error.ts";
import { OpenFlags } from "../../src/sys/structs.ts";

/** What the probe is asked to try. */
export interface ProbeRequest {
  /** The agent's arguments, `--profile=NAME` first (as its start task passes them). */
  readonly agentArgs: readonly string[];
  /** Files to open (read-only, or write-only without truncation) and close again. */
  readonly opens: readonly { readonly path: string; readonly write: boolean }[];
  /** Programs to start, with harmless arguments. */
  readonly execs: readonly { readonly path: string; readonly args: readonly string[] }[];
}

/** What happened: the sandbox's state, each open's errno (or "ok"), each start's outcome. */
export interface ProbeResult {
  readonly state: string;
  readonly opens: (number | "ok")[];
  readonly execs: string[];
}

const request: ProbeRequest = JSON.parse(Deno.args[0]!);
const parsed = parseProcessArgs(request.agentArgs);
if (parsed.kind === "exit") throw new Error(`the agent's arguments: ${parsed.stderr}`);
const main = new URL("../../main.ts", import.meta.url).href;
const policy = decidePolicy(parsed.config, {
  ...livePolicyProbe,
  runtimeRules: () => [
    ...runtimeRules({ ...runtimeFacts(), mainModule: main }),
    { path: new URL(import.meta.url).pathname, rights: ["read-file"], why: "this probe" },
  ],
});
if (policy.sandbox === undefined) throw new Error(`${policy.profile.name} has no sandbox`);
const report = enterSandbox(policy.sandbox, { daemonizing: false });

const opens = request.opens.map(({ path, write }) => {
  try {
    closeFd(
      openPath(path, (write ? OpenFlags.O_WRONLY : OpenFlags.O_RDONLY) | OpenFlags.O_CLOEXEC),
    );
    return "ok" as const;
  } catch (error) {
    if (error instanceof OsError) return error.errno;
    throw error;
  }
});
const execs = request.execs.map(({ path, args }) => {
  try {
    const out = new Deno.Command(path, { args: [...args], stdout: "null", stderr: "null" })
      .outputSync();
    return `exit ${out.code}`;
  } catch (error) {
    return error instanceof Error ? error.name : String(error);
  }
});
const result: ProbeResult = { state: report.state, opens, execs };
console.log(JSON.stringify(result));
