/**
 * Entering the sandbox of a confined profile: the kernel's layer under Deno's permission flags.
 *
 * Landlock (`src/sys/landlock.ts`) and capabilities (`src/sys/capabilities.ts`) apply to the
 * calling thread and to what it starts afterwards, and a Deno process has many threads by the
 * time JS runs. So {@link enterSandbox}, on the JS (main) thread:
 *
 * 1. drops every capability the plan does not keep (bounding set, ambient set, then effective,
 *    permitted and inheritable);
 * 2. sets no-new-privileges and restricts itself to the plan's Landlock rules (TCP bind/connect
 *    denied when the plan says so and ABI ≥ 4; abstract unix sockets and signals scoped to the
 *    domain when ABI ≥ 6) — or, on a kernel without Landlock, only sets no-new-privileges;
 * 3. re-executes itself (`execve` of `/proc/self/exe` with its own argv, see
 *    `src/sys/self_process.ts`) with the marker {@linkcode LANDLOCKED_ENV}`=<abi>` added (and the
 *    daemon's marker kept): every thread of the new image starts confined.
 *
 * The re-executed process parses its command line again, calls {@link enterSandbox} again, which
 * finds the marker, removes it from the environment (guest-exec children do not see it), checks
 * that the process really is confined — else it refuses: a marker set by whoever started the
 * agent must not switch the sandbox off — and returns the report. Without Landlock the report
 * says `unavailable`: the caller warns loudly and carries on (a guest without its agent loses
 * backups and clean shutdowns; Deno's flags and the openat2 roots still hold).
 *
 * Descriptors survive `execve` unless close-on-exec: socket activation's fd 3 does, and so do the
 * descriptors that pin procfs rules (`RestrictReport.pinned`, passed along in the marker as
 * `<abi>:<fd>,<fd>`), which are then marked close-on-exec and stay open for the process's life.
 *
 * @module
 */

import type { HeldCapabilities } from "../sys/capabilities.ts";
import type { LandlockRule, RestrictOptions, RestrictReport } from "../sys/landlock.ts";
import type { SandboxPlan } from "../policy/sandbox_plan.ts";
import { DAEMON_CHILD_ENV } from "./daemon.ts";
import { LIVE_DEPENDENCIES, type SandboxDependencies } from "./sandbox_dependencies.ts";

/**
 * Marks the re-executed, sandboxed process; its value is the Landlock ABI (0: none) and the
 * pinned descriptors. The agent needs `--allow-env` for it (deno.json's permission sets).
 */
export const LANDLOCKED_ENV = "QGA_DENO_LANDLOCKED";

/** What a confined profile's process is restricted to (built by `src/policy/sandbox_plan.ts`). */
export type { SandboxPlan };

/** What {@link enterSandbox} found. */
export type SandboxReport =
  /** Confined by Landlock (the rules as they apply now), with these capabilities. */
  | {
    readonly state: "confined";
    readonly landlock: RestrictReport;
    readonly capabilities: HeldCapabilities;
  }
  /** The kernel has no Landlock: capabilities dropped and no-new-privileges only. */
  | { readonly state: "unavailable"; readonly capabilities: HeldCapabilities }
  /** A `-d` launcher: it only spawns the daemon, which enters the sandbox itself. */
  | { readonly state: "launcher" };

/** How {@link enterSandbox} is called. */
export interface SandboxOptions {
  /** `config.daemonize`: the launcher does nothing here (the daemon has another pid). */
  readonly daemonizing: boolean;
  /** Replaces system calls (tests of the decisions). */
  readonly dependencies?: Partial<SandboxDependencies>;
}

/**
 * Enters the sandbox of `plan` (see the module documentation). Call it from the process that
 * will serve — after the options are parsed, before the pidfile is written and the channel is
 * opened — and only for a confined profile.
 *
 * @returns The report, once the process is confined (or Landlock is unavailable); it never
 *   returns in the process that restricts itself, which is replaced by its re-execution.
 * @throws Error when the marker is not allowed (`--allow-env`), malformed, or set in a process
 *   that is not confined; OsError when a system call fails (the caller must then exit: the
 *   process may be half-restricted).
 */
export function enterSandbox(plan: SandboxPlan, options: SandboxOptions): SandboxReport {
  const deps = { ...LIVE_DEPENDENCIES, ...options.dependencies };
  const launcher = deps.launcherPid();
  if (options.daemonizing && launcher === undefined) return { state: "launcher" };
  const restrict: RestrictOptions = { denyTcp: plan.denyTcp, scoped: plan.scoped ?? true };
  const marker = takeMarker(deps);
  if (marker !== undefined) return arrive(plan, restrict, parseMarker(marker), deps);
  const abi = deps.landlockAbi();
  deps.dropCapabilitiesExcept(plan.keepCapabilities);
  let pinned: readonly number[] = [];
  if (abi > 0) pinned = deps.restrictSelf(plan.rules, restrict).pinned;
  else deps.setNoNewPrivileges();
  for (const fd of pinned) deps.setCloseOnExec(fd, false);
  const drop = [`${LANDLOCKED_ENV}=`, `${DAEMON_CHILD_ENV}=`].map((p) => encoder.encode(p));
  const env = deps.environment().filter((entry) => !drop.some((p) => startsWith(entry, p)));
  env.push(encoder.encode(`${LANDLOCKED_ENV}=${formatMarker({ abi, pinned })}`));
  if (launcher !== undefined) env.push(encoder.encode(`${DAEMON_CHILD_ENV}=${launcher}`));
  return deps.execSelf(env);
}

