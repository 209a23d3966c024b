/**
 * `deno task bench`: qga-deno against Debian's qemu-ga 7.2, same options, unix sockets, one
 * blocking client, alternating between the two agents; prints a markdown table on stdout
 * (progress on stderr).
 *
 * Usage: `deno run -A bench/run.ts [--quick] [--out FILE] [--deno-flag FLAG]... [--entry FILE]`
 *
 * - `--quick`: fewer iterations (a smoke run, under a minute).
 * - `--out FILE`: also write the report to FILE.
 * qga-deno runs as it ships: `deno task bundle` (dist/qga-deno.js, the module build.sh compiles)
 * under `deno run` with the flags of `deno task start` (its permission set and the V8 flags
 * build.sh bakes in).
 *
 * - `--deno-flag FLAG` (repeatable): an extra `deno run` flag for qga-deno.
 * - `--entry FILE`: run qga-deno from FILE instead of the bundle (e.g. `--entry main.ts`).
 * - `--vm`: the same comparison over the real channel, in the VM suite's guest (`vm/run.ts`;
 *   also `deno task bench:vm`).
 *
 * Both hold the machine-wide VM lock (`withVmLock` of tests/vm/util.ts) while they measure.
 *
 * `-A` is required: Deno refuses `/proc/<pid>/status` to anything narrower, and the client
 * uses libc through FFI.
 *
 * @module
 */

import { agentArgv, REPO_ROOT } from "../tests/helpers/agent_process.ts";
import { oursRun, QEMU_GA } from "./agents.ts";
import { describeMachine, renderReport } from "./report.ts";
import { FULL_PLAN, QUICK_PLAN } from "./plan.ts";
import { runSuite } from "./suite.ts";
import { vmMain } from "./vm/run.ts";
import { parseBenchArgs, progress } from "./_util.ts";
import { withVmLock } from "../tests/vm/util.ts";

const USAGE =
  "Usage: deno run -A bench/run.ts [--vm] [--quick] [--out FILE] [--deno-flag FLAG]... [--entry FILE]";

/**
 * Runs the benchmark and prints the report.
 *
 * @param args Command-line arguments.
 * @returns The exit status.
 */
export async function main(args: string[]): Promise<number> {
  if (args.includes("--vm")) return await vmMain(args.filter((arg) => arg !== "--vm"));
  const values = parseBenchArgs(args, USAGE);
  if (typeof values === "number") return values;
  try {
    await Deno.stat(QEMU_GA);
  } catch {
    console.error(
      `Cannot run the benchmark: ${QEMU_GA} is missing (apt-get install qemu-guest-agent)`,
    );
    return 1;
  }
  oursRun.denoFlags = values["deno-flag"] ?? [];
  if (values.entry) {
    oursRun.entry = await Deno.realPath(values.entry);
  } else {
    // As it ships: build.sh compiles this same bundle with these same flags.
    const bundled = await new Deno.Command(Deno.execPath(), {
      args: ["task", "-q", "bundle"],
      cwd: REPO_ROOT,
      stdout: "inherit",
      stderr: "inherit",
    }).output();
    if (!bundled.success) {
      console.error("Cannot run the benchmark: deno task bundle failed");
      return 1;
    }
    oursRun.entry = `${REPO_ROOT}/dist/qga-deno.js`;
  }
  const machine = await describeMachine(QEMU_GA);
  const dir = await Deno.makeTempDir({ prefix: "qga-bench-" });
  const t0 = performance.now();
  try {
    const [, ...run] = agentArgv([], oursRun);
    const variant = run.map((word) => word.replace(/^\/.*\//, "")).join(" ");
    const mode = `${values.quick ? "quick" : "full"}; qga-deno: deno ${variant}`;
    const plan = values.quick ? QUICK_PLAN : FULL_PLAN;
    // A quiet machine: no VM suite or other benchmark at the same time.
    const result = await withVmLock(progress, () => runSuite(plan, dir));
    const report = renderReport(machine, {
      ...result,
      seconds: (performance.now() - t0) / 1000,
      mode,
    });
    console.log(report);
    if (values.out) await Deno.writeTextFile(values.out, report);
    return 0;
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}
