/**
 * A test entry (child processes only): the real agent (`runAgent`), entered first into the
 * sandbox with exactly the runtime's rules for `deno run … main.ts`
 * (`src/policy/runtime_rules.ts`), this file, and the rules of its first argument (JSON) — what
 * the confined profiles add for the channel and the state directory. The other arguments are the
 * agent's. Proves the runtime rules are enough for the agent to start again and serve.
 *
 * @module
 */

import { runAgent } from "../../src/agent/run.ts";
import { enterSandbox } from "../../src/agent/sandbox.ts";
import { runtimeFacts, runtimeRules } from "../../src/policy/runtime_rules.ts";
import type { LandlockRule } from "../../src/sys/landlock.ts";

const [rulesJson, ...agentArgs] = Deno.args;
const facts = { ...runtimeFacts(), mainModule: new URL("../../main.ts", import.meta.url).href };
const rules: LandlockRule[] = [
  ...runtimeRules(facts),
  { path: new URL(import.meta.url).pathname, rights: ["read-file"] },
  ...JSON.parse(rulesJson!),
];
const report = enterSandbox(
  { rules, keepCapabilities: [], denyTcp: true },
  { daemonizing: agentArgs.includes("-d") },
);
if (report.state !== "launcher" && report.state !== "confined") {
  console.error(`not confined: ${report.state}`);
  Deno.exit(70);
}
Deno.exit(await runAgent(agentArgs));