/** The marker's value: the ABI and the pinned descriptors. */
export interface SandboxMarker {
  readonly abi: number;
  readonly pinned: readonly number[];
}

/** `<abi>` or `<abi>:<fd>,<fd>…`. */
export function formatMarker(marker: SandboxMarker): string {
  return marker.pinned.length === 0 ? `${marker.abi}` : `${marker.abi}:${marker.pinned.join(",")}`;
}

/**
 * Parses {@link formatMarker}'s text.
 *
 * @throws Error when it is malformed.
 */
export function parseMarker(text: string): SandboxMarker {
  const match = /^(0|[1-9][0-9]{0,3})(?::((?:[1-9][0-9]{0,6})(?:,[1-9][0-9]{0,6})*))?$/.exec(text);
  if (!match) throw new Error(`${LANDLOCKED_ENV} has an unexpected value`);
  return { abi: Number(match[1]), pinned: match[2] ? match[2].split(",").map(Number) : [] };
}

/**
 * A file the plan does not let the process read, which an unconfined process could read: opening
 * it tells whether Landlock really holds. `/proc/1/stat` first (world-readable; the agent's rules
 * cover only its own `/proc/<pid>`), then a few others, for the plans and systems where it is
 * covered or missing. `directory` asks for a directory open (read-dir).
 */
export function probeCandidates(
  rules: readonly LandlockRule[],
  pid: number,
): { path: string; directory: boolean }[] {
  const candidates = [
    ...(pid === 1 ? [] : [{ path: "/proc/1/stat", directory: false }]),
    { path: "/etc/hostname", directory: false },
    { path: "/etc/os-release", directory: false },
    { path: "/", directory: true },
  ];
  return candidates.filter(({ path, directory }) =>
    !rules.some((rule) =>
      rule.rights.includes(directory ? "read-dir" : "read-file") &&
      (rule.path === "/" || path === rule.path || path.startsWith(`${rule.path}/`))
    )
  );
}

/**
 * Marks every inherited descriptor from 3 up close-on-exec except `keep` (socket activation's fd
 * 3 while the agent still has to take it), so that programs the agent starts inherit none of
 * them. Call it once the channel is open (qemu-ga does the same for fd 3 after taking it).
 *
 * @returns The descriptors changed.
 */
export function markInheritedDescriptorsCloseOnExec(keep: readonly number[] = []): number[] {
  return LIVE_DEPENDENCIES.markDescriptorsCloseOnExec(keep);
}

/** True when this process is the re-execution into the sandbox (its marker was found). */
export function reexecutedIntoSandbox(): boolean {
  return typeof takeMarker(LIVE_DEPENDENCIES) === "string";
}

const encoder = new TextEncoder();

/** The marker, read once and removed from the environment; `null` once read and absent. */
let markerRead: string | null | undefined;

function takeMarker(deps: SandboxDependencies): string | undefined {
  if (deps.takeEnv !== LIVE_DEPENDENCIES.takeEnv) return deps.takeEnv(LANDLOCKED_ENV);
  if (markerRead === undefined) markerRead = deps.takeEnv(LANDLOCKED_ENV) ?? null;
  return markerRead ?? undefined;
}

function arrive(
  plan: SandboxPlan,
  restrict: RestrictOptions,
  marker: SandboxMarker,
  deps: SandboxDependencies,
): SandboxReport {
  for (const fd of marker.pinned) deps.setCloseOnExec(fd, true);
  const refuse = (why: string) =>
    new Error(`${LANDLOCKED_ENV} is set but the process is not confined: ${why}`);
  if (!deps.noNewPrivileges()) throw refuse("no-new-privileges is not set");
  const capabilities = deps.heldCapabilities();
  const keep = new Set<string>(plan.keepCapabilities);
  const extra = [
    ...capabilities.effective,
    ...capabilities.permitted,
    ...capabilities.inheritable,
    ...capabilities.ambient,
  ].filter((name) => !keep.has(name));
  if (extra.length > 0) throw refuse(`it holds ${[...new Set(extra)].join(", ")}`);
  if (marker.abi === 0) return { state: "unavailable", capabilities };
  for (const candidate of probeCandidates(plan.rules, deps.pid())) {
    const result = deps.tryOpen(candidate.path, candidate.directory);
    if (result === "opened") throw refuse(`${candidate.path} can be opened`);
    if (result === "denied") break;
  }
  const landlock = deps.describeRules(plan.rules, marker.abi, restrict);
  return { state: "confined", landlock: { ...landlock, pinned: marker.pinned }, capabilities };
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}
