/**
 * The kernel side of a confined profile: the Landlock rules and the capabilities the agent keeps,
 * derived from what its enabled commands need (`./command_needs.ts`), its own files, its channel,
 * the file roots and the listed programs. Everything not granted here is denied to the agent's
 * process and to every program it starts, whatever the code (Deno API or libc) tries.
 *
 * @module
 */

import type { CommandName } from "../schema/schema.ts";
import type { CapabilityName } from "../sys/capabilities.ts";
import type { LandlockRight, LandlockRule } from "../sys/landlock.ts";
import { needsOf } from "./command_needs.ts";
import type { FileRootSpec } from "./file_roots.ts";

/** What entering the sandbox does: the Landlock ruleset, kept capabilities, what else is denied. */
export interface SandboxPlan {
  /** Paths and the rights beneath them; everything else is denied. */
  readonly rules: readonly LandlockRule[];
  /** Capabilities kept (bounding, effective, permitted); every other one is dropped. */
  readonly keepCapabilities: readonly CapabilityName[];
  /** Deny TCP bind and connect. */
  readonly denyTcp: boolean;
  /** Deny signals to, and abstract unix sockets of, processes outside the sandbox (default true). */
  readonly scoped?: boolean;
}

/** Rights by what a path is used for. */
export const RIGHTS = {
  read: ["read-file", "read-dir"],
  write: ["read-file", "read-dir", "write-file", "truncate", "ioctl-dev"],
  list: ["read-dir"],
  run: ["execute", "read-file"],
  rootReadWrite: ["read-file", "read-dir", "write-file", "truncate", "make-reg"],
  rootReadOnly: ["read-file", "read-dir"],
  stateDir: ["read-file", "read-dir", "write-file", "truncate", "make-reg", "remove-file"],
  appendFile: ["write-file"],
  createAndRemove: ["make-reg", "remove-file"],
  socketDir: ["make-sock", "remove-file"],
  device: ["read-file", "write-file", "ioctl-dev"],
} as const satisfies Record<string, readonly LandlockRight[]>;

/** The agent's own paths the ruleset must cover. */
export interface OwnPaths {
  /** The state directory (`-t`). */
  readonly statedir: string;
  /** The log file (`-l`), if any. */
  readonly logfile?: string;
  /** The pidfile (`-f`), when daemonizing. */
  readonly pidfile?: string;
  /** The config file read at start-up (also re-read by the re-executed process). */
  readonly configFile: string;
  /** The channel: a device (virtio-serial, isa-serial), a unix socket, or none (vsock, fd 3). */
  readonly channel:
    | { readonly kind: "device"; readonly path: string }
    | { readonly kind: "socket"; readonly path: string }
    | { readonly kind: "none" };
}

/** What {@linkcode sandboxPlan} derives the plan from. */
export interface SandboxInputs {
  /** What the runtime itself needs (`./runtime_rules.ts`). */
  readonly runtime: readonly LandlockRule[];
  readonly own: OwnPaths;
  readonly roots: readonly FileRootSpec[];
  /** The commands enabled after every other check. */
  readonly enabled: ReadonlySet<CommandName>;
  /** Programs guest-exec may start. */
  readonly execAllow: readonly string[];
  /** The fsfreeze hook (`-F`), if any. */
  readonly hook?: string;
  /**
   * Existing home directories of the passwd users: listed only (a missing `~/.ssh` then answers
   * `No such file or directory`, as in qemu-ga).
   */
  readonly homes: readonly string[];
  /** Existing `~/.ssh` directories of the passwd users (a later one needs a restart). */
  readonly sshDirectories: readonly string[];
}

/** The directory part of an absolute path (`/a/b` → `/a`, `/a` → `/`). */
export function parentOf(path: string): string {
  const slash = path.lastIndexOf("/");
  return slash <= 0 ? "/" : path.slice(0, slash);
}

