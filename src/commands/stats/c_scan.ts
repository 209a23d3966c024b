/**
 * The C conversions qemu-ga applies to kernel text, with glibc's semantics, so odd input gives
 * the same numbers: `strtoul`/`strtol` (leading white space, a sign, a `0x` prefix in base 16,
 * saturation on overflow, negation modulo 2^64 for `strtoul`), `atoi`, and a `sscanf` for the
 * directives qemu-ga's formats use (`%s`, `%32s`, `%lu`, `%u`, `%d`, `%x`, `%X`, `%02hhx`, white
 * space) — conversions stop at the first matching failure and the count of stored values is
 * returned (-1 for `EOF` when the input ends before the first conversion).
 *
 * Used by guest-get-cpustats (`/proc/stat`), guest-network-get-route (`/proc/net/*route`) and the
 * memory block commands (`memoryN` names, `block_size_bytes`). Strings are C strings: the caller
 * cuts them at a NUL byte.
 *
 * @module
 */

const U64 = (1n << 64n) - 1n;
const I64_MAX = (1n << 63n) - 1n;

/** C `isspace()` in the "C" locale. */
export function isCSpace(c: string | undefined): boolean {
  return c === " " || (c !== undefined && c >= "\t" && c <= "\r");
}

function digitValue(c: string | undefined, base: number): number {
  if (c === undefined) return -1;
  const code = c.charCodeAt(0);
  let v = -1;
  if (code >= 0x30 && code <= 0x39) v = code - 0x30;
  else if (code >= 0x61 && code <= 0x66) v = code - 0x61 + 10;
  else if (code >= 0x41 && code <= 0x46) v = code - 0x41 + 10;
  return v < base ? v : -1;
}

/** The digits of a number scanned by `strtol`-like code: sign, magnitude (capped), any digits. */
interface Scanned {
  readonly negative: boolean;
  /** The magnitude, capped just above 2^64 (enough to tell overflow). */
  readonly magnitude: bigint;
  /** Whether any digit (or the `0` of a `0x` prefix) was read. */
  readonly digits: boolean;
  /** Index after the last character consumed. */
  readonly end: number;
}

/**
 * Reads `[sign][0x]digits` at `from` (no white space skipping), at most `width` characters.
 * A `0x` prefix is taken in base 16 the way glibc's `scanf` takes it: the `0` counts as a digit.
 */
function scanDigits(s: string, from: number, base: number, width = Infinity): Scanned {
  let i = from;
  let left = width;
  let negative = false;
  if (left > 0 && (s[i] === "+" || s[i] === "-")) {
    negative = s[i] === "-";
    i++, left--;
  }
  let digits = false;
  if (base === 16 && left > 0 && s[i] === "0") {
    digits = true;
    i++, left--;
    if (left > 0 && (s[i] === "x" || s[i] === "X")) i++, left--;
  }
  let magnitude = 0n;
  while (left > 0) {
    const d = digitValue(s[i], base);
    if (d < 0) break;
    if (magnitude <= U64) magnitude = magnitude * BigInt(base) + BigInt(d);
    digits = true;
    i++, left--;
  }
  return { negative, magnitude, digits, end: i };
}

/** `strtoul` of scanned digits: ULONG_MAX on overflow, else the value negated modulo 2^64. */
function toUnsigned(n: Scanned): bigint {
  if (n.magnitude > U64) return U64;
  return n.negative ? BigInt.asUintN(64, -n.magnitude) : n.magnitude;
}

/** `strtol` of scanned digits: saturated to [LONG_MIN, LONG_MAX]. */
function toSigned(n: Scanned): bigint {
  if (n.negative) return n.magnitude > I64_MAX + 1n ? -(I64_MAX + 1n) : -n.magnitude;
  return n.magnitude > I64_MAX ? I64_MAX : n.magnitude;
}

function skipSpace(s: string, from: number): number {
  let i = from;
  while (isCSpace(s[i])) i++;
  return i;
}

/**
 * glibc's `strtoul(s, NULL, base)` (64-bit `unsigned long`).
 *
 * @example
 * ```ts
 * import { strtoul } from "./c_scan.ts";
 * strtoul(" 12abc", 10); // 12n
 * strtoul("-1", 10); // 18446744073709551615n
 * ```
 */
export function strtoul(s: string, base: 10 | 16): bigint {
  const n = scanDigits(s, skipSpace(s, 0), base);
  return n.digits ? toUnsigned(n) : 0n;
}

/**
 * glibc's `strtol(s, NULL, base)` (64-bit `long`, saturated).
 *
 * @example
 * ```ts
 * import { strtol } from "./c_scan.ts";
 * strtol("8000000\n", 16); // 134217728n
 * ```
 */
export function strtol(s: string, base: 10 | 16): bigint {
  const n = scanDigits(s, skipSpace(s, 0), base);
  return n.digits ? toSigned(n) : 0n;
}

/** glibc's `atoi(s)`: `(int) strtol(s, NULL, 10)`. */
export function atoi(s: string): number {
  return Number(BigInt.asIntN(32, strtol(s, 10)));
}

/** One `sscanf` result: the count (-1 for EOF) and the stored values in order. */
export interface ScanResult {
  /** Number of values stored, or -1 when the input ended before the first conversion. */
  readonly count: number;
  /** `%s` values as strings, integer conversions as bigint of the target C type. */
  readonly values: readonly (string | bigint)[];
}

const DIRECTIVE_REGEXP = /%(\d*)(hh|l)?([sudxX])|(\s+)|([^%\s])/y;

/**
 * glibc's `sscanf(input, format, ...)` for the directives listed in the module doc: `%u`, `%x`
 * and `%X` store an `unsigned int`, `%d` an `int`, `%lu` an `unsigned long`, `%hhx` an
 * `unsigned char` (each `strtol`/`strtoul` of the characters read, then truncated to the type).
 *
 * @example
 * ```ts
 * import { sscanf } from "./c_scan.ts";
 * sscanf("cpu0 10 -1", "%s %lu %d").values; // ["cpu0", 10n, -1n]
 * ```
 */
export function sscanf(input: string, format: string): ScanResult {
  const values: (string | bigint)[] = [];
  let i = 0;
  DIRECTIVE_REGEXP.lastIndex = 0;
  for (let m; (m = DIRECTIVE_REGEXP.exec(format)) !== null;) {
    const [, widthText, size, conversion, space, literal] = m;
    if (space !== undefined) {
      i = skipSpace(input, i);
      continue;
    }
    if (literal !== undefined) {
      if (input[i] !== literal) break;
      i++;
      continue;
    }
    i = skipSpace(input, i);
    if (i >= input.length) return { count: values.length || -1, values };
    const width = widthText ? Number(widthText) : Infinity;
    if (conversion === "s") {
      const start = i;
      while (i < input.length && !isCSpace(input[i]) && i - start < width) i++;
      values.push(input.slice(start, i));
      continue;
    }
    const base = conversion === "x" || conversion === "X" ? 16 : 10;
    const n = scanDigits(input, i, base, width);
    if (!n.digits) break;
    i = n.end;
    if (conversion === "d") values.push(BigInt.asIntN(32, toSigned(n)));
    else if (size === "l") values.push(toUnsigned(n));
    else if (size === "hh") values.push(BigInt.asUintN(8, toUnsigned(n)));
    else values.push(BigInt.asUintN(32, toUnsigned(n)));
  }
  return { count: values.length, values };
}
