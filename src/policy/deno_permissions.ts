/**
 * The Deno permission set of each profile: the flags `deno task start*` run with (deno.json's
 * `permissions` sets `default`, `files`, `readonly`) and `build.sh --profile` bakes. A test keeps
 * deno.json equal to {@linkcode permissionSet}; `build.sh --exec-allow` adds programs to the run
 * grant through {@linkcode denoFlags}.
 *
 * Confined profiles: read and write only beneath the file root grant (every other file the agent
 * touches goes through libc, confined by Landlock), `ffi`, a fixed list of environment variables,
 * and `run` only of the helper programs their commands start. No network, `sys` or `import`.
 *
 * @module
 */

import { COMMANDS } from "../schema/schema.ts";
import { needsOf } from "./command_needs.ts";
import { DEFAULT_FILE_ROOT, type ProfileName, PROFILES } from "./profiles.ts";
import { DEFAULT_FSFREEZE_HOOK } from "../config/config.ts";

/** The environment variables the agent reads (or deletes). */
export const AGENT_ENV: readonly string[] = [
  "QGA_CONF",
  "QGA_OS_RELEASE",
  "LISTEN_PID",
  "LISTEN_FDS",
  "LISTEN_FDNAMES",
  "PATH",
  "QGA_DENO_DAEMON_CHILD",
  "QGA_DENO_LANDLOCKED",
];

/** A Deno permission set in deno.json's shape (`true` = unrestricted). */
export interface DenoPermissionSet {
  readonly read: true | readonly string[];
  readonly write: true | readonly string[];
  readonly ffi: true;
  readonly env: readonly string[];
  readonly run: true | readonly string[];
}

/** The helper programs the commands of `profile` may start (Deno run grant), sorted. */
export function helperPrograms(profile: ProfileName): string[] {
  const out = new Set<string>();
  for (const command of COMMANDS) {
    if (PROFILES[profile].excluded.has(command.name)) continue;
    const needs = needsOf(command.name);
    for (const program of needs.programs ?? []) out.add(program);
    if (needs.hook) out.add(DEFAULT_FSFREEZE_HOOK);
  }
  return [...out].sort();
}

/**
 * The permission set of `profile`.
 *
 * @param profile The profile.
 * @param execAllow Programs guest-exec may start (`build.sh --exec-allow`), added to the run grant.
 * @returns The set, in deno.json's shape.
 */
export function permissionSet(
  profile: ProfileName,
  execAllow: readonly string[] = [],
): DenoPermissionSet {
  if (!PROFILES[profile].confined) {
    return { read: true, write: true, ffi: true, env: AGENT_ENV, run: true };
  }
  const run = [...new Set([...helperPrograms(profile), ...execAllow])].sort();
  return {
    read: [DEFAULT_FILE_ROOT],
    write: profile === "readonly" ? [] : [DEFAULT_FILE_ROOT],
    ffi: true,
    env: AGENT_ENV,
    run,
  };
}

/** The name of the deno.json permission set of `profile` (`full` is the `default` set). */
export function permissionSetName(profile: ProfileName): string {
  return profile === "full" ? "default" : profile;
}

/**
 * The command-line flags equal to a permission set (what `deno compile` bakes).
 *
 * @param set The permission set.
 * @returns Flags such as `--allow-read=/var/lib/qga-deno/files`; an empty list grants nothing.
 */
export function denoFlags(set: DenoPermissionSet): string[] {
  const flag = (name: string, value: true | readonly string[]): string[] => {
    if (value === true) return [`--allow-${name}`];
    return value.length === 0 ? [] : [`--allow-${name}=${value.join(",")}`];
  };
  return [
    ...flag("read", set.read),
    ...flag("write", set.write),
    ...flag("ffi", set.ffi),
    ...flag("env", set.env),
    ...flag("run", set.run),
  ];
}
