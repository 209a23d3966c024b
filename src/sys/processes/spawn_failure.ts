/**
 * How a failed `Deno.Command` spawn is reported by the process domain (`../processes.ts`).
 *
 * @module
 */

import { Errno } from "../errno.ts";
import { OsError } from "../os_error.ts";
import type { SpawnFailure } from "../processes.ts";

/**
 * Classifies a `Deno.Command` spawn error.
 *
 * @param error What `spawn()` threw.
 * @returns The `spawn-failed` outcome: `not-capable` for a program outside the agent's
 *   `--allow-run` permission (with Deno's message), else the strerror text of the OS error.
 */
export function spawnFailure(error: unknown): SpawnFailure {
  if (error instanceof Deno.errors.NotCapable) {
    return { kind: "spawn-failed", reason: "not-capable", text: error.message };
  }
  const os = OsError.from(error);
  const text = os?.message ?? (error instanceof Error ? error.message : String(error));
  if (os?.errno === Errno.ENOENT) return { kind: "spawn-failed", reason: "not-found", text };
  if (os?.errno === Errno.EACCES) return { kind: "spawn-failed", reason: "permission", text };
  return { kind: "spawn-failed", reason: "other", text };
}
