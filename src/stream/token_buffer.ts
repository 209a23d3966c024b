/**
 * Accumulates the bytes of the token being lexed, across `feed()` chunks, without
 * copying while a token lies inside one chunk. A string token that is pure ASCII
 * without escapes is kept as decoded text per chunk (its fast path); anything else
 * keeps copies of its raw bytes.
 *
 * @module
 */

import { decodeAscii } from "./utf8.ts";

const ENCODER = new TextEncoder();
const EMPTY = new Uint8Array(0);

function concat(head: Uint8Array[], tail: Uint8Array): Uint8Array {
  if (head.length === 0) return tail;
  let len = tail.length;
  for (const h of head) len += h.length;
  const out = new Uint8Array(len);
  let o = 0;
  for (const h of head) {
    out.set(h, o);
    o += h.length;
  }
  out.set(tail, o);
  return out;
}

/** The current token: earlier chunks' share plus `chunk[start, …)`. */
export class TokenBuffer {
  /** The chunk being lexed (only valid during a `feed()` call). */
  chunk: Uint8Array = EMPTY;
  /** Where the current token begins in `chunk` (0 when it began in an earlier chunk). */
  start = 0;
  /** Byte length of the current token in earlier chunks. */
  prevLen = 0;
  /** True while the current string token is pure ASCII without escapes. */
  simple = true;
  /** Quote byte of the current string token. */
  quote = 0x22;
  /** Raw bytes from earlier chunks (all tokens but simple strings). */
  #parts: Uint8Array[] = [];
  /** Simple strings: decoded body text from earlier chunks, without the opening quote. */
  #pieces: string[] = [];

  /** Sets the chunk about to be lexed; a pending token continues at its start. */
  setChunk(chunk: Uint8Array): void {
    this.chunk = chunk;
    this.start = 0;
  }

  /** Forgets the current token. */
  reset(): void {
    this.#parts = [];
    this.#pieces = [];
    this.prevLen = 0;
    this.simple = true;
  }

  /** Length of the token if it ended just before `chunk[end]`. */
  length(end: number): number {
    return this.prevLen + end - this.start;
  }

  /** All bytes of the token up to `chunk[end]` (exclusive); may alias the chunk. */
  bytes(end: number): Uint8Array {
    const tail = this.chunk.subarray(this.start, end);
    if (this.#pieces.length > 0) {
      const body = ENCODER.encode(this.#pieces.join(""));
      return concat([Uint8Array.of(this.quote), body], tail);
    }
    return concat(this.#parts, tail);
  }

  /** Simple strings: the decoded body, the closing quote being `chunk[end - 1]`. */
  simpleText(end: number): string {
    if (this.#pieces.length === 0) return decodeAscii(this.chunk.subarray(this.start + 1, end - 1));
    this.#pieces.push(decodeAscii(this.chunk.subarray(this.start, end - 1)));
    return this.#pieces.join("");
  }

  /** Leaves the simple-string mode: the text kept so far becomes raw bytes again. */
  toRaw(): void {
    this.simple = false;
    if (this.#pieces.length > 0) {
      this.#parts = [Uint8Array.of(this.quote), ENCODER.encode(this.#pieces.join(""))];
      this.#pieces = [];
    }
  }

  /** Keeps the rest of the chunk, where the token continues into the next one. */
  save(isString: boolean): void {
    const { chunk, start } = this;
    if (isString && this.simple) {
      this.#pieces.push(decodeAscii(chunk.subarray(this.prevLen === 0 ? start + 1 : start)));
    } else {
      this.#parts.push(chunk.slice(start));
    }
    this.prevLen += chunk.length - start;
  }
}
