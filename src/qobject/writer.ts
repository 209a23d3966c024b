/**
 * Serialises {@link QValue}s exactly as qemu-ga's JSON writer does: `": "` and `", "`
 * separators, QDict member order, pure-ASCII output with upper-case `\uXXXX` escapes, doubles as
 * C's `%.17g`, and `\uFFFD` for every invalid UTF-8 sequence in raw byte strings.
 *
 * @module
 */

import { qdictOrder } from "./qdict_order.ts";
import { Base64Data, JoinedText, PlainText, type QValue } from "./value.ts";

/**
 * A piece of reply text: ASCII text, or file data to be written as its base64 (between the
 * quotes the writer put around it).
 */
export type ReplyPart = string | Base64Data;

const HEX = "0123456789ABCDEF";
/** Characters that can be copied as they are: printable ASCII except `"` and `\`. */
const PLAIN_REGEXP = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/;

function hex4(code: number): string {
  return "\\u" + HEX[(code >> 12) & 15] + HEX[(code >> 8) & 15] + HEX[(code >> 4) & 15] +
    HEX[code & 15];
}

function escapeCodeUnit(c: number): string {
  switch (c) {
    case 0x22:
      return '\\"';
    case 0x5C:
      return "\\\\";
    case 0x08:
      return "\\b";
    case 0x0C:
      return "\\f";
    case 0x0A:
      return "\\n";
    case 0x0D:
      return "\\r";
    case 0x09:
      return "\\t";
    default:
      return c >= 0x20 && c < 0x7F ? String.fromCharCode(c) : hex4(c);
  }
}

/** Writes a JS string as a quoted JSON string with QEMU's escaping. */
export function quoteString(s: string): string {
  if (PLAIN_REGEXP.test(s)) return '"' + s + '"';
  return '"' + escapeString(s) + '"';
}

/** Writes `t` as {@link quoteString} writes the joined text, into `parts`. */
function writeJoined(t: JoinedText, parts: ReplyPart[]): void {
  const pieces = t.pieces;
  let last = 0; // the last code unit of the pieces so far
  for (const piece of pieces) {
    if (piece.length === 0) continue;
    const first = piece.charCodeAt(0);
    if (last >= 0xD800 && last <= 0xDBFF && first >= 0xDC00 && first <= 0xDFFF) {
      return void parts.push(quoteString(pieces.join("")));
    }
    last = piece.charCodeAt(piece.length - 1);
  }
  parts.push('"');
  for (const piece of pieces) parts.push(PLAIN_REGEXP.test(piece) ? piece : escapeString(piece));
  parts.push('"');
}

/** The body of a quoted JSON string for `s` (without the quotes), with QEMU's escaping. */
function escapeString(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xD800 && c <= 0xDFFF) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xDBFF && next >= 0xDC00 && next <= 0xDFFF) {
        out += hex4(c) + hex4(next);
        i++;
      } else {
        out += "\\uFFFD";
      }
      continue;
    }
    out += escapeCodeUnit(c);
  }
  return out;
}

/** Minimum code point per sequence length (index = length), to reject overlong forms. */
const MIN_CODE_POINT = [0, 0, 0x80, 0x800, 0x10000, 0x200000, 0x4000000];

/**
 * Decodes one (modified) UTF-8 sequence at `i` as QEMU's `mod_utf8_codepoint` does: returns the
 * code point (or -1 when invalid) and the number of bytes consumed.
 */
function decodeUtf8At(b: Uint8Array, i: number): [number, number] {
  const c = b[i]!;
  if (c < 0x80) return [c, 1];
  if (c < 0xC0 || c >= 0xFE) return [-1, 1];
  const len = c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF8 ? 4 : c < 0xFC ? 5 : 6;
  let cp = c & (0x7F >> len);
  for (let n = 1; n < len; n++) {
    const cc = b[i + n];
    if (cc === undefined || (cc & 0xC0) !== 0x80) return [-1, n];
    cp = cp * 64 + (cc & 0x3F);
  }
  if (cp < MIN_CODE_POINT[len]!) return c === 0xC0 && cp === 0 ? [0, 2] : [-1, len];
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return [-1, len];
  if ((cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) === 0xFFFE) return [-1, len];
  return [cp, len];
}

