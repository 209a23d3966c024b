/**
 * Differential test: runs every case of `cases.ts` against qga-deno (`oursArgv`: run as `deno
 * task start` runs it, `-m unix-listen ...`) and compares the reply bytes with the recording of
 * Debian's qemu-ga 7.2 in `tests/fixtures/oracle/replies.json`, after the normalisations
 * documented in `runner.ts` and `differences.ts`. `guest-info` is compared in full: qemu-ga's
 * recorded reply without the commands of `ABSENT_COMMANDS` must be what qga-deno sends, byte for
 * byte.
 *
 * Environment:
 * - `QGA_DIFF_AGENT=oracle` runs the oracle itself as the tested agent (checks the harness:
 *   must pass 100%, repeatedly);
 * - `QGA_ORACLE_SKIP_SLOW=1` skips the cases that send tens of MiB;
 * - `QGA_DIFF_ONLY=substring` runs only the matching cases.
 *
 * Machine-dependent cases (vcpus, interfaces) are compared with a live oracle run when
 * `/usr/sbin/qemu-ga` exists, else with the recording. If the tested agent cannot start, the
 * group fails with the agent's output (it is never skipped).
 *
 * @module
 */

import { ORACLE_PATH, STANDARD_RESYNC } from "../helpers/agent_process.ts";
import { GROUPS, ORACLE_CASES, type OracleCase, stepObject } from "./cases.ts";
import {
  applyIntentionalDifferences,
  expectedInfoReply,
  expectUnregistered,
  infoCommandNames,
} from "./differences.ts";
import {
  type AgentKind,
  AgentSession,
  loadFixture,
  needsFreshAgent,
  type StepRecord,
} from "./runner.ts";

const KIND: AgentKind = Deno.env.get("QGA_DIFF_AGENT") === "oracle" ? "oracle" : "ours";
const SKIP_SLOW = Deno.env.get("QGA_ORACLE_SKIP_SLOW") === "1";
const ONLY = Deno.env.get("QGA_DIFF_ONLY");
const fixture = await loadFixture();
const oracleInstalled = await Deno.stat(ORACLE_PATH).then(() => true, () => false);

/** Shows a byte string as a JSON string literal, bytes above 0x7E as `\u00XX`. */
function show(s: string | undefined, around?: number): string {
  if (s === undefined) return "(absent)";
  let part = s;
  let prefix = "";
  let suffix = "";
  if (s.length > 1000) {
    const from = Math.max(0, (around ?? 0) - 300);
    part = s.slice(from, from + 700);
    if (from > 0) prefix = `(${from} bytes)...`;
    if (from + 700 < s.length) suffix = `...(${s.length - from - 700} more bytes)`;
  }
  const text = JSON.stringify(part).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
  return prefix + text + suffix;
}

/** For two differing `guest-info` replies, the commands only one of them lists. */
function infoListDifference(expected: string, actual: string): string {
  const e = infoCommandNames(expected);
  const a = infoCommandNames(actual);
  if (!e || !a) return "";
  const missing = e.filter((name) => !a.includes(name));
  const extra = a.filter((name) => !e.includes(name));
  if (missing.length === 0 && extra.length === 0) return "";
  return `\n  guest-info lacks: ${missing.join(", ") || "-"}; lists beyond the expected: ` +
    `${extra.join(", ") || "-"} (see ABSENT_COMMANDS in tests/oracle/differences.ts)`;
}

/** Compares one step; returns a description of the difference, or undefined if equal. */
function compareStep(
  c: OracleCase,
  recorded: StepRecord,
  actual: StepRecord,
  request: string | undefined,
): string | undefined {
  const problems: string[] = [];
  if (recorded.reply !== undefined) {
    let expected = recorded.reply;
    const got = actual.reply ?? `<${actual.length} bytes, sha256 ${actual.sha256}>`;
    if (KIND === "ours") {
      expected = applyIntentionalDifferences(c.name, expected);
      expected = expectUnregistered(request, expected);
      expected = expectedInfoReply(expected);
    }
    if (expected !== got) {
      let at = 0;
      while (at < expected.length && expected[at] === got[at]) at++;
      problems.push(
        `reply differs at byte ${at}\n  expected: ${show(expected, at)}\n` +
          `  actual:   ${show(got, at)}${infoListDifference(expected, got)}`,
      );
    }
  } else if (recorded.sha256 !== actual.sha256 || recorded.length !== actual.length) {
    problems.push(
      `large reply differs: expected ${recorded.length} bytes sha256 ${recorded.sha256}, got ` +
        `${actual.length ?? actual.reply?.length} bytes sha256 ${actual.sha256}\n` +
        `  expected head: ${show(recorded.head)}\n  actual head:   ` +
        `${show(actual.head ?? actual.reply?.slice(0, 200))}\n  expected tail: ` +
        `${show(recorded.tail)}\n  actual tail:   ${
          show(actual.tail ?? actual.reply?.slice(-200))
        }`,
    );
  }
  const expectedResync = recorded.resync ?? STANDARD_RESYNC;
  const actualResync = actual.resync ?? STANDARD_RESYNC;
  if (expectedResync !== actualResync) {
    problems.push(
      `reply to the marker's 0xFF differs\n  expected: ${show(expectedResync)}\n` +
        `  actual:   ${show(actualResync)}`,
    );
  }
  return problems.length ? problems.join("\n") : undefined;
}

