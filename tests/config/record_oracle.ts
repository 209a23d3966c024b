/**
 * Records Debian qemu-ga 7.2's behaviour for the cases in `oracle_cases.ts` into
 * `tests/fixtures/config/` (run by hand: `deno run -A tests/config/record_oracle.ts`).
 *
 * Only safe invocations are made: `-D` first for every case, plus `-V`, `-h` and `-b help`.
 *
 * @module
 */

import {
  normalize,
  ORACLE_CASES,
  oracleHelp,
  prepareConf,
  RECORDING,
  runOracle,
} from "./oracle_cases.ts";

const dir = Deno.makeTempDirSync({ prefix: "qga-oracle-" });
try {
  const missing = `${dir}/none.conf`;
  const version = (await runOracle(["-V"], missing)).stdout.trimEnd();
  const commandNames = (await runOracle(["-b", "help"], missing)).stdout.trimEnd().split("\n");
  const help = await oracleHelp(missing);
  const cases: Record<string, unknown> = {};
  for (const [index, item] of ORACLE_CASES.entries()) {
    const result = await runOracle(item.args, prepareConf(item, dir, index));
    cases[item.name] = {
      code: result.code,
      stdout: normalize(result.stdout, dir),
      stderr: normalize(result.stderr, dir),
    };
  }
  Deno.writeTextFileSync(
    RECORDING,
    JSON.stringify({ oracle: version, commandNames, cases }, null, 2) + "\n",
  );
  Deno.writeTextFileSync(new URL("../fixtures/config/help_7_2.txt", import.meta.url), help);
  console.log(`recorded ${ORACLE_CASES.length} cases from ${version}`);
} finally {
  Deno.removeSync(dir, { recursive: true });
}
