/**
 * The policy at start-up: decided once from the configuration (`src/policy/policy.ts`), printed
 * by `--print-policy`, applied — the sandbox entered (`./sandbox.ts`), guest files confined to the
 * roots, guest-exec to its list — and summed up for the log: which commands the profile or the
 * process's resources rule out, and whether the kernel sandbox is in force.
 *
 * @module
 */

import { type AgentConfig, CONFINED_STATEDIR } from "../config/config.ts";
import { makeDirectory } from "../sys/path_ops.ts";
import { openGuestFiles } from "../sys/files/files.ts";
import type { LinuxSysOptions } from "../sys/linux.ts";
import { errorText } from "../sys/os_error.ts";
import { policyReport, policyText } from "../policy/audit.ts";
import { FileRootError } from "../policy/file_roots.ts";
import { decidePolicy, type Policy, PolicyError } from "../policy/policy.ts";
import type { Logger } from "./log.ts";
import { createLogFileIfMissing } from "./log_file.ts";
import { livePolicyProbe } from "./policy_probe.ts";
import { enterSandbox, reexecutedIntoSandbox, type SandboxReport } from "./sandbox.ts";
import { PROFILES } from "../policy/profiles.ts";
import { frozenMarkerExists, statePaths } from "./state_file.ts";

const encoder = new TextEncoder();

/**
 * Decides the policy of this process, or logs why the configuration cannot run (critical, as
 * qemu-ga logs its start-up failures) and returns exit status 1.
 */
export function decideStartPolicy(config: AgentConfig, log: Logger): Policy | 1 {
  try {
    return decidePolicy(config, livePolicyProbe);
  } catch (error) {
    if (error instanceof PolicyError || error instanceof FileRootError) {
      log.critical(error.message);
      return 1;
    }
    throw error;
  }
}

/**
 * True when this process is a confined profile's re-execution into its sandbox (which must not
 * print the start-up warnings a second time); false for `full` and a first start. Logs and
 * returns 1 when the sandbox's marker variable may not be read (`--allow-env`).
 */
export function isSandboxReexecution(config: AgentConfig, log: Logger): boolean | 1 {
  if (!PROFILES[config.profile].confined) return false;
  try {
    return reexecutedIntoSandbox();
  } catch (error) {
    log.critical(error instanceof Error ? error.message : String(error));
    return 1;
  }
}

/** `--print-policy [--json]`: writes the audit of `policy` to stdout. */
export function printPolicy(policy: Policy, format: "text" | "json"): void {
  const report = policyReport(policy, livePolicyProbe);
  const text = format === "json" ? `${JSON.stringify(report, null, 2)}\n` : policyText(report);
  const bytes = encoder.encode(text);
  let done = 0;
  while (done < bytes.length) done += Deno.stdout.writeSync(bytes.subarray(done));
}

/** A line the agent logs once its log is open. */
export interface StartupNote {
  readonly level: "critical" | "info" | "audit";
  readonly text: string;
}

/** How the kernel sandbox went, as the start-up log tells it. */
export type SandboxOutcome =
  | { readonly kind: "none" }
  | { readonly kind: "entered"; readonly abi: number; readonly rules: number }
  | { readonly kind: "unavailable" };

/**
 * The start-up lines about the policy: one line with the profile and the sandbox (an audit line,
 * also to syslog, for a confined profile), a critical line when a confined profile runs without Landlock, and one info line per
 * disabled command with its reason.
 */
export function policyNotes(policy: Policy, sandbox: SandboxOutcome): StartupNote[] {
  const { profile } = policy;
  const state = sandbox.kind === "entered"
    ? `Landlock ABI ${sandbox.abi} (${sandbox.rules} rules), capabilities kept: ${
      policy.sandbox?.keepCapabilities.join(" ") || "none"
    }`
    : sandbox.kind === "unavailable"
    ? "WITHOUT Landlock"
    : "unconfined";
  // Syslog hears of confined profiles only: `full` keeps qemu-ga's syslog lines exactly.
  const notes: StartupNote[] = [{
    level: profile.confined ? "audit" : "info",
    text: `profile ${profile.name}: ${state}; ${policy.disabled.size} commands disabled`,
  }];
  if (sandbox.kind === "unavailable") {
    notes.push({
      level: "critical",
      text: `profile ${profile.name}: this kernel has no Landlock (Linux >= 5.13 with landlock ` +
        "in the LSM list); only Deno's permissions, openat2 beneath the file roots and the " +
        "dropped capabilities confine the agent (--print-policy shows the rules it would apply)",
    });
  }
  for (const [name, reason] of policy.disabled) {
    notes.push({ level: "info", text: `${name} disabled: ${reason}` });
  }
  return notes;
}

/**
 * Enters the sandbox of a confined profile (`./sandbox.ts`); for `full` does nothing. In the
 * process that restricts itself this does not return (it is replaced by its re-execution, which
 * arrives here again and gets the report). Before restricting, creates the confined profiles'
 * default state directory (0700) and the log file when they are missing (the log unless the
 * file systems are frozen), so that the ruleset can name them.
 *
 * @returns How it went, or 1 after logging why the sandbox could not be entered.
 */
export function enterStartSandbox(
  policy: Policy,
  config: AgentConfig,
  log: Logger,
): SandboxOutcome | "launcher" | 1 {
  if (policy.sandbox === undefined) return { kind: "none" };
  if (config.statedir === CONFINED_STATEDIR) {
    try {
      makeDirectory(CONFINED_STATEDIR, 0o700);
    } catch {
      // Exists already; or the agent reports the state directory's failure itself.
    }
  }
  const logfile = policy.ownFiles.get("log file");
  if (logfile !== undefined && !frozenMarkerExists(statePaths(config.statedir))) {
    try {
      createLogFileIfMissing(logfile);
    } catch {
      // Reported by the agent when it opens the log (qemu-ga's text), not here.
    }
  }
  let report: SandboxReport;
  try {
    report = enterSandbox(policy.sandbox, { daemonizing: config.daemonize });
  } catch (error) {
    log.critical(`cannot enter the sandbox of profile ${policy.profile.name}: ${errorText(error)}`);
    return 1;
  }
  if (report.state === "launcher") return "launcher";
  if (report.state === "unavailable") return { kind: "unavailable" };
  return { kind: "entered", abi: report.landlock.abi, rules: report.landlock.applied.length };
}

/**
 * The guest-file domain and guest-exec list of `policy` for `linuxSys()`: files anywhere for
 * `full`; beneath the usable roots for the confined profiles (opened now, inside the sandbox),
 * never reaching the agent's own files. Roots that cannot be opened become warnings.
 */
export function profileSys(
  policy: Policy,
  config: AgentConfig,
): { options: LinuxSysOptions; notes: StartupNote[] } {
  if (!policy.profile.confined) return { options: {}, notes: [] };
  const state = statePaths(config.statedir);
  const ownFiles = [
    state.stateFile,
    state.frozenMarker,
    ...[...policy.ownFiles].filter(([what]) => what !== "state directory").map(([, p]) => p),
  ];
  const { files, unusable } = openGuestFiles({
    kind: "roots",
    roots: policy.usableRoots,
    ownFiles,
  });
  const notes = unusable.map(({ root, error }): StartupNote => ({
    level: "critical",
    text: `file root ${root.path} cannot be used: ${error}`,
  }));
  return { options: { files, execAllow: policy.execAllow }, notes };
}
