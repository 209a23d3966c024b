/**
 * Runs the VM suite: `deno run -A tests/vm/run.ts [--arch x86_64|aarch64]`.
 *
 * Builds what is missing (host packages via apt-get, the Debian kernel, the initramfs, all
 * cached in `.cache/vm/`), boots a Linux guest under QEMU (TCG) with the agent on a real
 * virtio-serial port, checks every seed command by its effect, prints the guest console log
 * when something failed, and ends with `N passed, M failed` (checks that do not apply, such as
 * the confined profiles against qemu-ga, are listed on a line of their own before it as skipped,
 * counted neither passed nor failed). Exit status 0 only if none failed and some ran.
 *
 * `--arch aarch64` (or `QGA_VM_ARCH=aarch64`) runs it on an aarch64 guest (QEMU `virt`,
 * cortex-a57, TCG) built from Debian's arm64 packages and npm's arm64 Deno (`arch.ts`,
 * `parts_aarch64.ts`), cached in `.cache/vm/aarch64/`; the same checks, plus what the `virt`
 * machine does differently (`checks_aarch64.ts`).
 *
 * Environment:
 * - `QGA_VM_AGENT=qemu-ga` runs the whole suite against Debian's qemu-ga 7.2 on the port under
 *   test (proves the harness); default `deno`: qga-deno, started as `deno run -P main.ts`;
 * - `QGA_VM_ONLY=text` runs only the checks whose name contains `text`;
 * - `QGA_VM_KEEP=1` keeps the run directory in /tmp (sockets, logs, disk images);
 * - `QGA_VM_BUDGET_S=540` is the time budget in seconds: checks still pending when it is spent
 *   fail at once (a hung guest cannot hold CI for long).
 *
 * @module
 */

import { formatReport, runSuite } from "./suite.ts";
import { type Arch, vmArch } from "./arch.ts";
import { withVmLock } from "./util.ts";

/**
 * Reads the suite options from the environment and the command line (`--arch`).
 *
 * @param args Command-line arguments (default: none; `run.ts` passes its own).
 */
export function optionsFromEnv(args: readonly string[] = []): {
  agent: "deno" | "qemu-ga";
  arch: Arch;
  only?: string;
  keep: boolean;
  budgetS: number;
} {
  const agent = Deno.env.get("QGA_VM_AGENT") ?? "deno";
  if (agent !== "deno" && agent !== "qemu-ga") {
    throw new Error(`QGA_VM_AGENT must be "deno" or "qemu-ga", not "${agent}"`);
  }
  return {
    agent,
    arch: vmArch(args, Deno.env.get("QGA_VM_ARCH")),
    only: Deno.env.get("QGA_VM_ONLY") || undefined,
    keep: Deno.env.get("QGA_VM_KEEP") === "1",
    budgetS: Number(Deno.env.get("QGA_VM_BUDGET_S") ?? 540) || 540,
  };
}

if (import.meta.main) {
  const started = Date.now();
  const log = (line: string) =>
    console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}] ${line}`);
  const options = optionsFromEnv(Deno.args);
  const result = await withVmLock(log, () => runSuite({ ...options, log }));
  console.log(formatReport(result));
  if (optionsFromEnv().keep) console.log(`run directory kept: ${result.dir}`);
  const ran = result.results.some((r) => r.skipped === undefined);
  Deno.exit(result.results.every((r) => r.ok) && ran ? 0 : 1);
}
