/**
 * The policy of one agent process: its profile, file roots, listed programs, each command's
 * status, and (for a confined profile) the sandbox it enters — all decided at start-up from the
 * configuration and from what the process holds, before the first request is read.
 *
 * `--print-policy` prints it (`./audit.ts`); `src/agent/run.ts` applies it.
 *
 * @module
 */

import type { AgentConfig } from "../config/config.ts";
import type { CommandName } from "../schema/schema.ts";
import type { CapabilityName } from "../sys/capabilities.ts";
import type { LandlockRule } from "../sys/landlock.ts";
import { type CommandStatus, commandStatuses } from "./command_availability.ts";
import { chooseFileRoots, type FileRootSpec, isWithin } from "./file_roots.ts";
import { type Profile, PROFILES } from "./profiles.ts";
import { type OwnPaths, type SandboxPlan, sandboxPlan } from "./sandbox_plan.ts";

/** What the policy asks of the running system (live in `src/agent/`, faked in tests). */
export interface PolicyProbe {
  /** `Deno.permissions.querySync(descriptor).state === "granted"`. */
  granted(descriptor: Deno.PermissionDescriptor): boolean;
  /** The Landlock ABI version, 0 when unavailable. */
  landlockAbi(): number;
  /** The effective capabilities of this process. */
  capabilities(): readonly CapabilityName[];
  /** True when `openat2(RESOLVE_BENEATH)` works. */
  openat2(): boolean;
  /** `realpath`, or `undefined` when the path is missing. */
  realPath(path: string): string | undefined;
  /** True when the path names an existing directory. */
  isDirectory(path: string): boolean;
  /** The agent's executable, resolved (`/proc/self/exe`). */
  executable(): string;
  /** The current working directory. */
  workingDirectory(): string;
  /** The existing home directories of the passwd users. */
  homeDirectories(): string[];
  /** The existing `~/.ssh` directories of the passwd users. */
  sshDirectories(): string[];
  /** The rules the Deno runtime itself needs (`./runtime_rules.ts`). */
  runtimeRules(): LandlockRule[];
}

/** Thrown for a configuration the profile cannot run with; the message is the start-up error. */
export class PolicyError extends Error {
  override name = "PolicyError";
}

/** The decided policy. */
export interface Policy {
  readonly profile: Profile;
  /** The file roots as configured (confined profiles), usable or not. */
  readonly roots: readonly FileRootSpec[];
  /** The roots that exist as directories. */
  readonly usableRoots: readonly FileRootSpec[];
  /** Programs guest-exec may start (confined profiles; `full` starts any). */
  readonly execAllow: readonly string[];
  /** The agent's own files and directories by description, which guest-file-* never reaches. */
  readonly ownFiles: ReadonlyMap<string, string>;
  /** Every command's status, in schema order. */
  readonly commands: readonly CommandStatus[];
  /** Disabled commands and why. */
  readonly disabled: ReadonlyMap<string, string>;
  /** The sandbox to enter (confined profiles only). */
  readonly sandbox?: SandboxPlan;
  /** The Landlock ABI of this kernel (0: none). */
  readonly landlockAbi: number;
  /** Capabilities held when the policy was decided. */
  readonly heldCapabilities: readonly CapabilityName[];
}

/** `path` made absolute against `base`. */
function absolute(path: string, base: string): string {
  if (path.startsWith("/")) return path;
  return `${base === "/" ? "" : base}/${path}`;
}

/**
 * The agent's own paths, absolute: the pidfile and the config file resolve against the working
 * directory at start; the log file and a unix socket against `/` when daemonizing (the daemon
 * changes to `/` before opening them, as qemu-ga's does), else the working directory.
 */
