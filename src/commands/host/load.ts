/**
 * `guest-get-load` (upstream 10.0; qemu-ga 7.2 does not have it): glibc's `getloadavg()` —
 * one `read` of at most 64 bytes from `/proc/loadavg`, its last byte cut off, then three
 * `strtod()` calls in the C locale — as `{"load1m", "load5m", "load15m"}` doubles.
 *
 * Failures answer `cannot query load average: <strerror>` (upstream's text): the `open` or
 * `read` errno; when the text holds fewer than three numbers glibc fails without setting errno
 * (qemu-ga would print whatever errno held), and this agent reports `Invalid argument`.
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import type { Named } from "../../schema/types.ts";
import { OsError } from "../../sys/os_error.ts";
import type { Handler } from "../context.ts";

/** The reply. */
export type LoadAverage = Named<"GuestLoadAverage">;

/** `strtod`'s accepted prefix (C locale, decimal forms, `inf`/`infinity`/`nan`/`nan(...)`). */
const STRTOD =
  /^[ \t\n\v\f\r]*([+-]?(?:(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|inf(?:inity)?|nan(?:\([0-9A-Za-z_]*\))?))/i;

/** The value of a `strtod` match. */
function strtodValue(text: string): number {
  const lower = text.toLowerCase();
  const negative = lower.startsWith("-");
  const body = lower.replace(/^[+-]/, "");
  if (body.startsWith("inf")) return negative ? -Infinity : Infinity;
  if (body.startsWith("nan")) return NaN;
  return Number(lower.replace(/^\+/, ""));
}

/**
 * Parses what `getloadavg()` read: the bytes minus the last one, three `strtod` numbers.
 *
 * @param bytes The bytes of the one `read`.
 * @returns The three averages, or undefined where glibc returns -1.
 */
export function parseLoadAverage(bytes: Uint8Array): [number, number, number] | undefined {
  if (bytes.length === 0) return undefined;
  let text = new TextDecoder("latin1").decode(bytes.subarray(0, bytes.length - 1));
  const nul = text.indexOf("\0");
  if (nul >= 0) text = text.slice(0, nul);
  const values: number[] = [];
  for (let i = 0; i < 3; i++) {
    const match = STRTOD.exec(text);
    if (!match) return undefined;
    values.push(strtodValue(match[1]!));
    text = text.slice(match[0].length);
  }
  return values as [number, number, number];
}

/** `guest-get-load`. */
export const guestGetLoad: Handler<"guest-get-load"> = (_args, ctx) => {
  let bytes: Uint8Array;
  try {
    bytes = ctx.sys.host.loadAverageText();
  } catch (error) {
    if (error instanceof OsError) throw new QgaError(`cannot query load average: ${error.message}`);
    throw error;
  }
  const loads = parseLoadAverage(bytes);
  if (!loads) throw new QgaError(`cannot query load average: ${OsError.of("EINVAL").message}`);
  return { load1m: loads[0], load5m: loads[1], load15m: loads[2] };
};
