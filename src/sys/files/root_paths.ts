/**
 * Which file root a guest path names, lexically: the path must be absolute and its leading
 * components must be a root's components (`/srv/files` holds `/srv/files/a` and `/srv/files`,
 * not `/srv/filesX`). Empty and `.` components are ignored for the match; `..` and symbolic links
 * are left to the kernel (`openat2(…, RESOLVE_BENEATH)`), which refuses any that leaves the root.
 *
 * @module
 */

/** A guest path split at a root: the root's index and the rest, relative to the root. */
export interface RootMatch {
  /** Index of the matched root in the list given. */
  readonly index: number;
  /** The rest of the path as given (leading slashes removed), `.` for the root itself. */
  readonly relative: string;
}

/**
 * The components of an absolute root path (`/srv//files/.` → `["srv", "files"]`).
 *
 * @returns The components, or an error text for a path that is not absolute or contains `..`.
 */
export function rootComponents(path: string): string[] | string {
  if (!path.startsWith("/")) return "not an absolute path";
  const parts = path.split("/").filter((part) => part !== "" && part !== ".");
  if (parts.includes("..")) return "contains '..'";
  return parts;
}

/**
 * Finds the root an absolute `path` lies in lexically; the longest matching root wins.
 *
 * @param path The guest path (absolute; anything else matches nothing).
 * @param roots Each root's components ({@link rootComponents}).
 * @returns The match, or undefined when the path is relative or outside every root.
 */
export function matchRoot(
  path: string,
  roots: readonly (readonly string[])[],
): RootMatch | undefined {
  if (!path.startsWith("/")) return undefined;
  const names: string[] = [];
  const ends: number[] = [];
  for (let i = 0; i < path.length;) {
    if (path[i] === "/") {
      i++;
      continue;
    }
    const slash = path.indexOf("/", i);
    const end = slash < 0 ? path.length : slash;
    const name = path.slice(i, end);
    if (name !== ".") (names.push(name), ends.push(end));
    i = end;
  }
  let best = -1;
  for (let k = 0; k < roots.length; k++) {
    const root = roots[k]!;
    if (root.length > names.length || (best >= 0 && root.length <= roots[best]!.length)) continue;
    if (root.every((part, m) => names[m] === part)) best = k;
  }
  if (best < 0) return undefined;
  const depth = roots[best]!.length;
  const rest = path.slice(depth === 0 ? 0 : ends[depth - 1]).replace(/^\/+/, "");
  return { index: best, relative: rest === "" ? "." : rest };
}

/**
 * Splits a relative path into its directory and last component, keeping a trailing slash on
 * the last component (so the kernel still answers for `dir/`): `a/b` → `["a", "b"]`, `b` →
 * `[".", "b"]`, `a/b/` → `["a", "b/"]`.
 */
export function splitLast(relative: string): [string, string] {
  let end = relative.length;
  while (end > 1 && relative[end - 1] === "/") end--;
  const slash = relative.lastIndexOf("/", end - 1);
  if (slash < 0) return [".", relative];
  const parent = relative.slice(0, slash).replace(/\/+$/, "");
  return [parent === "" ? "." : parent, relative.slice(slash + 1)];
}
