/**
 * File-system predicates the tests share.
 *
 * @module
 */

/**
 * True when `path` names anything — a dangling symbolic link included (`lstat`, no following).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { existsNoFollow } from "./fs.ts";
 * assert.equal(existsNoFollow("/"), true);
 * assert.equal(existsNoFollow("/no/such/path"), false);
 * ```
 */
export function existsNoFollow(path: string): boolean {
  try {
    Deno.lstatSync(path);
    return true;
  } catch {
    return false;
  }
}
