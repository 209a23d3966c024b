/**
 * qemu-ga's persistent state in the state directory (`-t`):
 *
 * - `qga.state`: a key file `[global]\nfd_counter=<N>\n` holding the next file handle, so a
 *   restarted agent never hands out a handle twice. Written atomically (temp file + rename).
 * - `qga.state.isfrozen`: an empty marker that exists while filesystems are frozen; present at
 *   start-up it means "start frozen".
 *
 * Both go through libc (`src/sys/`), never a Deno file API: in the confined profiles Deno's
 * read/write grant is only the file roots, and the kernel (Landlock) bounds these paths instead.
 * None of them follows a symlink: whoever can plant a link in the state directory cannot make the
 * agent read, create or overwrite a file elsewhere. `qga.state` is read with `O_NOFOLLOW` and
 * replaced by `rename()` (which replaces a link, never writes through it) from a temp file
 * created `O_CREAT | O_EXCL | O_NOFOLLOW` under a random name, mode 0600; the marker is created
 * `O_CREAT | O_EXCL | O_NOFOLLOW`, tested with a no-follow `statx` and removed with `unlink`.
 *
 * @module
 */

import { Errno } from "../sys/errno.ts";
import { closeFd, openPath, statPath, unlinkPath, writeAllFd } from "../sys/fd.ts";
import { parseKeyFile } from "../sys/key_file.ts";
import { errorText, OsError } from "../sys/os_error.ts";
import { readRegularFile, renamePath } from "../sys/path_ops.ts";
import { OpenFlags } from "../sys/structs.ts";

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

/** What GLib's `g_mkstemp` draws the six `X` of a temp name from. */
const TEMP_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** How many names GLib's `g_mkstemp` tries before it gives up with `EEXIST`. */
const TEMP_ATTEMPTS = 100;

/** Six random letters or digits for a temp name (as GLib's `g_file_set_contents` uses). */
export function randomTempSuffix(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(6));
  return Array.from(bytes, (b) => TEMP_LETTERS[b % TEMP_LETTERS.length]).join("");
}

/** Flags of the temp file: a new regular file, never an existing name or a symlink's target. */
const TEMP_FLAGS = OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL |
  OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC;

/** Creates `<stateFile>.XXXXXX` with a fresh random name; retries a name that exists. */
function createTemp(stateFile: string, suffix: () => string): { fd: number; temp: string } {
  let temp = "";
  for (let attempt = 0; attempt < TEMP_ATTEMPTS; attempt++) {
    temp = `${stateFile}.${suffix()}`;
    try {
      return { fd: openPath(temp, TEMP_FLAGS, 0o600), temp };
    } catch (error) {
      if (OsError.from(error)?.errno !== Errno.EEXIST) {
        throw new Error(`Failed to create file “${temp}”: ${errorText(error)}`);
      }
    }
  }
  throw new Error(`Failed to create file “${temp}”: ${OsError.of("EEXIST").message}`);
}

/**
 * Writes `qga.state` atomically: a new temp file in the same directory (see the module doc),
 * renamed over the old one.
 *
 * @param paths The state files.
 * @param counter The next handle to store.
 * @param suffix The temp name's random part (tests pass a fixed sequence).
 * @throws Error with GLib's `g_file_set_contents` wording.
 */
export function writeStateFile(
  paths: StatePaths,
  counter: bigint,
  suffix: () => string = randomTempSuffix,
): void {
  const { fd, temp } = createTemp(paths.stateFile, suffix);
  try {
    writeAllFd(fd, new TextEncoder().encode(formatStateFile(counter)));
  } catch (error) {
    closeFd(fd);
    removeQuietly(temp);
    throw new Error(`Failed to write file “${temp}”: write() failed: ${errorText(error)}`);
  }
  closeFd(fd);
  try {
    renamePath(temp, paths.stateFile);
  } catch (error) {
    removeQuietly(temp);
    throw new Error(`Failed to rename file “${temp}” to “${paths.stateFile}”: ${errorText(error)}`);
  }
}

/**
 * Reads the counter; a missing file yields {@link FIRST_HANDLE} and `existed: false`. A symlink
 * is not followed (`Too many levels of symbolic links`); anything but a regular file is GLib's
 * `Not a regular file`.
 *
 * @throws Error (an `OsError` for a failed system call) with the text qemu-ga appends.
 */
export function readStateFile(paths: StatePaths): { counter: bigint; existed: boolean } {
  let bytes: Uint8Array | undefined;
  try {
    bytes = readRegularFile(paths.stateFile, { follow: false });
  } catch (error) {
    if (OsError.from(error)?.errno === Errno.ENOENT) {
      return { counter: FIRST_HANDLE, existed: false };
    }
    throw error;
  }
  if (bytes === undefined) throw new Error("Not a regular file");
  return { counter: parseStateFile(new TextDecoder().decode(bytes)), existed: true };
}

/**
 * True when the frozen marker exists, as 7.2's `check_is_frozen()` decides: a `stat` error other
 * than "not found" counts as frozen too. Unlike 7.2's `stat()` the test does not follow a
 * symlink: any entry of that name (a symlink too, even a dangling one) means frozen.
 */
export function frozenMarkerExists(paths: StatePaths): boolean {
  try {
    statPath(paths.frozenMarker, { follow: false });
    return true;
  } catch (error) {
    return OsError.from(error)?.errno !== Errno.ENOENT;
  }
}

/** Flags of the frozen marker: created new; an existing name (even a symlink) is left alone. */
const MARKER_FLAGS = OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL |
  OpenFlags.O_NOFOLLOW | OpenFlags.O_CLOEXEC;

/**
 * Creates the frozen marker (mode 0600 less the umask, as qemu-ga's `ga_create_file`). An entry
 * already at that name is the frozen state already: nothing is opened through it.
 *
 * @throws OsError when it can be neither created nor found existing.
 */
export function createFrozenMarker(paths: StatePaths): void {
  try {
    closeFd(openPath(paths.frozenMarker, MARKER_FLAGS, 0o600));
  } catch (error) {
    if (OsError.from(error)?.errno !== Errno.EEXIST) throw error;
  }
}

/**
 * Removes the frozen marker with `unlink` (a symlink goes, its target stays); a marker already
 * gone is no error.
 *
 * @throws OsError when it cannot be removed.
 */
export function removeFrozenMarker(paths: StatePaths): void {
  try {
    unlinkPath(paths.frozenMarker);
  } catch (error) {
    if (OsError.from(error)?.errno !== Errno.ENOENT) throw error;
  }
}

/** Unlinks a temp file that is no longer wanted; it may already be gone. */
function removeQuietly(path: string): void {
  try {
    unlinkPath(path);
  } catch {
    // nothing left to clean up
  }
}
