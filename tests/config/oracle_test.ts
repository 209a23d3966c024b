/**
 * `parseCommandLine()` against Debian qemu-ga 7.2: every case of `oracle_cases.ts` is compared
 * with the recording in `tests/fixtures/config/`, and, when `/usr/sbin/qemu-ga` 7.2 is
 * installed, also with the live binary (always invoked as `qemu-ga -D ...`, which is safe).
 * Those cases hand qemu-ga's own `-V` line and `-b help` list to `parseCommandLine()`; the real
 * agent's are checked separately, against values that do not come from the agent: `-b help` is
 * qemu-ga's list without `ABSENT_COMMANDS` (tests/oracle/differences.ts), `-V` a literal text.
 *
 * @module
 */

import assert from "node:assert/strict";
import { OPTION_SPEC } from "../../src/config/options.ts";
import { usageText } from "../../src/config/usage.ts";
import { agentArgv } from "../helpers/agent_process.ts";
import { runToExit } from "../helpers/proc.ts";
import { expectedCommandNames } from "../oracle/differences.ts";
import {
  normalize,
  ORACLE,
  ORACLE_CASES,
  oracleHelp,
  prepareConf,
  RECORDING,
  runOracle,
  runOurs,
  type RunResult,
} from "./oracle_cases.ts";

interface Recording {
  oracle: string;
  commandNames: string[];
  cases: Record<string, RunResult>;
}

const recording: Recording = JSON.parse(Deno.readTextFileSync(RECORDING));
const recordedHelp = Deno.readTextFileSync(
  new URL("../fixtures/config/help_7_2.txt", import.meta.url),
);
const live = await findOracle();

async function findOracle(): Promise<{ versionText: string; commandNames: string[] } | string> {
  try {
    if (!Deno.statSync(ORACLE).isFile) return `${ORACLE} is not a file`;
  } catch {
    return `${ORACLE} is not installed`;
  }
  const version = (await runOracle(["-V"], "/nonexistent/qga.conf")).stdout.trimEnd();
  if (!version.startsWith("QEMU Guest Agent 7.2.")) return `${ORACLE} is ${version}, not 7.2`;
  const names = (await runOracle(["-b", "help"], "/nonexistent/qga.conf")).stdout.trimEnd();
  return { versionText: version, commandNames: names.split("\n") };
}

function normalized(result: RunResult, dir: string): RunResult {
  return {
    code: result.code,
    stdout: normalize(result.stdout, dir),
    stderr: normalize(result.stderr, dir),
  };
}

Deno.test("qemu-ga 7.2 oracle availability is reported", () => {
  const mode = typeof live === "string"
    ? `live comparison skipped (${live}); comparing with the recording only`
    : `comparing with the recording and with live ${ORACLE} (${live.versionText})`;
  console.log(mode);
  assert.equal(Object.keys(recording.cases).length, ORACLE_CASES.length);
});

for (const [index, item] of ORACLE_CASES.entries()) {
  Deno.test(`parseCommandLine() matches qemu-ga 7.2: ${item.name}`, async () => {
    const dir = Deno.makeTempDirSync({ prefix: "qga-config-" });
    try {
      const qgaConf = prepareConf(item, dir, index);
      const expected = recording.cases[item.name];
      assert.ok(expected, `no recording for "${item.name}"; run tests/config/record_oracle.ts`);
      const ours = runOurs(item.args, qgaConf, {
        versionText: recording.oracle,
        commandNames: recording.commandNames,
      });
      assert.deepEqual(normalized(ours, dir), expected, "differs from the recording");
      if (typeof live !== "string") {
        const oracle = normalized(await runOracle(item.args, qgaConf), dir);
        const oursLive = normalized(runOurs(item.args, qgaConf, live), dir);
        assert.deepEqual(oursLive, oracle, "differs from the live oracle");
      }
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  });
}

Deno.test("usageText() names every option qemu-ga 7.2's -h names, in qga-deno's own words", async () => {
  let help72 = recordedHelp;
  if (typeof live !== "string") help72 = await oracleHelp("/nonexistent/qga.conf");
  const ours = usageText("qemu-ga", "QEMU Guest Agent 7.2.22\nqga-deno 0.1.0, profile full");
  const options72 = [...help72.matchAll(/^\s+(-[A-Za-z]), (--[a-z-]+)/gm)].map((
    m,
  ) => [m[1]!, m[2]!]);
  assert.ok(options72.length >= 13, `found only ${options72.length} options in 7.2's help`);
  for (const [short, long] of options72) {
    assert.match(ours, new RegExp(`^\\s+${short}, ${long}\\b`, "m"), `${short}, ${long} missing`);
  }
  for (const spec of OPTION_SPEC.extensionOptions ?? []) {
    assert.match(ours, new RegExp(`^\\s+--${spec.name}\\b`, "m"), `--${spec.name} missing`);
  }
  assert.doesNotMatch(ours, /Copyright|Bellard|qemu\.org/, "no copy of QEMU's text");
  assert.ok(ours.split("\n").every((line) => line.length <= 80), "fits 80 columns");
});

/** The `-V` text of qga-deno: qemu-ga 7.2's line (README: Version), then its own. */
const EXPECTED_VERSION_TEXT = "QEMU Guest Agent 7.2.22\nqga-deno 0.1.0, profile full\n";

/** Runs the real agent (`agentArgv`: as `deno task start` runs it) with `args`. */
async function runAgent(args: string[]): Promise<RunResult> {
  const env = { QGA_CONF: "/nonexistent/qga.conf" };
  const { code, stdout, stderr } = await runToExit(agentArgv(args), { env });
  return { code, stdout, stderr };
}

Deno.test("the agent's -b help lists qemu-ga 7.2's commands without the absent ones, then the added", async () => {
  const expected = expectedCommandNames(recording.commandNames);
  assert.equal(expected.length, 43);
  const lines = (names: readonly string[]) => names.map((name) => `${name}\n`).join("");
  assert.deepEqual(await runAgent(["-b", "help"]), {
    code: 0,
    stdout: lines(expected),
    stderr: "",
  });
  if (typeof live !== "string") {
    assert.equal(lines(expectedCommandNames(live.commandNames)), lines(expected));
  }
});

Deno.test("the agent's -V prints qemu-ga 7.2's version line, then qga-deno's", async () => {
  assert.equal(EXPECTED_VERSION_TEXT.split("\n")[0], recording.oracle);
  if (typeof live !== "string") {
    assert.equal(EXPECTED_VERSION_TEXT.split("\n")[0], live.versionText);
  }
  assert.deepEqual(await runAgent(["-V"]), { code: 0, stdout: EXPECTED_VERSION_TEXT, stderr: "" });
});
