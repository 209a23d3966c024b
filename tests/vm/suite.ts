/**
 * Runs the VM suite: builds the guest if needed, boots it, runs {@linkcode MAIN_CHECKS} in
 * order, then the confined profiles' phase (`checks_profiles.ts`, which ends with the default
 * agent running again), then boots once more for {@linkcode SHUTDOWN_CHECKS}. A check whose
 * `skip` gives a reason (the profiles against qemu-ga) is reported as skipped, not run.
 *
 * Every check has a timeout. After a failed check the harness reconnects to the agent under
 * test and resynchronises; if the agent process died it is restarted in the guest, so one
 * failure does not cascade. If QEMU itself is gone, the remaining checks of that boot fail.
 *
 * @module
 */

import { AgentClient } from "./agent_client.ts";
import {
  agentAlive,
  type Check,
  type CheckContext,
  MAIN_CHECKS,
  SHUTDOWN_CHECKS,
} from "./checks.ts";
import { GuestShell } from "./guest_shell.ts";
import type { Arch } from "./arch.ts";
import { checksFor } from "./checks_aarch64.ts";
import { PROFILE_CHECKS } from "./checks_profiles.ts";
import { ensureImage, type GuestImage, makeDisk } from "./image.ts";
import { type AgentKind, QmpClient, Vm } from "./qemu.ts";
import { withTimeout } from "../helpers/async.ts";

export { formatReport } from "./report.ts";

/** Options of {@linkcode runSuite}. */
export interface SuiteOptions {
  /** The agent on the port under test. */
  agent: AgentKind;
  /** The guest architecture (default x86_64). */
  arch?: Arch;
  /** Run only the checks whose name contains this text. */
  only?: string;
  /** Keep the run directory (sockets, console logs, disk images). */
  keep?: boolean;
  /** Time budget for the whole run in seconds (default 540); later checks fail once spent. */
  budgetS?: number;
  /** Progress output. */
  log: (line: string) => void;
}

/** Result of one check. */
export interface CheckResult {
  /** Check name. */
  name: string;
  /** Whether it passed. */
  ok: boolean;
  /** Duration in milliseconds. */
  ms: number;
  /** The failure, if any. */
  message?: string;
  /** Notes the check added. */
  notes: string[];
  /** Why the check was skipped (then `ok` is true, and it counts as neither passed nor failed). */
  skipped?: string;
}

/** Result of {@linkcode runSuite}. */
export interface SuiteResult {
  /** Per-check results, in run order. */
  results: CheckResult[];
  /** Durations in milliseconds. */
  timings: { build: number; boot?: number; checks?: number; shutdownBoot?: number; total: number };
  /** Guest console logs, one per boot, labelled. */
  consoles: { label: string; text: string }[];
  /** The run directory. */
  dir: string;
}

/** A booted guest with its connections. */
interface Booted {
  vm: Vm;
  ctx: CheckContext;
  notes: string[];
  /** Milliseconds from QEMU start until the agent under test answered. */
  bootMs: number;
}

async function boot(
  image: GuestImage,
  dir: string,
  agent: AgentKind,
  log: (line: string) => void,
): Promise<Booted> {
  await Deno.mkdir(dir, { recursive: true });
  const disk = `${dir}/disk.img`;
  await makeDisk(disk);
  const vm = await Vm.start({ image, dir, disk, agent });
  try {
    const qmp = await QmpClient.connect(vm.qmpSocket);
    const shell = await GuestShell.connect(vm.shellSocket);
    const ref = await AgentClient.connect(vm.refSocket);
    const agentClient = await AgentClient.connect(vm.testSocket);
    await shell.waitReady(120_000);
    log(`guest shell up after ${((Date.now() - vm.startedAt) / 1000).toFixed(1)} s`);
    const deadline = Date.now() + 120_000;
    while (true) {
      try {
        await agentClient.resync(10_000, 1000);
        break;
      } catch (error) {
        if (!await agentAlive(shell)) {
          throw new Error("the agent under test exited during start-up (see the console log)");
        }
        if (Date.now() > deadline) throw error;
      }
    }
    const bootMs = Date.now() - vm.startedAt;
    log(`agent under test (${agent}) answering after ${(bootMs / 1000).toFixed(1)} s`);
    const notes: string[] = [];
    const ctx: CheckContext = {
      vm,
      qmp,
      shell,
      agent: agentClient,
      ref,
      kind: agent,
      arch: image.arch,
      note: (text) => notes.push(text),
    };
    return { vm, ctx, notes, bootMs };
  } catch (error) {
    await vm.kill();
    throw error;
  }
}

/**
 * After a failure: reconnect, resync, and restart the agent if it died.
 *
 * @returns False when the guest itself no longer answers (the remaining checks of this boot
 *   are then failed at once).
 */
async function recover(b: Booted, log: (line: string) => void): Promise<boolean> {
  const { ctx, vm } = b;
  if (vm.exitStatus) return false;
  await ctx.agent.close().catch(() => {});
  ctx.agent = await AgentClient.connect(vm.testSocket);
  try {
    await ctx.agent.resync(10_000, 2000);
    return true;
  } catch {
    // Fall through.
  }
  const shellAlive = await ctx.shell.run("true", { timeoutS: 5 }).then(() => true, () => false);
  if (!shellAlive) {
    log("  the guest shell does not answer either: giving up on this boot");
    return false;
  }
  if (!await agentAlive(ctx.shell).catch(() => false)) {
    log("  agent under test is not running: restarting it");
    await ctx.shell.check("/etc/vm/start_agent.sh test");
  }
  await ctx.agent.resync(60_000, 2000);
  return true;
}

