/**
 * The real-process {@linkcode ParseEnvironment}: environment variables through `Deno.env`
 * and the config file read the way GLib reads it.
 *
 * @module
 */

import type { ParseEnvironment } from "./options.ts";

/** What the caller supplies besides the process itself. */
export interface DenoEnvironmentOptions {
  /** Every registered command, in registration order, for `-b help`. */
  commandNames: readonly string[];
  /** The line `-V` prints, e.g. `QEMU Guest Agent 7.2.22`. */
  versionText: string;
  /** The socket family of fd 3 as a method; enables the socket-activation check. */
  listenSocketMethod?(): "unix-listen" | "vsock-listen" | undefined;
}

/**
 * Builds a {@linkcode ParseEnvironment} backed by this process.
 *
 * `env()` answers `undefined` for variables the permission sandbox hides. `readTextFile()`
 * refuses anything but a regular file with `Not a regular file` (GLib's check, which makes
 * `QGA_CONF=/dev/null` an error in qemu-ga too) and decodes UTF-8 keeping a byte-order mark
 * (GLib does not skip it either).
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
      if (!Deno.statSync(path).isFile) throw new Error("Not a regular file");
      return new TextDecoder("utf-8", { ignoreBOM: true }).decode(Deno.readFileSync(path));
    },
    commandNames: options.commandNames,
    versionText: options.versionText,
    pid: Deno.pid,
    now: () => new Date(),
  };
  if (options.listenSocketMethod) environment.listenSocketMethod = options.listenSocketMethod;
  return environment;
}
