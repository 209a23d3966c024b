/**
 * C strings from the OS (host names, `uname` fields, os-release values, user names, zone
 * abbreviations) as reply strings that qga-deno's writer prints exactly as qemu-ga's writer
 * prints the raw bytes: QEMU decodes (modified) UTF-8 itself and writes `\uFFFD` for every
 * sequence it rejects — invalid bytes, overlong forms other than `C0 80`, surrogates, code
 * points above U+10FFFF and the noncharacters (U+FDD0..U+FDEF, U+xxFFFE, U+xxFFFF) — one per
 * sequence, which a `TextDecoder` does not reproduce.
 *
 * @module
 */

const ASCII = new TextDecoder();

/** Smallest code point per sequence length (index = length), to reject overlong forms. */
const MIN_CODE_POINT = [0, 0, 0x80, 0x800, 0x10000, 0x200000, 0x4000000];

/** One sequence at `i`: its code point (-1 when QEMU rejects it) and its length in bytes. */
function codePointAt(b: Uint8Array, i: number): [number, number] {
  const c = b[i]!;
  if (c < 0x80) return [c, 1];
  if (c < 0xC0 || c >= 0xFE) return [-1, 1];
  const length = c < 0xE0 ? 2 : c < 0xF0 ? 3 : c < 0xF8 ? 4 : c < 0xFC ? 5 : 6;
  let cp = c & (0x7F >> length);
  for (let n = 1; n < length; n++) {
    const cc = b[i + n];
    if (cc === undefined || (cc & 0xC0) !== 0x80) return [-1, n];
    cp = cp * 64 + (cc & 0x3F);
  }
  if (cp < MIN_CODE_POINT[length]!) return c === 0xC0 && cp === 0 ? [0, 2] : [-1, length];
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return [-1, length];
  if ((cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) === 0xFFFE) return [-1, length];
  return [cp, length];
}

/**
 * The reply string for a C string's bytes: the text QEMU's writer decodes from them, with U+FFFD
 * for each sequence it rejects.
 *
 * @example
 * ```ts
 * import { wireText } from "./wire_text.ts";
 * wireText(new Uint8Array([0x68, 0xE9])); // "h\uFFFD"
 * ```
 */
export function wireText(bytes: Uint8Array): string {
  if (bytes.every((b) => b < 0x80)) return ASCII.decode(bytes);
  let out = "";
  for (let i = 0; i < bytes.length;) {
    const [cp, length] = codePointAt(bytes, i);
    out += cp < 0 ? "\uFFFD" : String.fromCodePoint(cp);
    i += length;
  }
  return out;
}
