/**
 * Short ASCII strings the parser has seen before, found again by a hash of their bytes: member
 * names and command names (`execute`, `guest-ping`, `handle`, …) come back in every request, and
 * decoding them anew would cost a view and a string each time. A small direct-mapped table: a
 * miss (a new string, or a collision) just decodes and takes the slot, so any input costs at most
 * one decode per string, as without the table, and the table never holds more than
 * {@link SLOTS} strings of at most {@link MAX_LENGTH} characters.
 *
 * @module
 */

import { decodeAscii } from "./utf8.ts";

/** Slots of the table (a power of two). */
const SLOTS = 256;
/** Longer strings are decoded every time. */
const MAX_LENGTH = 32;

const table: string[] = new Array<string>(SLOTS).fill("");

/**
 * The string of the printable-ASCII bytes `bytes[start, end)` — the same string object as last
 * time when these bytes were seen recently.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { internAscii } from "./intern.ts";
 * const bytes = new TextEncoder().encode('"execute"');
 * assert.equal(internAscii(bytes, 1, 8), "execute");
 * ```
 */
export function internAscii(bytes: Uint8Array, start: number, end: number): string {
  const length = end - start;
  if (length > MAX_LENGTH) return decodeAscii(bytes.subarray(start, end));
  let h = length;
  for (let i = start; i < end; i++) h = (Math.imul(h, 31) + bytes[i]!) | 0;
  const slot = (h ^ (h >>> 11)) & (SLOTS - 1);
  const known = table[slot]!;
  if (known.length === length && sameBytes(known, bytes, start)) return known;
  const text = length === 0 ? "" : decodeAscii(bytes.subarray(start, end));
  table[slot] = text;
  return text;
}

/** True when `text` (ASCII) equals the bytes from `start` on. */
function sameBytes(text: string, bytes: Uint8Array, start: number): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== bytes[start + i]) return false;
  return true;
}
