/**
 * Keeps `guest-file-open` inside the agent's Deno permissions when a path goes through symbolic
 * links.
 *
 * Deno checks `--allow-read`/`--allow-write` against the path as given, lexically; the kernel
 * then follows symbolic links. A link inside an allowed directory (`/allowed/link → /etc`) would
 * therefore lead the host anywhere. Before opening, the agent resolves the path the way the
 * kernel will — every directory symlink, and a final symlink even when its target does not exist
 * yet (a creating open follows a dangling link and creates the target) — asks Deno whether the
 * resolved path is granted for the access the mode needs, and then opens the resolved path.
 *
 * Resolution needs read access to the path's directory; a path that cannot be resolved under the
 * agent's permissions is refused rather than opened blindly. What remains is the usual race of
 * any check-then-open: a directory swapped for a link between the two steps.
 *
 * @module
 */

import type { FileAccess } from "./files.ts";

/** Linux's limit of symbolic links followed in one lookup (`MAXSYMLINKS`). */
const MAX_SYMLINKS = 40;

/** Thrown when the resolved path is outside the agent's permissions (a Deno `NotCapable`). */
function denied(kind: "read" | "write", resolved: string, path: string): Error {
  return new Deno.errors.NotCapable(
    `Requires ${kind} access to "${resolved}" (the target of "${path}"), ` +
      `run again with the --allow-${kind} flag`,
  );
}

/** Splits `path` into its directory and last component (`"a"` → `[".", "a"]`). */
function splitPath(path: string): [string, string] {
  const trimmed = path.length > 1 ? path.replace(/\/+$/, "") : path;
  const slash = trimmed.lastIndexOf("/");
  if (slash < 0) return [".", trimmed];
  return [slash === 0 ? "/" : trimmed.slice(0, slash), trimmed.slice(slash + 1)];
}

function isNotFound(error: unknown): boolean {
  return error instanceof Deno.errors.NotFound;
}

/**
 * Returns the path the kernel will open for `path`: its real path when it exists, else the real
 * path of its directory joined with the last component (following a dangling final symlink).
 * Returns `path` unchanged when its directory does not exist (the open fails with ENOENT).
 * Throws Deno's error when the agent may not read what resolution needs.
 */
export async function resolveForOpen(path: string): Promise<string> {
  let current = path;
  for (let hops = 0; hops <= MAX_SYMLINKS; hops++) {
    try {
      return await Deno.realPath(current);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    // Missing (or a dangling link somewhere): resolve the directory, then look at the name.
    const [dir, name] = splitPath(current);
    let realDir: string;
    try {
      realDir = await Deno.realPath(dir);
    } catch (error) {
      if (isNotFound(error)) return path; // open() answers ENOENT/ENOTDIR itself
      throw error;
    }
    const joined = realDir === "/" ? `/${name}` : `${realDir}/${name}`;
    if (name === "" || name === "." || name === "..") return joined;
    let target: string;
    try {
      target = await Deno.readLink(joined);
    } catch (error) {
      // Not a link (EINVAL) or absent: the name itself is what will be created or opened.
      if (isNotFound(error) || (error as { code?: string }).code === "EINVAL") return joined;
      throw error;
    }
    current = target.startsWith("/") ? target : `${realDir === "/" ? "" : realDir}/${target}`;
  }
  const loop = new Error("Too many levels of symbolic links") as Error & { code: string };
  loop.code = "ELOOP";
  throw loop;
}

/**
 * Resolves `path` ({@link resolveForOpen}) and checks the result against the agent's Deno
 * permissions for the access `mode` needs. Returns the resolved path to open; throws
 * `Deno.errors.NotCapable` when the target is not granted, or the error resolution met.
 */
export async function confineOpenPath(path: string, mode: FileAccess): Promise<string> {
  const resolved = await resolveForOpen(path);
  if (resolved === path) return path;
  for (const kind of ["read", "write"] as const) {
    if (!mode[kind]) continue;
    const status = await Deno.permissions.query({ name: kind, path: resolved });
    if (status.state !== "granted") throw denied(kind, resolved, path);
  }
  return resolved;
}