/** Writes raw bytes as a quoted JSON string; invalid UTF-8 sequences become `\uFFFD`. */
export function quoteBytes(b: Uint8Array): string {
  let out = '"';
  for (let i = 0; i < b.length;) {
    const [cp, len] = decodeUtf8At(b, i);
    i += len;
    if (cp < 0) out += "\\uFFFD";
    else if (cp > 0xFFFF) {
      const v = cp - 0x10000;
      out += hex4(0xD800 + (v >> 10)) + hex4(0xDC00 + (v & 0x3FF));
    } else out += escapeCodeUnit(cp);
  }
  return out + '"';
}

/**
 * Formats a double like C's `printf("%.17g")`, including `inf`, `-inf`, `nan` and `-nan`.
 *
 * @example
 * ```ts
 * import { formatDouble } from "./writer.ts";
 * formatDouble(0.1); // "0.10000000000000001"
 * formatDouble(-12345678901234567890); // "-1.2345678901234567e+19"
 * ```
 */
export function formatDouble(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const exp = x.toExponential(16);
  const e = Number(exp.slice(exp.indexOf("e") + 1));
  if (e < -4 || e >= 17) {
    let mant = exp.slice(0, exp.indexOf("e"));
    if (mant.includes(".")) mant = mant.replace(/0+$/, "").replace(/\.$/, "");
    const sign = e < 0 ? "-" : "+";
    const digits = String(Math.abs(e)).padStart(2, "0");
    return `${mant}e${sign}${digits}`;
  }
  let fixed = x.toFixed(16 - e);
  if (fixed.includes(".")) fixed = fixed.replace(/0+$/, "").replace(/\.$/, "");
  return fixed;
}

function write(v: QValue | undefined, parts: ReplyPart[]): void {
  if (v === null || v === undefined) {
    parts.push("null");
  } else if (typeof v === "boolean") {
    parts.push(v ? "true" : "false");
  } else if (typeof v === "bigint") {
    parts.push(v.toString());
  } else if (typeof v === "number") {
    parts.push(formatDouble(v));
  } else if (typeof v === "string") {
    // A plain string goes in as its own part: a large one is then copied once, not concatenated.
    if (PLAIN_REGEXP.test(v)) parts.push('"', v, '"');
    else parts.push(quoteString(v));
  } else if (v instanceof JoinedText) {
    writeJoined(v, parts);
  } else if (v instanceof PlainText) {
    parts.push('"', v.text, '"');
  } else if (v instanceof Base64Data) {
    parts.push('"', v, '"');
  } else if (v instanceof Uint8Array) {
    parts.push(quoteBytes(v));
  } else if (Array.isArray(v)) {
    if (v.length === 0) return void parts.push("[]");
    parts.push("[");
    v.forEach((item, i) => {
      if (i > 0) parts.push(", ");
      write(item, parts);
    });
    parts.push("]");
  } else {
    const map = v instanceof Map ? v : undefined;
    const plain = v as Record<string, QValue | undefined>;
    const keys = map ? [...map.keys()] : Object.keys(plain).filter((k) => plain[k] !== undefined);
    if (keys.length === 0) return void parts.push("{}");
    parts.push("{");
    qdictOrder(keys).forEach((key, i) => {
      if (i > 0) parts.push(", ");
      parts.push(quoteString(key), ": ");
      write(map ? map.get(key) : plain[key], parts);
    });
    parts.push("}");
  }
}

/**
 * Serialises a value as qemu-ga's JSON text (without the trailing newline).
 *
 * @example
 * ```ts
 * import { toJson } from "./writer.ts";
 * toJson({ return: {}, id: 1n }); // '{"return": {}, "id": 1}'
 * ```
 */
export function toJson(v: QValue): string {
  return toJsonParts(v).join("");
}

/**
 * Serialises a value like {@link toJson} but returns the pieces of the text in order (all
 * pure ASCII; {@link Base64Data} stands for its base64 text), so that a caller can copy a large
 * piece into its output without first joining it into one string.
 */
export function toJsonParts(v: QValue): ReplyPart[] {
  const parts: ReplyPart[] = [];
  write(v, parts);
  return parts;
}
