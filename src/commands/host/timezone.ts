/**
 * `guest-get-timezone`: the local zone's abbreviation and offset east of UTC at this instant,
 * `{"zone": "CET", "offset": 3600}`, the zone member left out when there is no abbreviation.
 *
 * qemu-ga asks GLib (`g_time_zone_new_local`); this agent asks glibc (`tzset` + `localtime_r`,
 * `tm_zone` and `tm_gmtoff`), which reads the same `TZ` and `/etc/localtime`, and then applies
 * the cases where GLib 2.74 gives up and answers UTC (`{"zone": "UTC", "offset": 0}`) although
 * glibc finds a zone (`./glib_zone.ts`):
 *
 * - `TZ` unset and GLib cannot name the default zone: `/etc/localtime` is a regular file, or a
 *   link to a link, and neither `/var/db/zoneinfo` nor `/etc/timezone` can be read (glibc still
 *   reads `/etc/localtime`);
 * - `TZ` set to something that is neither a zone file nor a valid POSIX zone: glibc keeps the
 *   name it could parse with offset 0 (`garbage` → `{"zone": "garbage", "offset": 0}`), GLib
 *   answers UTC. glibc marks this case by leaving `tzname[1]` empty.
 *
 * - `TZ` one of GLib's constant offsets (`Z`, `5`, `+05:30`, `-0300`), which GLib reads before
 *   any zone file and glibc does not understand: the zone is the identifier itself.
 *
 * Checked against qemu-ga 7.2 (tests/commands/host/timezone_oracle_test.ts). Not reproduced:
 * GLib's cache of the default zone by name (a regular `/etc/localtime` rewritten while
 * `/etc/timezone` keeps its text keeps 7.2 on the old zone until it restarts; glibc sees the new
 * one), and GLib's own reading of POSIX `TZ` rules where it differs from glibc's.
 *
 * The error `Couldn't retrieve local timezone` (7.2 wraps it as below) cannot happen in 7.2;
 * here it answers a failing `localtime_r`.
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import type { Named } from "../../schema/types.ts";
import { OsError } from "../../sys/os_error.ts";
import type { Handler } from "../context.ts";
import { glibConstantOffset, glibNamesDefaultZone } from "./glib_zone.ts";
import { wireText } from "./wire_text.ts";

const latin1 = new TextDecoder("latin1");

/** The reply. */
export type Timezone = Named<"GuestTimezone">;

/** GLib's fallback zone (`g_time_zone_new_utc()`). */
export const UTC_ZONE: Timezone = { zone: "UTC", offset: 0n };

/** 7.2's text when the zone cannot be had. */
export const TIMEZONE_ERROR =
  "Guest agent command failed, error was 'Couldn't retrieve local timezone'";

/** `guest-get-timezone`. */
export const guestGetTimezone: Handler<"guest-get-timezone"> = (_args, ctx) => {
  const host = ctx.sys.host;
  const variable = host.timeZoneVariable();
  if (variable === undefined && !glibNamesDefaultZone(host)) return { ...UTC_ZONE };
  if (variable !== undefined) {
    const constant = glibConstantOffset(latin1.decode(variable));
    if (constant !== undefined) return { zone: wireText(variable), offset: BigInt(constant) };
  }
  let local;
  try {
    local = host.localZone();
  } catch (error) {
    if (error instanceof OsError) throw new QgaError(TIMEZONE_ERROR);
    throw error;
  }
  if (variable !== undefined && local.daylightName?.length === 0) return { ...UTC_ZONE };
  const reply: Timezone = { offset: local.offset };
  if (local.zone !== null) reply.zone = wireText(local.zone);
  return reply;
};
