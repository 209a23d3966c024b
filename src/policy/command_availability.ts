/**
 * The capability-aware command table: for each command, enabled, or the reason it is not —
 * decided at start-up from the profile and from what this process really holds (Deno's
 * permissions, the kernel's openat2, capabilities, usable file roots, listed programs).
 *
 * A disabled command answers qemu-ga's `Command X has been disabled` and shows `enabled: false`
 * in `guest-info`, like a command blocked with `-b`; the reasons are logged once at start-up and
 * printed by `--print-policy`.
 *
 * @module
 */

import { type CommandEffect, type CommandName, COMMANDS } from "../schema/schema.ts";
import type { CapabilityName } from "../sys/capabilities.ts";
import { needsOf } from "./command_needs.ts";
import type { FileRootSpec } from "./file_roots.ts";
import type { Profile } from "./profiles.ts";

/** One command's status. */
export interface CommandStatus {
  readonly name: CommandName;
  readonly effect: CommandEffect;
  /** Absent: enabled. */
  readonly disabledBecause?: string;
}

/** What the process holds, as the table needs it. */
export interface HeldResources {
  /** Deno grants running `program` (`Deno.permissions.querySync({name: "run", command})`). */
  readonly mayRun: (program: string) => boolean;
  /** `openat2(RESOLVE_BENEATH)` works on this kernel. */
  readonly openat2: boolean;
  /** Capabilities in the effective set now (before a confined profile drops any). */
  readonly capabilities: ReadonlySet<CapabilityName>;
  /** The file roots that could be opened. */
  readonly usableRoots: readonly FileRootSpec[];
  /** Programs listed for guest-exec. */
  readonly execAllow: readonly string[];
  /** The fsfreeze hook (`-F`), if any. */
  readonly hook?: string;
}

/** guest-file commands that write. */
const FILE_WRITES: ReadonlySet<string> = new Set(["guest-file-write", "guest-file-flush"]);

/** Why `name` cannot run under `profile` with `held`, or `undefined` when it can. */
function reasonFor(
  name: CommandName,
  effect: CommandEffect,
  profile: Profile,
  held: HeldResources,
) {
  const excluded = profile.excluded.get(name);
  if (excluded !== undefined) return `not in the ${profile.name} profile: ${excluded}`;
  if (!profile.confined) return undefined;
  const needs = needsOf(name);
  if (effect === "exec" && held.execAllow.length === 0) {
    return "no program is listed for guest-exec (--exec-allow)";
  }
  if (effect === "file") {
    if (!held.openat2) return "openat2 (Linux 5.6) is unavailable: files cannot be confined";
    if (held.usableRoots.length === 0) return "no file root can be opened";
    if (FILE_WRITES.has(name) && !held.usableRoots.some((root) => root.writable)) {
      return "every file root is read-only";
    }
  }
  const programs = needs.programs ?? [];
  if (programs.length > 0 && !programs.some((program) => held.mayRun(program))) {
    return `Deno does not grant running ${programs.join(" or ")}`;
  }
  if (needs.hook && held.hook !== undefined && !held.mayRun(held.hook)) {
    return `Deno does not grant running the fsfreeze hook ${held.hook}`;
  }
  const missing = (needs.capabilities ?? []).filter((cap) => !held.capabilities.has(cap));
  if (missing.length > 0) return `this process does not hold ${missing.join(", ")}`;
  return undefined;
}

/**
 * Every command's status under `profile`, in schema order.
 *
 * @param profile The profile.
 * @param held What the process holds.
 * @returns One status per command of the schema.
 */
export function commandStatuses(profile: Profile, held: HeldResources): CommandStatus[] {
  return COMMANDS.map((command) => {
    const name = command.name as CommandName;
    const reason = reasonFor(name, command.effect, profile, held);
    return reason === undefined
      ? { name, effect: command.effect }
      : { name, effect: command.effect, disabledBecause: reason };
  });
}