/** The rules for the agent's own files and channel. */
function ownRules(own: OwnPaths): LandlockRule[] {
  const rules: LandlockRule[] = [
    {
      path: own.statedir,
      rights: RIGHTS.stateDir,
      why: "state directory (-t): qga.state, freeze marker",
    },
    { path: own.configFile, rights: RIGHTS.read, why: "config file", ifExists: true },
  ];
  if (own.logfile !== undefined) {
    rules.push({
      path: own.logfile,
      rights: RIGHTS.appendFile,
      why: "log file (-l), created at start",
    });
  }
  if (own.pidfile !== undefined) {
    rules.push(
      { path: own.pidfile, rights: RIGHTS.appendFile, why: "pidfile (-f)" },
      {
        path: parentOf(own.pidfile),
        rights: RIGHTS.createAndRemove,
        why: "pidfile's directory: create it, remove it at exit (Landlock cannot name one file)",
      },
    );
  }
  if (own.channel.kind === "device") {
    rules.push({
      path: own.channel.path,
      rights: RIGHTS.device,
      why: "channel device (-p)",
      ifExists: true,
    });
  } else if (own.channel.kind === "socket") {
    rules.push({
      path: parentOf(own.channel.path),
      rights: RIGHTS.socketDir,
      why: "channel socket's directory: create the socket, remove a stale one (Landlock cannot " +
        "name one file)",
    });
  }
  return rules;
}

/** The rules the enabled commands need. */
function commandRules(inputs: SandboxInputs): LandlockRule[] {
  const rules: LandlockRule[] = [];
  for (const name of inputs.enabled) {
    const needs = needsOf(name);
    const add = (paths: readonly string[] | undefined, rights: readonly LandlockRight[]) => {
      for (const path of paths ?? []) rules.push({ path, rights, why: name, ifExists: true });
    };
    add(needs.reads, RIGHTS.read);
    add(needs.writes, RIGHTS.write);
    add(needs.lists, RIGHTS.list);
    add(needs.programs, RIGHTS.run);
    if (needs.homes !== undefined) {
      add(inputs.homes, RIGHTS.list);
      add(inputs.sshDirectories, needs.homes === "write" ? RIGHTS.write : RIGHTS.read);
    }
    if (needs.hook && inputs.hook !== undefined) add([inputs.hook], RIGHTS.run);
    if (name === "guest-exec") add(inputs.execAllow, RIGHTS.run);
  }
  return rules;
}

/**
 * Merges rules on the same path (union of rights, reasons joined; may be missing only when every
 * merged rule may), keeping first-seen order.
 */
export function mergeRules(rules: readonly LandlockRule[]): LandlockRule[] {
  const byPath = new Map<
    string,
    { rights: Set<LandlockRight>; why: string[]; ifExists: boolean }
  >();
  for (const rule of rules) {
    let entry = byPath.get(rule.path);
    if (!entry) byPath.set(rule.path, entry = { rights: new Set(), why: [], ifExists: true });
    for (const right of rule.rights) entry.rights.add(right);
    if (rule.why !== undefined && !entry.why.includes(rule.why)) entry.why.push(rule.why);
    entry.ifExists &&= rule.ifExists === true;
  }
  return [...byPath].map(([path, { rights, why, ifExists }]) => ({
    path,
    rights: [...rights],
    why: why.join("; "),
    ...(ifExists ? { ifExists } : {}),
  }));
}

/** Capabilities the enabled commands need, sorted. */
export function keptCapabilities(enabled: ReadonlySet<CommandName>): CapabilityName[] {
  const keep = new Set<CapabilityName>();
  for (const name of enabled) {
    for (const cap of needsOf(name).capabilities ?? []) keep.add(cap);
  }
  return [...keep].sort();
}

/** Commands whose programs signal processes outside the sandbox (init, systemd). */
const SIGNALLING: readonly CommandName[] = [
  "guest-shutdown",
  "guest-suspend-disk",
  "guest-suspend-ram",
  "guest-suspend-hybrid",
];

/** The sandbox of a confined profile. */
export function sandboxPlan(inputs: SandboxInputs): SandboxPlan {
  const roots = inputs.roots.map((root): LandlockRule => ({
    path: root.path,
    rights: root.writable ? RIGHTS.rootReadWrite : RIGHTS.rootReadOnly,
    why: root.writable ? "file root (read-write)" : "file root (read-only)",
  }));
  return {
    rules: mergeRules([
      ...inputs.runtime,
      ...ownRules(inputs.own),
      ...roots,
      ...commandRules(inputs),
    ]),
    keepCapabilities: keptCapabilities(inputs.enabled),
    denyTcp: true,
    scoped: !SIGNALLING.some((name) => inputs.enabled.has(name)),
  };
}
