/**
 * Base64 input decoding exactly as qemu-ga does it (`qbase64_decode()` + GLib's lenient
 * `g_base64_decode()`), fast enough for the 64 MiB strings a `guest-file-write` may carry.
 *
 * Rules (qemu-ga 7.2 and upstream, verified on the real agent):
 *
 * - Only `A-Z a-z 0-9 + / =` and `\n` are allowed; anything else (space, `\r`, NUL, non-ASCII)
 *   fails the whole command with `Base64 data contains invalid characters`.
 * - `\n` is ignored; the rest is consumed in groups of 4 and a trailing incomplete group is
 *   silently dropped (`aGVsbG8` → `hel`).
 * - `=` counts as the value 0 wherever it is. Each group yields its first byte, its second byte
 *   unless the group's 3rd character is `=`, and its third byte unless the 4th character is `=`
 *   (so `QQ=B` → `41 01`, `====` → `00`).
 *
 * The built-in `Uint8Array.fromBase64()` does the work whenever it can: canonical input (what
 * real clients send) needs nothing else; line-wrapped input or a trailing partial group costs an
 * extra validating scan. Only the groups holding an `=` inside the data (or more than two `=`)
 * are decoded by hand.
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";

/** qemu-ga's error text for a character outside the base64 set. */
export const INVALID_BASE64 = "Base64 data contains invalid characters";

const INVALID_CHAR = /[^A-Za-z0-9+/=\n]/;
const EQ = 0x3d;
/** Runs of `=`-free groups at least this long are handed to the built-in decoder. */
const BULK_RUN = 1024;

/** 6-bit value of each base64 character by char code; `=` is 0 (GLib's rank table). */
const RANK = (() => {
  const rank = new Uint8Array(128);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (let i = 0; i < alphabet.length; i++) rank[alphabet.charCodeAt(i)] = i;
  return rank;
})();

/** Decodes with the built-in decoder (lenient: skips ASCII whitespace); undefined if it throws. */
function builtinDecode(text: string): Uint8Array | undefined {
  try {
    return Uint8Array.fromBase64(text);
  } catch {
    return undefined;
  }
}

/** True when `out` = `fromBase64(text)` skipped no whitespace and `text` has only full groups. */
function isCanonical(text: string, out: Uint8Array): boolean {
  const pad = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  return text.length % 4 === 0 && out.length === (text.length / 4) * 3 - pad;
}

function countNewlines(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

/**
 * GLib's group decoder for validated text without `\n` whose length is a multiple of 4: runs of
 * groups without `=` go through the built-in decoder, groups with `=` are decoded by hand.
 */
function decodeGroups(text: string): Uint8Array {
  const out = new Uint8Array((text.length / 4) * 3);
  let o = 0;
  let i = 0;
  let nextEq = -1;
  while (i < text.length) {
    if (nextEq < i) nextEq = text.indexOf("=", i);
    const runEnd = nextEq < 0 ? text.length : nextEq - (nextEq % 4);
    if (runEnd - i >= BULK_RUN) {
      o += out.subarray(o).setFromBase64(text.slice(i, runEnd)).written;
      i = runEnd;
      continue;
    }
    const c3 = text.charCodeAt(i + 2);
    const c4 = text.charCodeAt(i + 3);
    const v = (RANK[text.charCodeAt(i)]! << 18) | (RANK[text.charCodeAt(i + 1)]! << 12) |
      (RANK[c3]! << 6) | RANK[c4]!;
    out[o++] = v >> 16;
    if (c3 !== EQ) out[o++] = v >> 8;
    if (c4 !== EQ) out[o++] = v;
    i += 4;
  }
  return out.subarray(0, o);
}

/**
 * Decodes a `buf-b64`-style argument with qemu-ga's validation and GLib's lenient rules (see
 * the module doc). Throws {@link QgaError} `Base64 data contains invalid characters`.
 */
export function decodeBase64(text: string): Uint8Array {
  const out = builtinDecode(text);
  if (out && isCanonical(text, out)) return out;
  if (INVALID_CHAR.test(text)) throw new QgaError(INVALID_BASE64);
  if (out) {
    // Only `\n` was skipped, and `=` ends the data if present. GLib drops a trailing incomplete
    // group (2 or 3 characters, which the built-in decoder turned into 1 or 2 bytes).
    const partial = (text.length - countNewlines(text)) % 4;
    return partial === 0 ? out : out.subarray(0, out.length - (partial - 1));
  }
  let data = text.includes("\n") ? text.replaceAll("\n", "") : text;
  data = data.slice(0, data.length - (data.length % 4));
  const retry = builtinDecode(data);
  return retry && isCanonical(data, retry) ? retry : decodeGroups(data);
}

/** Encodes bytes as qemu-ga does (`g_base64_encode`): standard alphabet, padded, no breaks. */
export function encodeBase64(bytes: Uint8Array): string {
  return bytes.toBase64();
}
