/**
 * Decoding of JSON string tokens exactly as QEMU's `parse_string()` does
 * (`qobject/json-parser.c` with `mod_utf8_codepoint()` / `mod_utf8_encode()` from
 * `util/unicode.c`): modified UTF-8 (`C0 80` is U+0000), no surrogates, no
 * noncharacters, no overlong forms, nothing above U+10FFFF, the escapes
 * `\" \' \\ \/ \b \f \n \r \t \uXXXX`, surrogate pairs combined, and the first
 * error in the string reported.
 *
 * @module
 */

/** Prefix of every parser error message. */
export const PARSE_ERROR_PREFIX = "JSON parse error, ";

/** Decodes already validated UTF-8; `ignoreBOM` keeps a leading U+FEFF. */
const UTF8 = new TextDecoder("utf-8", { ignoreBOM: true });
const ENCODER = new TextEncoder();

/** The reason a string token was rejected: the full error message text. */
export class StringDecodeError {
  /** Creates the error; `message` is raw bytes when it quotes non-ASCII input. */
  constructor(readonly message: string | Uint8Array) {}
}

/** Decodes bytes that are all below 0x80 (fast native path). */
export function decodeAscii(bytes: Uint8Array): string {
  return UTF8.decode(bytes);
}

/**
 * Returns true when `cp` may appear in a QEMU string: within U+0000..U+10FFFF,
 * not a surrogate and not one of the 66 noncharacters.
 */
export function isValidCodePoint(cp: number): boolean {
  return cp >= 0 && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF) &&
    (cp < 0xFDD0 || cp > 0xFDEF) && (cp & 0xFFFE) !== 0xFFFE;
}

/** Byte length of the sequence last accepted by {@link decodeSequence}. */
let sequenceLength = 0;

/**
 * QEMU's `mod_utf8_codepoint()` for the multi-byte sequence starting at `b[j]`
 * (a byte >= 0x80), limited to `b[j, end)`: returns the code point (0 for `C0 80`)
 * and sets {@link sequenceLength}, or returns -1 when the sequence is invalid.
 */
function decodeSequence(b: Uint8Array, j: number, end: number): number {
  const c = b[j]!;
  if (c >= 0xFE || (c & 0x40) === 0) return -1;
  const len = c >= 0xFC ? 6 : c >= 0xF8 ? 5 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
  if (j + len > end) return -1; // cut short by the closing quote or a backslash
  let cp = c & (0x7F >> len);
  for (let k = 1; k < len; k++) {
    const cc = b[j + k]!;
    if ((cc & 0xC0) !== 0x80) return -1;
    cp = cp * 64 + (cc & 0x3F);
  }
  sequenceLength = len;
  if (cp === 0 && len === 2) return 0; // modified UTF-8's U+0000
  if (!isValidCodePoint(cp)) return -1;
  const min = len === 2 ? 0x80 : len === 3 ? 0x800 : len === 4 ? 0x10000 : 0x200000;
  return cp < min ? -1 : cp;
}

/** Writes code point `cp` as standard UTF-8 at `out[o]`; returns the new offset. */
function putUtf8(out: Uint8Array, o: number, cp: number): number {
  if (cp < 0x80) {
    out[o] = cp;
    return o + 1;
  }
  if (cp < 0x800) {
    out[o] = 0xC0 | (cp >> 6);
    out[o + 1] = 0x80 | (cp & 0x3F);
    return o + 2;
  }
  if (cp < 0x10000) {
    out[o] = 0xE0 | (cp >> 12);
    out[o + 1] = 0x80 | ((cp >> 6) & 0x3F);
    out[o + 2] = 0x80 | (cp & 0x3F);
    return o + 3;
  }
  out[o] = 0xF0 | (cp >> 18);
  out[o + 1] = 0x80 | ((cp >> 12) & 0x3F);
  out[o + 2] = 0x80 | ((cp >> 6) & 0x3F);
  out[o + 3] = 0x80 | (cp & 0x3F);
  return o + 4;
}

/** Returns the value of the hex digit `c`, or -1. */
function hexValue(c: number | undefined): number {
  if (c === undefined) return -1;
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  const l = c | 0x20;
  return l >= 0x61 && l <= 0x66 ? l - 0x61 + 10 : -1;
}

/** QEMU's `cvt4hex()`: four hex digits at `i`, or -1 (the token end counts as NUL). */
function cvt4hex(b: Uint8Array, i: number): number {
  let cp = 0;
  for (let k = 0; k < 4; k++) {
    const v = hexValue(b[i + k]);
    if (v < 0) return -1;
    cp = cp * 16 + v;
  }
  return cp;
}

/** Builds `JSON parse error, <esc> is not a valid Unicode character`. */
function badEscape(esc: Uint8Array): StringDecodeError {
  const tail = " is not a valid Unicode character";
  if (esc.every((c) => c < 0x80)) {
    return new StringDecodeError(PARSE_ERROR_PREFIX + decodeAscii(esc) + tail);
  }
  const head = ENCODER.encode(PARSE_ERROR_PREFIX);
  const end = ENCODER.encode(tail);
  const out = new Uint8Array(head.length + esc.length + end.length);
  out.set(head);
  out.set(esc, head.length);
  out.set(end, head.length + esc.length);
  return new StringDecodeError(out);
}

/** Byte values of the single-character escapes, indexed by the byte after the backslash. */
const SIMPLE_ESCAPES = new Int16Array(256).fill(-1);
for (const [c, v] of ['""', "''", "\\\\", "//", "b\b", "f\f", "n\n", "r\r", "t\t"]) {
  SIMPLE_ESCAPES[c!.charCodeAt(0)] = v!.charCodeAt(0);
}

