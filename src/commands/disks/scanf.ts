/**
 * glibc's `sscanf()` for the formats qemu-ga 7.2 parses sysfs paths and `/proc/diskstats` with —
 * `"%*x:%*x/%x:%x:%x.%x%n"`, `"%*u:%*u:%*u/%*u:%u:%u:%u"`, `"ata%d"`, `"%u %u %s %lu ..."` — so
 * odd inputs convert exactly as they do in C:
 *
 * - a conversion skips leading white space; a white-space character of the format skips any
 *   amount (also none); any other format character must match the input;
 * - `%d`, `%u`, `%x` (`int`/`unsigned int`) and `%lu` (`unsigned long`) take an optional sign,
 *   `%x` an optional `0x` prefix, then digits; the digits are converted as `strtol`/`strtoul`
 *   do (saturating at the `long`/`unsigned long` limits, a minus sign negating modulo 2^64) and
 *   then truncated to the argument's width (32 bits for `int`/`unsigned int`);
 * - `%s` takes a run of non-white-space bytes, `%n` stores the count of bytes consumed so far,
 *   `%*…` converts without storing (and without counting);
 * - the result is the number of stored conversions, or -1 (`EOF`) when the input ended before
 *   the first one (as glibc's `input_error()`).
 *
 * The input is a byte string (one code unit per byte); the caller cuts it at its first NUL.
 *
 * @module
 */

/** What {@link scanf} returns. */
export interface ScanResult {
  /** Stored conversions, or -1 (`EOF`). */
  readonly count: number;
  /** The stored values in format order: numbers as `bigint`, `%s` as a byte string. */
  readonly values: readonly (bigint | string)[];
}

const ULONG_MAX = (1n << 64n) - 1n;
const LONG_MAX = (1n << 63n) - 1n;
const LONG_MIN = -(1n << 63n);

/** C `isspace` in the "C" locale. */
export function isCSpace(c: string | undefined): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\v" || c === "\f" || c === "\r";
}

function digitValue(c: string | undefined, base: number): number {
  if (c === undefined) return -1;
  const v = parseInt(c, 16);
  return Number.isNaN(v) || v >= base ? -1 : v;
}

/** Reads a signed/unsigned integer as glibc's scanf does; null on a matching failure. */
function readInteger(
  input: string,
  at: number,
  base: number,
): { magnitude: bigint; negative: boolean; end: number } | null {
  let i = at;
  let negative = false;
  if (input[i] === "+" || input[i] === "-") negative = input[i++] === "-";
  let digits = 0;
  let magnitude = 0n;
  if (base === 16 && input[i] === "0") {
    i++;
    digits++;
    if (input[i] === "x" || input[i] === "X") i++;
  }
  for (let d = digitValue(input[i], base); d >= 0; d = digitValue(input[++i], base)) {
    if (magnitude <= ULONG_MAX) magnitude = magnitude * BigInt(base) + BigInt(d);
    digits++;
  }
  return digits === 0 ? null : { magnitude, negative, end: i };
}

/** `strtoul`'s value of a magnitude and sign. */
function asUnsignedLong(magnitude: bigint, negative: boolean): bigint {
  if (magnitude > ULONG_MAX) return ULONG_MAX;
  return negative ? (ULONG_MAX + 1n - magnitude) & ULONG_MAX : magnitude;
}

/** `strtol`'s value of a magnitude and sign. */
function asLong(magnitude: bigint, negative: boolean): bigint {
  const v = negative ? -magnitude : magnitude;
  return v > LONG_MAX ? LONG_MAX : v < LONG_MIN ? LONG_MIN : v;
}

/**
 * `sscanf(input, format, ...)` for the conversions `%d %u %x %lu %s %n` (with `*`).
 *
 * @param input The input as a byte string.
 * @param format The format.
 * @returns The count and the stored values.
 * @throws Error for a conversion this implementation does not know (a bug in the caller).
 */
export function scanf(input: string, format: string): ScanResult {
  const values: (bigint | string)[] = [];
  let count = 0;
  let at = 0;
  const inputEnded = (): ScanResult => ({ count: count === 0 ? -1 : count, values });
  for (let f = 0; f < format.length; f++) {
    const fc = format[f]!;
    if (isCSpace(fc)) {
      while (isCSpace(input[at])) at++;
      continue;
    }
    if (fc !== "%") {
      if (at >= input.length) return inputEnded();
      if (input[at] !== fc) return { count, values };
      at++;
      continue;
    }
    let suppress = false;
    if (format[f + 1] === "*") (suppress = true, f++);
    let long = false;
    if (format[f + 1] === "l") (long = true, f++);
    const conversion = format[++f];
    if (conversion === "n") {
      if (!suppress) values.push(BigInt(at));
      continue;
    }
    while (isCSpace(input[at])) at++;
    if (at >= input.length) return inputEnded();
    if (conversion === "s") {
      const start = at;
      while (at < input.length && !isCSpace(input[at])) at++;
      if (!suppress) (values.push(input.slice(start, at)), count++);
      continue;
    }
    if (conversion !== "d" && conversion !== "u" && conversion !== "x") {
      throw new Error(`scanf: unsupported conversion %${conversion}`);
    }
    const number = readInteger(input, at, conversion === "x" ? 16 : 10);
    if (number === null) return { count, values };
    at = number.end;
    if (suppress) continue;
    let value: bigint;
    if (conversion === "d") {
      value = BigInt.asIntN(long ? 64 : 32, asLong(number.magnitude, number.negative));
    } else {value = BigInt.asUintN(
        long ? 64 : 32,
        asUnsignedLong(number.magnitude, number.negative),
      );}
    values.push(value);
    count++;
  }
  return { count, values };
}
