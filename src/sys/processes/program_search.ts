/**
 * Where a program named without a `/` is looked for, as GLib does it for qemu-ga:
 *
 * - guest-exec (`g_spawn_async_with_pipes` with `G_SPAWN_SEARCH_PATH |
 *   G_SPAWN_SEARCH_PATH_FROM_ENVP`): the `PATH` of the child's environment when the host gave
 *   one (the first `PATH=` entry), else the agent's own `PATH`, else `/bin:/usr/bin:.`; each
 *   element is tried in order, an empty element meaning the current directory. GLib's child
 *   `execv()`s every candidate and moves on after `ENOENT`, `ENOTDIR`, `ESTALE`, `ENODEV`,
 *   `ETIMEDOUT` and `EACCES`; if any candidate gave `EACCES` the failure is reported as
 *   `EACCES`, else as the last error ({@link SEARCH_CONTINUES}).
 * - guest-set-user-password in 7.2 (`g_find_program_in_path("chpasswd")`): the agent's `PATH`
 *   (else `/bin:/usr/bin:.`), the first candidate that is executable and not a directory.
 *
 * Pure functions over strings; the callers probe the file system.
 *
 * @module
 */

import { Errno } from "../errno.ts";

/** GLib's search path when no `PATH` is set. */
export const DEFAULT_SEARCH_PATH = "/bin:/usr/bin:.";

/** The errno values after which GLib's exec loop tries the next `PATH` element. */
export const SEARCH_CONTINUES: ReadonlySet<number> = new Set([
  Errno.ENOENT,
  Errno.ENOTDIR,
  Errno.ESTALE,
  Errno.ENODEV,
  Errno.ETIMEDOUT,
  Errno.EACCES,
]);

/**
 * The value of the first `PATH=` entry of an environment list (`g_environ_getenv`).
 *
 * @param env `NAME=value` entries.
 * @returns The value, or undefined when no entry names `PATH`.
 */
export function pathOfEnvironment(env: readonly string[]): string | undefined {
  const entry = env.find((e) => e.startsWith("PATH="));
  return entry?.slice("PATH=".length);
}

/**
 * The candidate files for `program` along `searchPath`, in order; an empty element is the
 * current directory (`./program`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { searchCandidates } from "./program_search.ts";
 * assert.deepEqual(searchCandidates("ls", "/bin::/usr/bin/"), ["/bin/ls", "./ls", "/usr/bin//ls"]);
 * ```
 */
export function searchCandidates(program: string, searchPath: string): string[] {
  return searchPath.split(":").map((dir) => `${dir === "" ? "." : dir}/${program}`);
}

/**
 * The files GLib would try to execute for a guest-exec `path`.
 *
 * @param path The program as the host gave it.
 * @param searchPath The search path (see the module doc).
 * @returns `[path]` for a path containing `/`, no candidate for an empty name (GLib fails it
 *   with `ENOENT`), else {@link searchCandidates}.
 */
export function execCandidates(path: string, searchPath: string): string[] {
  if (path === "") return [];
  return path.includes("/") ? [path] : searchCandidates(path, searchPath);
}