async function runChecks(
  b: Booted,
  checks: readonly Check[],
  results: CheckResult[],
  deadline: number,
  log: (line: string) => void,
): Promise<void> {
  let broken: string | undefined;
  for (const check of checks) {
    const skipped = check.skip?.(b.ctx);
    if (skipped !== undefined) {
      results.push({ name: check.name, ok: true, ms: 0, notes: [], skipped });
      log(`skip ${check.name} — ${skipped}`);
      continue;
    }
    const start = Date.now();
    b.notes.length = 0;
    let message: string | undefined;
    if (b.vm.exitStatus) {
      message = `QEMU is not running (exit status ${b.vm.exitStatus.code})`;
    } else if (broken) {
      message = broken;
    } else if (Date.now() > deadline) {
      message = "the suite's time budget is used up (QGA_VM_BUDGET_S)";
    } else {
      try {
        const timeout = Math.min(check.timeoutMs ?? 60_000, Math.max(1000, deadline - start));
        await withTimeout(check.run(b.ctx), timeout, check.name);
      } catch (error) {
        message = error instanceof Error ? error.message : String(error);
      }
    }
    const ms = Date.now() - start;
    const notes = [...b.notes];
    results.push({ name: check.name, ok: message === undefined, ms, message, notes });
    const extra = notes.length ? ` — ${notes.join("; ")}` : "";
    if (message === undefined) {
      log(`ok   ${check.name} (${(ms / 1000).toFixed(1)} s)${extra}`);
      continue;
    }
    log(`FAIL ${check.name} (${(ms / 1000).toFixed(1)} s)${extra}`);
    log(`     ${message.replaceAll("\n", "\n     ")}`);
    if (broken || b.vm.exitStatus || Date.now() > deadline) continue;
    const healthy = await recover(b, log).catch((error) => {
      log(`  recovery failed: ${error.message}`);
      return true;
    });
    if (!healthy) broken = `the guest stopped answering after "${check.name}"`;
  }
}

function failAll(
  checks: readonly Check[],
  results: CheckResult[],
  message: string,
  log: (line: string) => void,
): void {
  for (const check of checks) {
    results.push({ name: check.name, ok: false, ms: 0, message, notes: [] });
    log(`FAIL ${check.name}: ${message.split("\n")[0]}`);
  }
}

async function shutDown(b: Booted): Promise<void> {
  if (!b.vm.exitStatus) {
    await b.ctx.qmp.execute("quit").catch(() => {});
    await b.vm.waitExit(10_000).catch(() => {});
  }
  await b.vm.kill();
  for (const c of [b.ctx.agent, b.ctx.ref, b.ctx.shell, b.ctx.qmp]) {
    await c.close().catch(() => {});
  }
}

/**
 * Builds what is missing, boots the guest and runs every check.
 *
 * @param options Agent under test, filter, logging.
 * @returns The results, timings and console logs.
 */
export async function runSuite(options: SuiteOptions): Promise<SuiteResult> {
  const { log } = options;
  const t0 = Date.now();
  const deadline = t0 + (options.budgetS ?? 540) * 1000;
  const select = (checks: readonly Check[]) =>
    checks.filter((c) => !options.only || c.name.includes(options.only));
  const image = await ensureImage(log, options.arch ?? "x86_64");
  const build = Date.now() - t0;
  log(
    `${image.arch} guest image ready in ${(build / 1000).toFixed(1)} s ` +
      `(kernel ${image.kernelRelease})`,
  );
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "qga-vm-" });
  const results: CheckResult[] = [];
  const consoles: { label: string; text: string }[] = [];
  const timings: SuiteResult["timings"] = { build, total: 0 };

  const main = [...MAIN_CHECKS, ...PROFILE_CHECKS];
  const checks = checksFor(image.arch, { main, shutdown: SHUTDOWN_CHECKS });
  const boots: [string, readonly Check[]][] = [
    ["main", select(checks.main)],
    ["shutdown", select(checks.shutdown)],
  ];
  for (const [label, checks] of boots) {
    if (checks.length === 0) continue;
    log(`--- boot: ${label} (${image.arch}, agent under test: ${options.agent}) ---`);
    const bootStart = Date.now();
    let b: Booted | undefined;
    try {
      b = await boot(image, `${dir}/${label}`, options.agent, log);
      if (label === "main") timings.boot = b.bootMs;
      const checksStart = Date.now();
      await runChecks(b, checks, results, deadline, log);
      if (label === "main") timings.checks = Date.now() - checksStart;
    } catch (error) {
      failAll(
        checks,
        results,
        `boot failed: ${error instanceof Error ? error.message : error}`,
        log,
      );
    } finally {
      if (b) await shutDown(b);
      const text = await Deno.readTextFile(`${dir}/${label}/console.log`).catch(() => "");
      const qemu = await Deno.readTextFile(`${dir}/${label}/qemu.log`).catch(() => "");
      consoles.push({ label, text: text + (qemu ? `\n--- QEMU output ---\n${qemu}` : "") });
      if (label === "shutdown") timings.shutdownBoot = Date.now() - bootStart;
    }
  }
  if (!options.keep) await Deno.remove(dir, { recursive: true }).catch(() => {});
  timings.total = Date.now() - t0;
  return { results, timings, consoles, dir };
}
