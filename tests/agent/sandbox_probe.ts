/**
 * A child process for `./sandbox_test.ts` (never run in the test runner's own process): enters
 * the sandbox with the runtime's rules (`src/policy/runtime_rules.ts`) plus the rules of its
 * argument, then tries what a hostile host would make it try, and prints the outcome as JSON.
 *
 * Its one argument is a JSON {@link ProbeConfig}. Modes:
 * - `sandbox`: {@link enterSandbox} (restrict, re-execute, arrive), then the checks;
 * - `restrict-only`: the mutation — `restrictSelf` on the JS thread without re-executing (after
 *   warming up Deno's blocking-thread pool, as any running agent has), then the same checks;
 * - `daemon`: as a `-d` start — the launcher spawns the daemon (`spawnDaemon`) and prints its
 *   pid; the daemon enters the sandbox and writes its JSON to `out`.
 *
 * @module
 */

import { enterSandbox, type SandboxReport } from "../../src/agent/sandbox.ts";
import { daemonLauncherPid, spawnDaemon } from "../../src/agent/daemon.ts";
import { runtimeFacts, runtimeRules } from "../../src/policy/runtime_rules.ts";
import type { CapabilityName } from "../../src/sys/capabilities.ts";
import { closeFd, descriptorFlags, openPath, openReadOnly } from "../../src/sys/fd.ts";
import { type LandlockRule, restrictSelf } from "../../src/sys/landlock.ts";
import { OsError } from "../../src/sys/os_error.ts";
import { FD_CLOEXEC, OpenFlags } from "../../src/sys/structs.ts";

/** What the probe is asked to do. */
export interface ProbeConfig {
  readonly mode: "sandbox" | "restrict-only" | "daemon";
  /** Rules besides the runtime's. */
  readonly rules: readonly LandlockRule[];
  readonly keep: readonly CapabilityName[];
  readonly denyTcp: boolean;
  /** A file no rule covers. */
  readonly outside: string;
  /** A file under a read-write rule. */
  readonly inside: string;
  /** A file under a read-only rule. */
  readonly readOnly: string;
  /** A TCP port listening on 127.0.0.1. */
  readonly tcpPort: number;
  /** A process outside the sandbox to signal (SIGWINCH, ignored by default). */
  readonly signalPid: number;
  /** `daemon` mode: where the daemon writes its JSON. */
  readonly out?: string;
  /** Act as on a kernel without Landlock (`landlockAbi()` answers 0). */
  readonly noLandlock?: boolean;
}

/** What the probe found (every `…Error` is the error's name or errno text, or "ok"). */
export interface ProbeResult {
  readonly report: SandboxReport | { state: "restricted-thread-only" };
  readonly pid: number;
  readonly args: readonly string[];
  readonly ffiOpenOutside: number | "ok";
  readonly readOutsideSync: string;
  readonly readOutsideAsync: string;
  readonly childCatOutside: { code: number; stderr: string };
  readonly readInside: string;
  readonly writeReadOnly: string;
  readonly truncateReadOnly: number | "ok";
  readonly tcpConnect: string;
  readonly signalOutside: string;
  readonly ownStatus: string;
  readonly capEff: string;
  readonly capBnd: string;
  readonly noNewPrivs: string;
  readonly markerInEnv: boolean;
  readonly markerInChildEnv: boolean;
  readonly launcherPid: number | null;
  /** Each pinned descriptor: what it names, and whether it is close-on-exec. */
  readonly pins: readonly { target: string; closeOnExec: boolean }[];
}

const config: ProbeConfig = JSON.parse(Deno.args[0]!);

function outcome(run: () => unknown): string {
  try {
    run();
    return "ok";
  } catch (error) {
    return error instanceof Error ? error.name : String(error);
  }
}

async function outcomeAsync(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
    return "ok";
  } catch (error) {
    return error instanceof Error ? error.name : String(error);
  }
}

function errnoOf(run: () => number): number | "ok" {
  try {
    closeFd(run());
    return "ok";
  } catch (error) {
    if (error instanceof OsError) return error.errno;
    throw error;
  }
}

function statusField(name: string): string {
  const status = Deno.readTextFileSync("/proc/self/status");
  return new RegExp(`^${name}:\\s*(\\S+)`, "m").exec(status)?.[1] ?? "";
}

async function checks(report: ProbeResult["report"]): Promise<ProbeResult> {
  const cat = await new Deno.Command("/usr/bin/cat", { args: [config.outside], stderr: "piped" })
    .output().catch((error) => ({ code: -1, stderr: new TextEncoder().encode(String(error)) }));
  const env = await new Deno.Command("/usr/bin/env", { stdout: "piped" }).output();
  return {
    report,
    pid: Deno.pid,
    args: Deno.args,
    ffiOpenOutside: errnoOf(() => openReadOnly(config.outside)),
    readOutsideSync: outcome(() => Deno.readTextFileSync(config.outside)),
    readOutsideAsync: await outcomeAsync(() => Deno.readTextFile(config.outside)),
    childCatOutside: { code: cat.code, stderr: new TextDecoder().decode(cat.stderr) },
    readInside: outcome(() => Deno.readTextFileSync(config.inside)),
    writeReadOnly: outcome(() => Deno.writeTextFileSync(config.readOnly, "x", { append: true })),
    truncateReadOnly: errnoOf(() =>
      openPath(config.readOnly, OpenFlags.O_RDONLY | OpenFlags.O_TRUNC)
    ),
    tcpConnect: await outcomeAsync(async () =>
      (await Deno.connect({ hostname: "127.0.0.1", port: config.tcpPort })).close()
    ),
    signalOutside: outcome(() => Deno.kill(config.signalPid, "SIGWINCH")),
    ownStatus: outcome(() => Deno.readTextFileSync("/proc/self/status")),
    capEff: statusField("CapEff"),
    capBnd: statusField("CapBnd"),
    noNewPrivs: statusField("NoNewPrivs"),
    markerInEnv: Deno.env.get("QGA_DENO_LANDLOCKED") !== undefined,
    markerInChildEnv: new TextDecoder().decode(env.stdout).includes("QGA_DENO_LANDLOCKED"),
    launcherPid: daemonLauncherPid() ?? null,
    pins: (report.state === "confined" ? report.landlock.pinned : []).map((fd) => ({
      target: Deno.readLinkSync(`/proc/self/fd/${fd}`),
      closeOnExec: (descriptorFlags(fd) & FD_CLOEXEC) !== 0,
    })),
  };
}

const plan = {
  rules: [...runtimeRules(runtimeFacts()), ...config.rules],
  keepCapabilities: config.keep,
  denyTcp: config.denyTcp,
};

if (config.mode === "restrict-only") {
  // A running agent has used Deno's blocking-thread pool before; so does the mutation.
  await Deno.readTextFile(config.inside);
  restrictSelf(plan.rules, { denyTcp: plan.denyTcp, scoped: true });
  console.log(JSON.stringify(await checks({ state: "restricted-thread-only" })));
} else {
  const report = enterSandbox(plan, {
    daemonizing: config.mode === "daemon",
    dependencies: config.noLandlock ? { landlockAbi: () => 0 } : {},
  });
  if (report.state === "launcher") {
    console.log(JSON.stringify({ daemon: spawnDaemon() }));
  } else {
    const result = JSON.stringify(await checks(report));
    if (config.out !== undefined) Deno.writeTextFileSync(config.out, result);
    else console.log(result);
  }
}
