/**
 * The three profiles an agent is built for — `full`, `files`, `readonly` — as data: what each
 * lets the host do, in words an operator can check, and which commands it enables.
 *
 * A profile is fixed when the agent is built (`build.sh --profile NAME`, or the deno.json task
 * `start`, `start:files`, `start:readonly`): the binary carries `--profile=NAME` as its first
 * argument and the matching Deno permission set (`./deno_permissions.ts`). Nothing the host can
 * write — the config file, the state directory — can widen it; the config and the command line
 * can only narrow it (`-b`, `-a`, fewer file roots).
 *
 * @module
 */

import { type CommandName, COMMANDS } from "../schema/schema.ts";
import type { ProfileName } from "../config/profile_name.ts";

export { isProfileName, PROFILE_NAMES, type ProfileName } from "../config/profile_name.ts";

/** The directory the confined profiles' file root grant covers (and their default root). */
export const DEFAULT_FILE_ROOT = "/var/lib/qga-deno/files";

/** Where guest-file-open may reach under a profile. */
export type FileReach =
  /** Anywhere the process can open, as qemu-ga. */
  | "anywhere"
  /** Beneath the file roots, read-write ones and `:ro` ones. */
  | "roots"
  /** Beneath read-only roots only. */
  | "read-only-roots";

/** One profile. */
export interface Profile {
  /** Its name. */
  readonly name: ProfileName;
  /** One line: what it is for. */
  readonly summary: string;
  /** What it confines, and what it does not, said plainly (the audit and the README). */
  readonly confines: string;
  /** True for the profiles the kernel confines (Landlock, capabilities, openat2 roots). */
  readonly confined: boolean;
  /** Where guest-file-open reaches. */
  readonly files: FileReach;
  /** Which programs guest-exec may start: any, or only those listed with `--exec-allow`. */
  readonly exec: "any" | "listed";
  /** Why each command the profile leaves out is left out (the others are enabled). */
  readonly excluded: ReadonlyMap<CommandName, string>;
}

/** Why a command is outside a profile, by what it would let the host do. */
const WHY = {
  login: "it hands out logins (passwords, SSH keys)",
  change: "it changes the guest",
  exec: "it runs programs",
  write: "it writes files",
} as const;

/**
 * Guest-changing commands the `files` profile keeps: what the host can do to the VM from outside
 * anyway (power, clock, CPUs, memory) and what backups need (freeze, thaw, trim).
 */
const FILES_CHANGES: ReadonlySet<CommandName> = new Set<CommandName>([
  "guest-set-time",
  "guest-shutdown",
  "guest-fsfreeze-freeze",
  "guest-fsfreeze-freeze-list",
  "guest-fsfreeze-thaw",
  "guest-fstrim",
  "guest-suspend-disk",
  "guest-suspend-ram",
  "guest-suspend-hybrid",
  "guest-set-vcpus",
  "guest-set-memory-blocks",
]);

/** The guest-file commands that only read (the `readonly` profile keeps these). */
const FILE_READS: ReadonlySet<CommandName> = new Set<CommandName>([
  "guest-file-open",
  "guest-file-read",
  "guest-file-seek",
  "guest-file-close",
]);

/** Builds the exclusion map from a predicate that answers a reason or `undefined` (kept). */
function excludedBy(rule: (name: CommandName) => string | undefined): Map<CommandName, string> {
  const out = new Map<CommandName, string>();
  for (const command of COMMANDS) {
    const reason = rule(command.name);
    if (reason !== undefined) out.set(command.name, reason);
  }
  return out;
}

const effectOf = new Map(COMMANDS.map((c) => [c.name as CommandName, c.effect]));

/** The profiles by name. */
export const PROFILES: Readonly<Record<ProfileName, Profile>> = {
  full: {
    name: "full",
    summary: "qemu-ga parity: every command, files anywhere, guest-exec of any program",
    confines: "nothing: UNCONFINED — whoever controls the host side of the channel is root " +
      "in the guest (guest-file-write over any file, guest-exec of any program)",
    confined: false,
    files: "anywhere",
    exec: "any",
    excluded: new Map(),
  },
  files: {
    name: "files",
    summary: "information, guest-file-* beneath the file roots, power/clock/CPU/memory/freeze " +
      "control, guest-exec only of listed programs",
    confines: "guest files to the file roots (openat2 beneath each root, regular files on " +
      "ordinary file systems only, never the agent's own files); the whole process and every " +
      "child to the Landlock ruleset printed here; capabilities to those its commands need; " +
      "no passwords or SSH keys. Not confined: hard links and bind mounts inside a root lead " +
      "where they point; listed programs run as root inside the same ruleset",
    confined: true,
    files: "roots",
    exec: "listed",
    excluded: excludedBy((name) => {
      if (name === "guest-set-user-password" || name.startsWith("guest-ssh-")) {
        return name === "guest-ssh-get-authorized-keys" ? undefined : WHY.login;
      }
      return effectOf.get(name) === "change" && !FILES_CHANGES.has(name) ? WHY.change : undefined;
    }),
  },
  readonly: {
    name: "readonly",
    summary: "information only, and guest-file reads beneath read-only roots",
    confines: "everything the files profile confines, and: no command that writes a file, " +
      "runs a program or changes the guest; file roots are read-only",
    confined: true,
    files: "read-only-roots",
    exec: "listed",
    excluded: excludedBy((name) => {
      switch (effectOf.get(name)) {
        case "change":
          return name === "guest-set-user-password" || name.startsWith("guest-ssh-")
            ? WHY.login
            : WHY.change;
        case "exec":
          return WHY.exec;
        case "file":
          return FILE_READS.has(name) ? undefined : WHY.write;
        default:
          return undefined;
      }
    }),
  },
};
