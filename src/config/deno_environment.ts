/**
 * The real-process {@linkcode ParseEnvironment}: environment variables through `Deno.env`
 * and the config file read the way GLib reads it, through libc (`src/sys/path_ops.ts`), never a
 * Deno file API: Deno's read grant does not decide whether the config exists. A missing file
 * (`ENOENT`) is absent, as in qemu-ga; any other failure (`EACCES` under a Landlock ruleset or
 * file permissions, `ELOOP`, …) is an error, as `config_load()` ignores only
 * `G_FILE_ERROR_NOENT`.
 *
 * @module
 */

import { Errno } from "../sys/errno.ts";
import { OsError } from "../sys/os_error.ts";
import { readRegularFile } from "../sys/path_ops.ts";
import type { ParseEnvironment } from "./options.ts";

/**
 * `Deno.errors.NotFound` without a stack trace (a missing config file is the rule, and a stack
 * captured under the bundle's top-level code costs a recompilation of all of it, see OsError).
 */
function notFound(message: string): Error {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new Deno.errors.NotFound(message);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** What the caller supplies besides the process itself. */
export interface DenoEnvironmentOptions {
  /** Every registered command, in registration order, for `-b help`. */
  commandNames: readonly string[];
  /** What `-V` prints for a profile (see `ParseEnvironment.versionText`). */
  versionText(profile: string): string;
  /** The socket family of fd 3 as a method; enables the socket-activation check. */
  listenSocketMethod?(): "unix-listen" | "vsock-listen" | undefined;
}

/**
 * Builds a {@linkcode ParseEnvironment} backed by this process.
 *
 * `env()` answers `undefined` for variables the permission sandbox hides. `readTextFile()`
 * follows symlinks (the path is the operator's), refuses anything but a regular file with `Not a
 * regular file` (GLib's check, which makes `QGA_CONF=/dev/null` an error in qemu-ga too; a FIFO
 * is refused without blocking), throws `Deno.errors.NotFound` for a missing file and an
 * `OsError` for any other failure, and decodes UTF-8 keeping a byte-order mark (GLib does not
 * skip it either).
 *
 * @param options Command names, version text and the optional socket hook.
 * @returns The environment for `parseCommandLine()`.
 */
export function denoParseEnvironment(options: DenoEnvironmentOptions): ParseEnvironment {
  const environment: ParseEnvironment = {
    env(name: string): string | undefined {
      try {
        return Deno.env.get(name);
      } catch {
        return undefined;
      }
    },
    readTextFile(path: string): string {
      let bytes: Uint8Array | undefined;
      try {
        bytes = readRegularFile(path);
      } catch (error) {
        // `ParseEnvironment.readTextFile` reports a missing file as Deno.errors.NotFound.
        const os = OsError.from(error);
        if (os?.errno === Errno.ENOENT) throw notFound(os.message);
        throw error;
      }
      if (bytes === undefined) throw new Error("Not a regular file");
      return new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes);
    },
    commandNames: options.commandNames,
    versionText: options.versionText,
    pid: Deno.pid,
    now: () => new Date(),
  };
  if (options.listenSocketMethod) environment.listenSocketMethod = options.listenSocketMethod;
  return environment;
}