function ownPaths(
  config: AgentConfig,
  probe: PolicyProbe,
): { own: OwnPaths; map: Map<string, string> } {
  const cwd = probe.workingDirectory();
  const late = config.daemonize ? "/" : cwd;
  const channel: OwnPaths["channel"] = config.socketActivated
    ? { kind: "none" }
    : config.method === "unix-listen"
    ? { kind: "socket", path: absolute(config.channelPath, late) }
    : config.method === "vsock-listen"
    ? { kind: "none" }
    : { kind: "device", path: absolute(config.channelPath, cwd) };
  const own: OwnPaths = {
    statedir: absolute(config.statedir, cwd),
    configFile: absolute(config.configFile, cwd),
    channel,
    ...(config.logfile === undefined ? {} : { logfile: absolute(config.logfile, late) }),
    ...(config.daemonize ? { pidfile: absolute(config.pidfile, cwd) } : {}),
  };
  const map = new Map<string, string>([
    ["state directory", own.statedir],
    ["config file", own.configFile],
    ["executable", probe.executable()],
  ]);
  if (own.logfile !== undefined) map.set("log file", own.logfile);
  if (own.pidfile !== undefined) map.set("pidfile", own.pidfile);
  if (channel.kind !== "none") map.set("channel", channel.path);
  for (const [what, path] of map) map.set(what, probe.realPath(path) ?? path);
  return { own, map };
}

/** Checks the `--exec-allow` list against the profile and the Deno run grant. */
function checkExecAllow(profile: Profile, list: readonly string[], probe: PolicyProbe): string[] {
  if (list.length === 0) return [];
  if (profile.exec === "any") {
    throw new PolicyError(
      `the ${profile.name} profile runs any program; --exec-allow belongs to the files profile`,
    );
  }
  if (profile.excluded.has("guest-exec")) {
    throw new PolicyError(
      `the ${profile.name} profile has no guest-exec; --exec-allow cannot add it`,
    );
  }
  for (const program of list) {
    if (!program.startsWith("/")) {
      throw new PolicyError(`--exec-allow '${program}': name the program by its absolute path`);
    }
    if (!probe.granted({ name: "run", command: program })) {
      throw new PolicyError(
        `--exec-allow '${program}' is outside what this agent was built to run; build it with ` +
          `build.sh --profile ${profile.name} --exec-allow ${program}`,
      );
    }
  }
  return [...new Set(list)];
}

/**
 * Decides the policy of this process.
 *
 * @param config The effective configuration (`profile`, `fileRoots`, `execAllow`, paths).
 * @param probe The running system.
 * @throws PolicyError (or FileRootError) for a configuration that would widen the profile.
 */
export function decidePolicy(config: AgentConfig, probe: PolicyProbe): Policy {
  const profile = PROFILES[config.profile];
  const { own, map } = ownPaths(config, probe);
  const roots = chooseFileRoots(profile, {
    texts: config.fileRoots,
    granted: (kind, path) => probe.granted({ name: kind, path }),
    ownPaths: map,
    realPath: (path) => probe.realPath(path),
  });
  const usableRoots = roots.filter((root) => probe.isDirectory(root.path));
  const execAllow = checkExecAllow(profile, config.execAllow, probe);
  const capabilities = probe.capabilities();
  const commands = commandStatuses(profile, {
    mayRun: (program) => probe.granted({ name: "run", command: program }),
    openat2: profile.confined ? probe.openat2() : true,
    capabilities: new Set(capabilities),
    usableRoots,
    execAllow,
    ...(config.fsfreezeHook === undefined ? {} : { hook: config.fsfreezeHook }),
  });
  const disabled = new Map<string, string>();
  for (const status of commands) {
    if (status.disabledBecause !== undefined) disabled.set(status.name, status.disabledBecause);
  }
  const enabled = new Set<CommandName>(
    commands.filter((c) => c.disabledBecause === undefined).map((c) => c.name),
  );
  const landlockAbi = probe.landlockAbi();
  const policy: Policy = {
    profile,
    roots,
    usableRoots,
    execAllow,
    ownFiles: map,
    commands,
    disabled,
    landlockAbi,
    heldCapabilities: capabilities,
  };
  if (!profile.confined) return policy;
  return {
    ...policy,
    sandbox: sandboxPlan({
      runtime: probe.runtimeRules(),
      own,
      roots: usableRoots,
      enabled,
      execAllow,
      ...(config.fsfreezeHook === undefined ? {} : { hook: config.fsfreezeHook }),
      ...(enabled.has("guest-ssh-get-authorized-keys")
        ? { homes: probe.homeDirectories(), sshDirectories: probe.sshDirectories() }
        : { homes: [], sshDirectories: [] }),
    }),
  };
}

/** True when `path` lies in one of `roots` (for tests and the audit). */
export function inRoots(path: string, roots: readonly FileRootSpec[]): boolean {
  return roots.some((root) => isWithin(path, root.path));
}