/** Compares a whole case; throws with every differing step. */
function compareCase(c: OracleCase, recorded: StepRecord[], actual: StepRecord[]): void {
  const requests = c.steps.map(stepObject).filter((s) => "send" in s && s.sync !== false);
  const failures: string[] = [];
  if (recorded.length !== actual.length) {
    failures.push(`expected ${recorded.length} step replies, got ${actual.length}`);
  }
  for (let i = 0; i < Math.min(recorded.length, actual.length); i++) {
    const step = requests[i];
    const sent = step && "send" in step && typeof step.send === "string" ? step.send : undefined;
    const problem = compareStep(c, recorded[i]!, actual[i]!, sent);
    if (problem === undefined) continue;
    const request = step && "send" in step && typeof step.send === "string"
      ? show(step.send)
      : "(generated)";
    failures.push(`step ${i}: request ${request}\n${problem}`);
  }
  if (failures.length) {
    throw new Error(`${KIND} differs from qemu-ga 7.2 in ${c.name}:\n${failures.join("\n")}`);
  }
}

/** Records machine-dependent cases on the live oracle. */
async function liveOracle(cases: readonly OracleCase[]): Promise<Map<string, StepRecord[]>> {
  const live = new Map<string, StepRecord[]>();
  const wanted = cases.filter((c) => c.machineDependent);
  if (KIND === "oracle" || !oracleInstalled || wanted.length === 0) return live;
  const session = await AgentSession.open("oracle");
  try {
    for (const c of wanted) live.set(c.name, await session.record(c));
  } finally {
    await session.close();
  }
  return live;
}

for (const group of GROUPS) {
  const cases = ORACLE_CASES.filter((c) =>
    c.group === group && (ONLY === undefined || c.name.includes(ONLY))
  );
  if (cases.length === 0) continue;
  Deno.test(`differential ${group}: ${KIND} replies like qemu-ga 7.2`, async (t) => {
    const live = await liveOracle(cases);
    let shared: AgentSession | undefined;
    let startFailure: unknown;
    const open = async (): Promise<AgentSession> => {
      if (startFailure) throw startFailure;
      try {
        return await AgentSession.open(KIND);
      } catch (error) {
        startFailure = new Error(`Cannot start the ${KIND} agent, aborting group ${group}`, {
          cause: error,
        });
        throw startFailure;
      }
    };
    try {
      for (const c of cases) {
        if (startFailure) break;
        if (c.slow && SKIP_SLOW) {
          await t.step({ name: c.name, ignore: true, fn: () => {} });
          continue;
        }
        await t.step(c.name, async () => {
          const recorded = live.get(c.name) ?? fixture.cases[c.name]?.replies;
          if (!recorded) {
            throw new Error(`No recording of ${c.name}: run deno run -A tests/oracle/record.ts`);
          }
          const fresh = needsFreshAgent(c);
          const session = fresh ? await open() : (shared ??= await open());
          let actual: StepRecord[];
          try {
            actual = await session.record(c);
          } catch (error) {
            // The agent hung or died: report it with its output and start over next case.
            const output = session.output();
            if (session === shared) shared = undefined;
            await session.close().catch(() => {});
            throw new Error(`${c.name}: ${error}\n${output}`, { cause: error });
          } finally {
            if (fresh && session !== shared) await session.close().catch(() => {});
          }
          compareCase(c, recorded, actual);
        });
      }
    } finally {
      await shared?.close();
    }
    if (startFailure) throw startFailure;
  });
}
