/**
 * Records the oracle table: runs every case of `cases.ts` against Debian's qemu-ga 7.2 and
 * writes `tests/fixtures/oracle/replies.json`.
 *
 * Usage: `deno run -A tests/oracle/record.ts [--only=SUBSTRING]`. With `--only`, just the
 * matching cases are re-recorded and merged into the existing file.
 *
 * Groups share one oracle process (fresh temporary directory) except `file` cases, which each
 * get their own, so handle numbers always start at 1000. Recording twice gives the same file.
 *
 * @module
 */

import {
  describePayload,
  GROUPS,
  ORACLE_CASES,
  type OracleCase,
  stepObject,
  syncedSteps,
  unsafeRequest,
} from "./cases.ts";
import {
  AgentSession,
  type CaseRecord,
  type Fixture,
  FIXTURE_URL,
  loadFixture,
  needsFreshAgent,
  stringifyFixture,
} from "./runner.ts";
import { ORACLE_PATH } from "../helpers/agent_process.ts";

/** The `format` notes written into the fixture. */
export const FORMAT_NOTES: readonly string[] = [
  "Strings are byte strings: each code unit (written \\u00XX above 0x7E) is one byte.",
  "replies[i] is what the agent wrote for synced step i, cut out with the marker technique " +
  "(0xFF + guest-sync-delimited after each step); the final error reply to the marker's " +
  "0xFF is dropped when it is the standard stray '\\uFFFD' line, else kept as 'resync'.",
  "@DIR@ = the per-session temporary files directory, in requests and replies.",
  "Normalised: guest-get-time value -> @TIME@000; guest-network-get-interfaces rx-*/tx-* " +
  "counters -> @N@. Replies above 256 KiB are stored as length + sha256 + head/tail.",
  "Handles start at 1000: every file case runs on a fresh agent and state directory; " +
  "other groups share one agent per group.",
  "Machine-dependent cases (vcpus, interfaces) are re-run on the live oracle by the " +
  "differential test when it is installed.",
  "guest-info is recorded verbatim (version 7.2.22, 7.2's full command list).",
];

async function oracleVersion(): Promise<string> {
  const out = await new Deno.Command(ORACLE_PATH, { args: ["-V"], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).trim();
}

/**
 * Refuses to send a dangerous command outside the `validation` group, but for harmless
 * guest-exec cases (see `unsafeRequest` in cases.ts).
 */
function assertSafe(c: OracleCase): void {
  for (const step of c.steps.map(stepObject)) {
    if (!("send" in step)) continue;
    const reason = unsafeRequest(c.group, describePayload(step.send));
    if (reason) throw new Error(`Refusing to send a request of ${c.name}: ${reason}`);
  }
}

function openOracle(): Promise<AgentSession> {
  return AgentSession.open("oracle");
}

/** Records one case into `records`, on the shared oracle or (file cases) on a fresh one. */
async function recordCase(
  c: OracleCase,
  records: Record<string, CaseRecord>,
  shared: () => Promise<AgentSession>,
): Promise<void> {
  const started = Date.now();
  const fresh = needsFreshAgent(c);
  const session = fresh ? await openOracle() : await shared();
  try {
    const replies = await session.record(c);
    if (replies.length !== syncedSteps(c)) throw new Error(`Step count mismatch in ${c.name}`);
    records[c.name] = {
      requests: c.steps.map(stepObject).map((s) =>
        "reconnect" in s
          ? "<reconnect>"
          : describePayload(s.send) + (s.sync === false ? "<no marker>" : "")
      ),
      replies,
    };
  } catch (error) {
    throw new Error(`Case ${c.name} failed: ${error}\n${session.output()}`);
  } finally {
    if (fresh) await session.close();
  }
  const ms = Date.now() - started;
  if (ms > 1000) console.error(`${c.name}: ${ms} ms`);
}

async function main(): Promise<void> {
  const only = Deno.args.find((a) => a.startsWith("--only="))?.slice("--only=".length);
  const selected = ORACLE_CASES.filter((c) => only === undefined || c.name.includes(only));
  selected.forEach(assertSafe);
  const previous: Fixture | undefined = only === undefined ? undefined : await loadFixture();
  const records: Record<string, CaseRecord> = { ...previous?.cases };
  for (const group of GROUPS) {
    const inGroup = selected.filter((c) => c.group === group);
    let shared: Promise<AgentSession> | undefined;
    try {
      for (const c of inGroup) await recordCase(c, records, () => shared ??= openOracle());
    } finally {
      await (await shared)?.close();
    }
  }
  const order = new Map(ORACLE_CASES.map((c, i) => [c.name, i]));
  const cases = Object.fromEntries(
    Object.entries(records)
      .filter(([name]) => order.has(name))
      .sort(([a], [b]) => order.get(a)! - order.get(b)!),
  );
  const fixture: Fixture = { oracle: await oracleVersion(), format: [...FORMAT_NOTES], cases };
  await Deno.mkdir(new URL(".", FIXTURE_URL), { recursive: true });
  await Deno.writeTextFile(FIXTURE_URL, stringifyFixture(fixture));
  console.log(
    `recorded ${selected.length} of ${ORACLE_CASES.length} cases from ${fixture.oracle} ` +
      `into ${FIXTURE_URL.pathname}`,
  );
}

if (import.meta.main) await main();
