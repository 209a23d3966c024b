/**
 * One guest-file-open attack and its verdict: the open is sent, and a handle that comes back
 * is closed at once (nothing is ever written to it) and reported, so the test fails without
 * having touched the file; a refusal must be qemu-ga's text for `Permission denied` — or
 * `Read-only file system` for a write mode on a path that lies, as spelled, in a read-only root.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { ProfileName } from "../../src/policy/profiles.ts";
import { type LineClient, openRefusal, type Reply } from "./client.ts";
import type { Scene } from "./scene.ts";

/** Modes that open for writing. */
const WRITE_MODES = /[wa+]/;

/** What one open did: refused with a description, or opened (and closed again). */
export type OpenOutcome = { readonly refused: string } | { readonly opened: number };

/** Sends guest-file-open; a handle that comes back is closed at once. */
export async function attemptOpen(
  client: LineClient,
  path: string,
  mode: string,
): Promise<OpenOutcome> {
  const reply: Reply = await client.call("guest-file-open", { path, mode });
  if ("error" in reply) return { refused: reply.error.desc };
  const handle = reply.return as number;
  await client.call("guest-file-close", { handle });
  return { opened: handle };
}

/** True when `path`, as spelled, lies in `root` (the agent matches roots lexically). */
function lexicallyIn(path: string, root: string): boolean {
  return path === root || path.startsWith(`${root}/`);
}

/**
 * The refusal `profile` answers for `path` in `mode`: `Read-only file system` for a write mode
 * on a path spelled inside a read-only root, else `Permission denied`.
 */
export function expectedRefusal(
  profile: ProfileName,
  scene: Scene,
  path: string,
  mode: string,
): string {
  const readOnlyRoots = profile === "readonly" ? [scene.rw, scene.ro] : [scene.ro];
  const inReadOnly = readOnlyRoots.some((root) => lexicallyIn(path, root));
  const reason = WRITE_MODES.test(mode) && inReadOnly
    ? "Read-only file system"
    : "Permission denied";
  return openRefusal(path, mode, reason);
}

/** Asserts that opening `path` in each of `modes` is refused as {@link expectedRefusal} says. */
export async function assertRefused(
  client: LineClient,
  profile: ProfileName,
  scene: Scene,
  path: string,
  modes: readonly string[],
): Promise<void> {
  for (const mode of modes) {
    const outcome = await attemptOpen(client, path, mode);
    assert.deepEqual(
      outcome,
      { refused: expectedRefusal(profile, scene, path, mode) },
      `${profile}: open '${path}' mode ${mode}`,
    );
  }
}
