/**
 * qemu-ga's persistent state in the state directory (`-t`):
 *
 * - `qga.state`: a key file `[global]\nfd_counter=<N>\n` holding the next file handle, so a
 *   restarted agent never hands out a handle twice. Written atomically (temp file + rename).
 * - `qga.state.isfrozen`: an empty marker that exists while filesystems are frozen; present at
 *   start-up it means "start frozen".
 *
 * @module
 */

import { parseKeyFile } from "../sys/key_file.ts";
import { errorText } from "../sys/os_error.ts";

/** The first handle a fresh state directory hands out. */
export const FIRST_HANDLE = 1000n;

/** Paths of the two state files in a state directory. */
export interface StatePaths {
  readonly stateFile: string;
  readonly frozenMarker: string;
}

/** Returns the state file paths for `statedir`. */
export function statePaths(statedir: string): StatePaths {
  const dir = statedir.endsWith("/") && statedir.length > 1 ? statedir.slice(0, -1) : statedir;
  return { stateFile: `${dir}/qga.state`, frozenMarker: `${dir}/qga.state.isfrozen` };
}

/** Parses `qga.state` text; returns the counter or throws Error with GLib's text. */
export function parseStateFile(text: string): bigint {
  const parsed = parseKeyFile(text);
  if (!parsed.ok) throw new Error(parsed.message);
  const value = parsed.file.get("global")?.get("fd_counter");
  if (value === undefined) return FIRST_HANDLE;
  // g_key_file_get_int64 semantics: a value that is not an integer reads as 0.
  return /^-?\d+$/.test(value.trim()) ? BigInt(value.trim()) : 0n;
}

/** Serialises the state file exactly as qemu-ga writes it. */
export function formatStateFile(counter: bigint): string {
  return `[global]\nfd_counter=${counter}\n`;
}

/** Writes `qga.state` atomically: a temp file in the same directory renamed over the old one. */
export function writeStateFile(paths: StatePaths, counter: bigint): void {
  const suffix = Math.random().toString(36).slice(2, 8).padEnd(6, "X");
  const temp = `${paths.stateFile}.${suffix}`;
  try {
    // No `mode`: Deno would chmod to it exactly; open(2)'s 0666 minus the umask is qemu-ga's.
    Deno.writeTextFileSync(temp, formatStateFile(counter), { createNew: true });
  } catch (error) {
    throw new Error(`Failed to create file “${temp}”: ${errorText(error)}`);
  }
  try {
    Deno.renameSync(temp, paths.stateFile);
  } catch (error) {
    try {
      Deno.removeSync(temp);
    } catch {
      // the temp file may already be gone
    }
    throw new Error(`Failed to rename file “${temp}” to “${paths.stateFile}”: ${errorText(error)}`);
  }
}

/** Reads the counter; a missing file yields {@link FIRST_HANDLE} and `created: false`. */
export function readStateFile(paths: StatePaths): { counter: bigint; existed: boolean } {
  let text: string;
  try {
    text = Deno.readTextFileSync(paths.stateFile);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return { counter: FIRST_HANDLE, existed: false };
    throw error;
  }
  return { counter: parseStateFile(text), existed: true };
}

/** True when the frozen marker exists (a stat error other than "not found" counts as frozen). */
export function frozenMarkerExists(paths: StatePaths): boolean {
  try {
    Deno.statSync(paths.frozenMarker);
    return true;
  } catch (error) {
    return !(error instanceof Deno.errors.NotFound);
  }
}