const INVALID_UTF8 = PARSE_ERROR_PREFIX + "invalid UTF-8 sequence in string";
const INVALID_ESCAPE = PARSE_ERROR_PREFIX + "invalid escape sequence in string";

/** Where {@link unescapeSpan} stopped: the next input index. */
let spanIn = 0;
/** Where {@link unescapeSpan} stopped: the output length. */
let spanOut = 0;

/**
 * The body of QEMU's `parse_string()`: unescapes `src` from index `i` into `out` from index `o`,
 * one unit (a run of plain ASCII, a UTF-8 sequence or an escape) at a time while `i < stop`, and
 * sets {@link spanIn} and {@link spanOut}. `end` is the index of the closing quote in `src`, or
 * `src.length` when `src` is a window ending before it; then `src` must hold at least 16 bytes
 * past `stop`, so that no unit starting before `stop` is cut by the window's end. Returns the
 * first error, or undefined.
 */
function unescapeSpan(
  src: Uint8Array,
  i: number,
  stop: number,
  end: number,
  out: Uint8Array,
  o: number,
): StringDecodeError | undefined {
  while (i < stop) {
    // A run of ASCII bytes other than the backslash is copied as it is.
    let j = i;
    let c = 0;
    while (j < end && (c = src[j]!) < 0x80 && c !== 0x5C) j++;
    if (j - i > 64) {
      out.set(src.subarray(i, j), o);
      o += j - i;
    } else {
      for (let k = i; k < j; k++) out[o++] = src[k]!;
    }
    i = j;
    if (i >= stop) break;
    if (c !== 0x5C) {
      const cp = decodeSequence(src, i, end);
      if (cp < 0) return new StringDecodeError(INVALID_UTF8);
      if (cp === 0) {
        out[o++] = 0;
      } else {
        for (let k = 0; k < sequenceLength; k++) out[o++] = src[i + k]!;
      }
      i += sequenceLength;
      continue;
    }
    const e = src[i + 1] ?? 0;
    const beg = i;
    i += 2;
    const simple = SIMPLE_ESCAPES[e]!;
    if (simple >= 0) {
      out[o++] = simple;
    } else if (e === 0x75) { // \uXXXX
      let cp = cvt4hex(src, i);
      i += 4;
      if (cp >= 0xD800 && cp <= 0xDBFF && src[i] === 0x5C && src[i + 1] === 0x75) {
        const trailing = cvt4hex(src, i + 2);
        if (trailing >= 0xDC00 && trailing <= 0xDFFF) {
          cp = 0x10000 + ((cp & 0x3FF) << 10) + (trailing & 0x3FF);
          i += 6;
        } else {
          cp = -1;
        }
      }
      if (!isValidCodePoint(cp)) return badEscape(src.subarray(beg, Math.min(i, src.length)));
      o = putUtf8(out, o, cp);
    } else {
      return new StringDecodeError(INVALID_ESCAPE);
    }
  }
  spanIn = i;
  spanOut = o;
  return undefined;
}

/**
 * Decodes a complete string token `tok` (opening and closing quote included, as
 * produced by the lexer) into its value, or the first error QEMU would report.
 *
 * The body is unescaped into one UTF-8 buffer (U+0000 as a 0x00 byte), which is
 * decoded natively at the end.
 */
export function decodeStringToken(tok: Uint8Array): string | StringDecodeError {
  const end = tok.length - 1; // index of the closing quote
  const out = new Uint8Array(Math.max(end - 1, 0));
  const error = unescapeSpan(tok, 1, end, end, out, 0);
  return error ?? UTF8.decode(out.subarray(0, spanOut));
}

/** Window size of {@link decodeStringTokenInPlace}. */
const WINDOW = 65536;
/** Bytes a window extends past its stop index (longest unit: `\uD83D\uDE00`, 12 bytes). */
const MARGIN = 16;
const windowIn = new Uint8Array(WINDOW + MARGIN);
const windowOut = new Uint8Array(WINDOW + MARGIN);

/**
 * {@link decodeStringToken} for the token `buf[start, end)`, unescaping it where it lies (the
 * text never grows by unescaping): the token's bytes are spent afterwards. The work is done in
 * windows of `window` bytes copied to and from small scratch buffers, so nothing is allocated
 * per token and `buf` may be of any kind (a resizable buffer's view is slow to index).
 */
export function decodeStringTokenInPlace(
  buf: Uint8Array,
  start: number,
  end: number,
  window = WINDOW,
): string | StringDecodeError {
  const quote = end - 1;
  const scratchIn = window === WINDOW ? windowIn : new Uint8Array(window + MARGIN);
  const scratchOut = window === WINDOW ? windowOut : new Uint8Array(window + MARGIN);
  let pos = start + 1; // next input byte
  let put = start; // next output byte (never past `pos`)
  for (;;) {
    const last = quote + 1 - pos <= window + MARGIN;
    const length = last ? quote + 1 - pos : window + MARGIN;
    const src = scratchIn.subarray(0, length);
    src.set(buf.subarray(pos, pos + length));
    const srcEnd = last ? length - 1 : length;
    const error = unescapeSpan(src, 0, last ? srcEnd : window, srcEnd, scratchOut, 0);
    if (error) return error;
    buf.set(scratchOut.subarray(0, spanOut), put);
    put += spanOut;
    pos += spanIn;
    if (last) break;
  }
  return UTF8.decode(buf.subarray(start, put));
}
