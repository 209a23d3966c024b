/**
 * File roots: the directories beneath which the confined profiles open guest files.
 *
 * Written `PATH` (read-write) or `PATH:ro` (read-only), from repeatable `--file-root` options or
 * the config key `file-roots` (`;`-separated); the command line replaces the config's list, and
 * with neither the profile's default applies (`/var/lib/qga-deno/files`, read-write under `files`,
 * read-only under `readonly`). Every root must lie inside the Deno grant the binary was built
 * with (a root outside it is a start-up error, so nothing widens the grant), must not hold the
 * agent's own files, and under `readonly` must be read-only. The `full` profile has no roots.
 *
 * @module
 */

import { DEFAULT_FILE_ROOT, type Profile } from "./profiles.ts";

/** A file root as configured. */
export interface FileRootSpec {
  /** Absolute, normalised path. */
  readonly path: string;
  /** False for a `:ro` root. */
  readonly writable: boolean;
}

/** Thrown for a root that cannot be used; the message is the start-up error. */
export class FileRootError extends Error {
  override name = "FileRootError";
}

/**
 * Parses one `PATH[:ro]`.
 *
 * @param text The option or list value.
 * @returns The root.
 * @throws FileRootError when the path is not absolute and normalised.
 */
export function parseFileRoot(text: string): FileRootSpec {
  const readOnly = text.endsWith(":ro");
  const path = readOnly ? text.slice(0, -3) : text;
  const parts = path.split("/");
  const normal = path.startsWith("/") && path.length > 1 && !path.endsWith("/") &&
    parts.slice(1).every((p) => p !== "" && p !== "." && p !== "..");
  if (!normal) {
    throw new FileRootError(
      `file root '${text}' must be an absolute path without '.', '..', '//' or a trailing '/'` +
        ` (PATH or PATH:ro)`,
    );
  }
  return { path, writable: !readOnly };
}

/** True when `path` is `dir` or lies beneath it (component-wise). */
export function isWithin(path: string, dir: string): boolean {
  return dir === "/" || path === dir || path.startsWith(`${dir}/`);
}

/** What {@linkcode chooseFileRoots} consults. */
export interface FileRootInputs {
  /** `--file-root` values in order, or the config's `file-roots` when there are none. */
  readonly texts: readonly string[];
  /** Asks Deno whether `kind` access to `path` is granted (`Deno.permissions.querySync`). */
  readonly granted: (kind: "read" | "write", path: string) => boolean;
  /**
   * The agent's own files and directories by description (`state directory` → path), each
   * absolute and resolved; a root may not hold any of them.
   */
  readonly ownPaths: ReadonlyMap<string, string>;
  /** Resolves symbolic links of an existing path (`realpath`), or `undefined` when it is missing. */
  readonly realPath: (path: string) => string | undefined;
}

/**
 * The effective file roots of `profile`.
 *
 * @throws FileRootError for a root the profile cannot have (see the module documentation).
 */
export function chooseFileRoots(profile: Profile, inputs: FileRootInputs): FileRootSpec[] {
  if (profile.files === "anywhere") {
    if (inputs.texts.length > 0) {
      throw new FileRootError(
        `the ${profile.name} profile opens files anywhere and has no file roots; ` +
          "file roots belong to the files and readonly profiles",
      );
    }
    return [];
  }
  const texts = inputs.texts;
  const roots = texts.length > 0
    ? texts.map(parseFileRoot)
    : [{ path: DEFAULT_FILE_ROOT, writable: profile.files === "roots" }];
  const seen = new Set<string>();
  return roots.filter((root) => {
    checkRoot(profile, root, inputs);
    if (seen.has(root.path)) return false;
    seen.add(root.path);
    return true;
  });
}

function checkRoot(profile: Profile, root: FileRootSpec, inputs: FileRootInputs): void {
  const spelled = `${root.path}${root.writable ? "" : ":ro"}`;
  if (root.writable && profile.files === "read-only-roots") {
    throw new FileRootError(
      `file root '${spelled}': the ${profile.name} profile has read-only roots only ` +
        `(write '${root.path}:ro')`,
    );
  }
  const kinds = root.writable ? ["read", "write"] as const : ["read"] as const;
  for (const kind of kinds) {
    if (!inputs.granted(kind, root.path)) {
      throw new FileRootError(
        `file root '${spelled}' is outside what this agent was built to ${kind} ` +
          `(${DEFAULT_FILE_ROOT} and beneath it); a root can narrow that grant, never widen it`,
      );
    }
  }
  // Deno's grant is lexical, but the root is opened (and the Landlock rule made) through its
  // symbolic links: where it really leads must lie in the grant too (as the kernel sees it).
  const resolved = inputs.realPath(root.path) ?? root.path;
  const grant = inputs.realPath(DEFAULT_FILE_ROOT) ?? DEFAULT_FILE_ROOT;
  for (const kind of kinds) {
    if (!inputs.granted(kind, resolved) && !isWithin(resolved, grant)) {
      throw new FileRootError(
        `file root '${spelled}' leads through a symbolic link to '${resolved}', outside what ` +
          `this agent was built to ${kind} (${DEFAULT_FILE_ROOT} and beneath it)`,
      );
    }
  }
  for (const [what, own] of inputs.ownPaths) {
    if (isWithin(own, resolved) || isWithin(own, root.path)) {
      throw new FileRootError(
        `file root '${spelled}' holds the agent's ${what} (${own}); guest-file-* must never ` +
          "reach the agent's own files",
      );
    }
  }
}
