/**
 * `guest-get-osinfo`, as qemu-ga 7.2 answers it:
 *
 * - `kernel-release`, `kernel-version`, `machine` from `uname()`; if that fails the reply is
 *   `uname failed: <strerror>` (7.2 goes on reading os-release first, then the error wins);
 * - `id`, `name`, `pretty-name`, `version`, `version-id`, `variant`, `variant-id` from the keys
 *   `ID`, `NAME`, `PRETTY_NAME`, `VERSION`, `VERSION_ID`, `VARIANT`, `VARIANT_ID` of the file
 *   named by `$QGA_OS_RELEASE` when it is set (even to an empty string: then nothing), else of
 *   `/etc/os-release`, or of `/usr/lib/os-release` when the first cannot be read or parsed
 *   (`./os_release.ts`); an unusable file or a missing key just leaves the members out.
 *
 * A file that cannot be used is logged as qemu-ga's `slog` does
 * (`failed to read '<file>', error: Failed to open file “<file>”: <strerror>`,
 * `file is not utf-8 encoded: <file>`, `failed to parse file '<file>', error: <GLib's text>`).
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import type { Named } from "../../schema/types.ts";
import type { Host } from "../../sys/host.ts";
import { OsError } from "../../sys/os_error.ts";
import type { CommandLog, Handler } from "../context.ts";
import { parseOsRelease, replaceSpecial } from "./os_release.ts";
import { wireText } from "./wire_text.ts";

/** The reply. */
export type OsInfo = Named<"GuestOSInfo">;

/** The system's os-release, then the fallback (when `$QGA_OS_RELEASE` is unset). */
export const OS_RELEASE_PATHS = ["/etc/os-release", "/usr/lib/os-release"] as const;

/** Reply member ← os-release key, in qemu-ga's order. */
const FIELDS = [
  ["id", "ID"],
  ["name", "NAME"],
  ["pretty-name", "PRETTY_NAME"],
  ["version", "VERSION"],
  ["version-id", "VERSION_ID"],
  ["variant", "VARIANT"],
  ["variant-id", "VARIANT_ID"],
] as const;

/** `g_file_get_contents`'s error text for a failed open or read. */
function readErrorText(path: string, error: OsError): string {
  const what = error.call === "open" ? "Failed to open file" : "Failed to read from file";
  return `${what} “${path}”: ${error.message}`;
}

/** `ga_parse_osrelease(path)`: the raw values, or undefined (logged) when unusable. */
function loadOsRelease(
  host: Host,
  path: string,
  log: CommandLog,
): ReadonlyMap<string, string> | undefined {
  let content: Uint8Array;
  try {
    content = host.readFile(path);
  } catch (error) {
    if (!(error instanceof OsError)) throw error;
    log.audit(`failed to read '${path}', error: ${readErrorText(path, error)}`);
    return undefined;
  }
  const parsed = parseOsRelease(content);
  if (parsed.ok) return parsed.values;
  if (parsed.message === "file is not utf-8 encoded") log.audit(`${parsed.message}: ${path}`);
  else log.audit(`failed to parse file '${path}', error: ${parsed.message}`);
  return undefined;
}

/**
 * The os-release members of the reply.
 *
 * @param host The host domain.
 * @param log Where unusable files are reported.
 * @returns The members found (possibly none).
 */
export function osReleaseInfo(host: Host, log: CommandLog): OsInfo {
  const variable = host.osReleaseVariable();
  const values = variable !== undefined
    ? loadOsRelease(host, variable, log)
    : loadOsRelease(host, OS_RELEASE_PATHS[0], log) ??
      loadOsRelease(host, OS_RELEASE_PATHS[1], log);
  const info: OsInfo = {};
  if (values === undefined) return info;
  for (const [member, key] of FIELDS) {
    const raw = values.get(key);
    if (raw !== undefined) info[member] = wireText(replaceSpecial(raw));
  }
  return info;
}

/** `guest-get-osinfo`. */
export const guestGetOsinfo: Handler<"guest-get-osinfo"> = (_args, ctx) => {
  const host = ctx.sys.host;
  let kernel: OsInfo | OsError;
  try {
    const u = host.uname();
    kernel = {
      "kernel-release": wireText(u.release),
      "kernel-version": wireText(u.version),
      machine: wireText(u.machine),
    };
  } catch (error) {
    if (!(error instanceof OsError)) throw error;
    kernel = error;
  }
  const release = osReleaseInfo(host, ctx.log);
  if (kernel instanceof OsError) throw new QgaError(`uname failed: ${kernel.message}`);
  return { ...kernel, ...release };
};
