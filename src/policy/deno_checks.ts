/**
 * Deno's permissions as the audit shows them: every grant the profile declares, asked of the
 * running process, and probes that a confined profile must refuse — so `--print-policy` reports
 * what is really in force, not only what deno.json says.
 *
 * @module
 */

import { type DenoPermissionSet, permissionSet } from "./deno_permissions.ts";
import type { Profile } from "./profiles.ts";

/** One permission asked of Deno. */
export interface DenoCheck {
  /** `read`, `write`, `run`, `env`, `ffi`, `net`, `sys`. */
  readonly permission: string;
  /** The path, program or variable asked about; `*` for the whole permission. */
  readonly target: string;
  /** What the profile expects. */
  readonly expected: "granted" | "refused";
  /** What Deno answered. */
  readonly granted: boolean;
}

/** A permission name, with `import` (queried by Deno 2.9, not yet in its type declarations). */
type PermissionName = Deno.PermissionName | "import";

/** Targets a confined profile must refuse, by permission. */
const MUST_REFUSE: readonly [PermissionName, string][] = [
  ["read", "/etc/shadow"],
  ["read", "/"],
  ["write", "/usr/sbin/hwclock"],
  ["write", "/etc/qemu/qemu-ga.conf"],
  ["write", "/"],
  ["run", "/bin/sh"],
  ["net", "*"],
  ["sys", "*"],
  ["env", "*"],
  ["import", "jsr.io"],
];

/** A permission descriptor for `name` and `target` (`*` = the whole permission). */
export function descriptor(name: PermissionName, target: string): Deno.PermissionDescriptor {
  if (target === "*") return { name } as Deno.PermissionDescriptor;
  switch (name) {
    case "read":
    case "write":
    case "ffi":
      return { name, path: target };
    case "run":
      return { name, command: target };
    case "env":
      return { name, variable: target };
    case "net":
      return { name, host: target };
    case "import":
      return { name, host: target } as unknown as Deno.PermissionDescriptor;
    default:
      return { name, kind: target } as Deno.PermissionDescriptor;
  }
}

/** The declared grants of `set` as (permission, target) pairs. */
function declared(set: DenoPermissionSet): [Deno.PermissionName, string][] {
  const out: [Deno.PermissionName, string][] = [];
  const add = (name: Deno.PermissionName, value: true | readonly string[]) => {
    if (value === true) out.push([name, "*"]);
    else for (const target of value) out.push([name, target]);
  };
  add("read", set.read);
  add("write", set.write);
  add("ffi", set.ffi);
  add("env", set.env);
  add("run", set.run);
  return out;
}

/**
 * Asks Deno about the profile's declared grants and, for a confined profile, about what it must
 * refuse.
 *
 * @param profile The profile.
 * @param execAllow Programs listed for guest-exec (part of the run grant).
 * @param granted Asks the running process (`Deno.permissions.querySync`).
 * @returns One check per question, declared grants first.
 */
export function denoChecks(
  profile: Profile,
  execAllow: readonly string[],
  granted: (descriptor: Deno.PermissionDescriptor) => boolean,
): DenoCheck[] {
  const ask = (name: PermissionName, target: string, expected: DenoCheck["expected"]) => ({
    permission: name,
    target,
    expected,
    granted: granted(descriptor(name, target)),
  });
  const checks = declared(permissionSet(profile.name, execAllow)).map(([name, target]) =>
    ask(name, target, "granted")
  );
  if (profile.confined) {
    for (const [name, target] of MUST_REFUSE) checks.push(ask(name, target, "refused"));
  }
  return checks;
}
