/**
 * Finds an interface's counters in `/proc/net/dev` exactly as qemu-ga does.
 *
 * qemu-ga reads the file line by line, strips leading whitespace (`g_strchug`), takes the text
 * before the first `:` as the interface name (it must equal the name exactly), then reads 16
 * integers with `sscanf("%lld" × 16)`; a line with fewer than 16 is skipped and the search goes
 * on. Columns 1–4 are rx bytes, packets, errs, drop; 9–12 the same for tx. Values are C `long
 * long` (saturating at ±2^63 like `strtoll`) stored into uint64, so `-1` becomes 2^64−1.
 *
 * @module
 */

import type { Named } from "../../schema/types.ts";

/** The statistics member of a GuestNetworkInterface. */
export type InterfaceStats = Named<"GuestNetworkInterfaceStat">;

const LLONG_MAX = (1n << 63n) - 1n;
const LLONG_MIN = -(1n << 63n);

/** C `isspace` in the "C" locale (also GLib's `g_ascii_isspace`): space and `\t\n\v\f\r`. */
function isSpace(c: number | undefined): boolean {
  return c === 0x20 || (c !== undefined && c >= 0x09 && c <= 0x0D);
}

function isDigit(c: number | undefined): c is number {
  return c !== undefined && c >= 0x30 && c <= 0x39;
}

/**
 * Reads 16 `%lld` values from `line` starting at `at` (whitespace before each is skipped).
 *
 * @returns The values, or null when fewer than 16 could be converted.
 */
function scanLongLongs(line: Uint8Array, at: number, count: number): bigint[] | null {
  const out: bigint[] = [];
  let i = at;
  while (out.length < count) {
    while (isSpace(line[i])) i++;
    let negative = false;
    if (line[i] === 0x2B || line[i] === 0x2D) {
      negative = line[i] === 0x2D;
      i++;
    }
    if (!isDigit(line[i])) return null;
    let v = 0n;
    while (isDigit(line[i])) {
      if (v <= LLONG_MAX) v = v * 10n + BigInt(line[i]! - 0x30);
      i++;
    }
    if (negative) v = -v;
    out.push(v > LLONG_MAX ? LLONG_MAX : v < LLONG_MIN ? LLONG_MIN : v);
  }
  return out;
}

/** Splits `text` into lines as `getline()` does, each cut at its first NUL (C string view). */
function* lines(text: Uint8Array): Generator<Uint8Array> {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf(0x0A, start);
    end = end === -1 ? text.length : end + 1;
    const line = text.subarray(start, end);
    const nul = line.indexOf(0);
    yield nul === -1 ? line : line.subarray(0, nul);
    start = end;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Looks up interface `name` in the contents of `/proc/net/dev`.
 *
 * @param content The file's bytes.
 * @param name The interface name's bytes.
 * @returns The counters, or null when no line for `name` has 16 readable numbers.
 */
export function findInterfaceStats(content: Uint8Array, name: Uint8Array): InterfaceStats | null {
  for (const line of lines(content)) {
    let s = 0;
    while (isSpace(line[s])) s++;
    if (s >= line.length) continue;
    const colon = line.indexOf(0x3A, s);
    if (colon === -1 || !sameBytes(line.subarray(s, colon), name)) continue;
    const v = scanLongLongs(line, colon + 1, 16);
    if (v === null) continue;
    const u = (i: number) => BigInt.asUintN(64, v[i]!);
    return {
      "rx-bytes": u(0),
      "rx-packets": u(1),
      "rx-errs": u(2),
      "rx-dropped": u(3),
      "tx-bytes": u(8),
      "tx-packets": u(9),
      "tx-errs": u(10),
      "tx-dropped": u(11),
    };
  }
  return null;
}
