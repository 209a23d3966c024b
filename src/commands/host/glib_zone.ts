/**
 * Whether GLib 2.74 can name the default local zone when `TZ` is unset
 * (`zone_identifier_unix()`): without a name it does not load `/etc/localtime` at all and
 * `g_time_zone_new_local()` falls back to UTC.
 *
 * GLib reads the link `/etc/localtime` and `lstat`s its target (relative to `/etc`): a regular
 * file names the zone. If the target is not a regular file (a link to a link), or
 * `/etc/localtime` is not a link at all (`readlink` fails with `EINVAL`), the name comes from
 * `/var/db/zoneinfo` or `/etc/timezone`, whichever can be read first. A dangling link, a missing
 * `/etc/localtime` or any other failure: no name.
 *
 * @module
 */

import type { Host } from "../../sys/host.ts";
import { OsError } from "../../sys/os_error.ts";
import { FileType } from "../../sys/structs.ts";

/** The default zone file. */
export const LOCALTIME_PATH = "/etc/localtime";

/** Where GLib reads the zone's name when `/etc/localtime` is not a link to a zone file. */
export const ZONE_NAME_FILES = ["/var/db/zoneinfo", "/etc/timezone"] as const;

const decoder = new TextDecoder();

function readable(host: Host, path: string): boolean {
  try {
    host.readFile(path);
    return true;
  } catch (error) {
    if (error instanceof OsError) return false;
    throw error;
  }
}

/**
 * True when GLib finds a name for the default zone (and so loads `/etc/localtime`).
 *
 * @param host The host domain (links, file types and files under its root).
 */
export function glibNamesDefaultZone(host: Host): boolean {
  let target: string;
  try {
    target = decoder.decode(host.readLink(LOCALTIME_PATH));
  } catch (error) {
    if (!(error instanceof OsError)) throw error;
    if (error.code !== "EINVAL") return false;
    return ZONE_NAME_FILES.some((path) => readable(host, path));
  }
  const absolute = target.startsWith("/") ? target : `/etc/${target}`;
  let type: number;
  try {
    type = host.fileTypeOf(absolute);
  } catch (error) {
    if (error instanceof OsError) return false;
    throw error;
  }
  if (type === FileType.S_IFREG) return true;
  return ZONE_NAME_FILES.some((path) => readable(host, path));
}

const isDigit = (c: string | undefined): c is string => c !== undefined && c >= "0" && c <= "9";

/** GLib's `parse_time()` (not RFC 8536): `h`, `hh`, `hh[:]mm`, `hh[:]mm[:]ss`, at most 24 h. */
function parseTime(text: string): number | undefined {
  let i = 0;
  const digit = () => text.charCodeAt(i++) - 0x30;
  if (!isDigit(text[i])) return undefined;
  let offset = 3600 * digit();
  if (i === text.length) return offset;
  if (text[i] !== ":") {
    if (!isDigit(text[i])) return undefined;
    offset = offset * 10 + 3600 * digit();
    if (offset > 24 * 3600) return undefined;
    if (i === text.length) return offset;
  }
  if (text[i] === ":") i++;
  if (!(text[i]! >= "0" && text[i]! <= "5")) return undefined;
  offset += 600 * digit();
  if (!isDigit(text[i])) return undefined;
  offset += 60 * digit();
  if (i === text.length) return offset;
  if (text[i] === ":") i++;
  if (!(text[i]! >= "0" && text[i]! <= "5")) return undefined;
  offset += 10 * digit();
  if (!isDigit(text[i])) return undefined;
  offset += digit();
  return i === text.length ? offset : undefined;
}

/**
 * GLib's constant-offset identifiers (`parse_constant_offset()`), which it tries before any
 * zone file: `UTC`, `Z`, and `[+-]` plus a time (`5`, `+05:30`, `-0300`) — the zone is then
 * named by the identifier itself, with an ISO offset (east positive). glibc reads none of these
 * (`TZ=+05:30` is no valid POSIX zone to it).
 *
 * @param identifier The value of `TZ`.
 * @returns Seconds east of UTC, or undefined when GLib does not read it as a constant offset.
 */
export function glibConstantOffset(identifier: string): number | undefined {
  if (identifier === "UTC" || identifier === "Z") return 0;
  if (isDigit(identifier[0])) return parseTime(identifier);
  const sign = identifier[0];
  if (sign !== "+" && sign !== "-") return undefined;
  const offset = parseTime(identifier.slice(1));
  return offset === undefined ? undefined : sign === "-" ? 0 - offset : offset;
}
