/**
 * The paths and error types of guest-ssh-*-authorized-keys: `<home>/.ssh/authorized_keys` built
 * as GLib's `g_build_filename()` prints it, GLib's quoting, and the two errors of the file steps
 * (`./ssh_files.ts`).
 *
 * @module
 */

import { OsError } from "../../sys/os_error.ts";

/** The file name qemu-ga uses. */
export const KEYS_FILE = "authorized_keys";

/** A failed file step; `refused` marks what qemu-ga would have done but qga-deno refuses. */
export class SshFileError extends Error {
  /** Creates the error with the text that follows qemu-ga's `failed to …: ` prefix. */
  constructor(readonly detail: string, readonly refused = false) {
    super(detail);
    this.name = "SshFileError";
  }
}

/** A failure with its own complete qemu-ga text (mkdir, chown, chmod steps). */
export class SshStepError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "SshStepError";
  }
}

/** `g_build_filename(dir, name)`: one `/` between them, the directory's leading ones kept. */
export function buildFilename(dir: string, name: string): string {
  const body = dir.replace(/^\/+/, "").replace(/\/+$/, "");
  const lead = dir.length - dir.replace(/^\/+/, "").length;
  if (body === "") return dir === "" ? name : "/".repeat(lead) + name;
  return "/".repeat(lead) + body + "/" + name;
}

/** The paths of one user's keys, as qemu-ga prints them. */
export interface SshPaths {
  /** `<home>/.ssh`. */
  readonly sshDir: string;
  /** `<home>/.ssh/authorized_keys`. */
  readonly keysFile: string;
}

/** The paths for a home directory shown as `home`. */
export function sshPaths(home: string): SshPaths {
  const sshDir = buildFilename(home, ".ssh");
  return { sshDir, keysFile: buildFilename(sshDir, KEYS_FILE) };
}

/** A file name in GLib's quotes, as its error texts print it. */
export const glibQuoted = (path: string) => `\u201C${path}\u201D`;

/** The strerror text of an `OsError`; anything else is rethrown. */
export function osText(error: unknown): string {
  if (error instanceof OsError) return error.message;
  throw error;
}
