/**
 * The local time zone as glibc sees it, through FFI: `tzset()` (which re-reads `TZ` and, when it
 * is unset, `/etc/localtime` if that file changed), then `localtime_r(now)` for the zone's
 * abbreviation (`tm_zone`) and offset (`tm_gmtoff`) at this instant, and `tzname[1]` — the name
 * glibc leaves empty when it could not make sense of a `TZ` value.
 *
 * @module
 */

import { check, errno, libc, readCBytes } from "./libc.ts";
import { OsError } from "./os_error.ts";
import { Clock, TIME_STRUCT_SIZE, Tm } from "./structs.ts";

/** What glibc says about the local zone now. */
export interface LibcZone {
  /** `tm_zone`, e.g. `CET`; null when glibc gives no abbreviation. */
  readonly zone: Uint8Array | null;
  /** `tm_gmtoff`: seconds east of UTC. */
  readonly offset: bigint;
  /** `tzname[1]` after `tzset()` (the daylight-saving name, or the standard one without DST). */
  readonly daylightName: Uint8Array | null;
}

/** Abbreviations are short; this only bounds the scan of a C string owned by glibc. */
const NAME_LIMIT = 256;

function cString(address: bigint | Deno.PointerValue): Uint8Array | null {
  const pointer = typeof address === "bigint" ? Deno.UnsafePointer.create(address) : address;
  // SAFETY: the pointer comes from glibc (tm_zone, tzname[1]) and points to a NUL-terminated
  // string in glibc's time-zone state, valid until the next tzset(); it is copied at once on the
  // JS thread, the only thread that calls tzset().
  return pointer === null ? null : readCBytes(pointer, NAME_LIMIT);
}

/**
 * The wall clock in whole seconds, truncated as GLib's `g_get_real_time() / G_USEC_PER_SEC`.
 *
 * @throws OsError when `clock_gettime()` fails.
 */
export function realTimeSeconds(): bigint {
  const ts = new BigInt64Array(TIME_STRUCT_SIZE / 8);
  check("clock_gettime", libc().clock_gettime(Clock.CLOCK_REALTIME, ts));
  return ts[0]!;
}

/**
 * `tzset()`, then `localtime_r(seconds)` and `tzname[1]`.
 *
 * @param seconds The instant (seconds since the epoch).
 * @throws OsError when `localtime_r()` fails (`EOVERFLOW`).
 */
export function libcZoneAt(seconds: bigint): LibcZone {
  const lib = libc();
  lib.tzset();
  const time = new BigInt64Array([seconds]);
  const tm = new Uint8Array(Tm.SIZE);
  if (lib.localtime_r(time, tm) === null) throw new OsError(errno(), "localtime_r");
  const view = new DataView(tm.buffer);
  const names = lib.tzname;
  // SAFETY: `tzname` is glibc's `char *tzname[2]`; Deno gives its address, and entry 1 (8 bytes
  // in) is read on the JS thread right after tzset().
  const daylight = names === null ? null : new Deno.UnsafePointerView(names).getPointer(8);
  return {
    zone: cString(view.getBigUint64(Tm.ZONE, true)),
    offset: view.getBigInt64(Tm.GMTOFF, true),
    daylightName: cString(daylight),
  };
}
