/**
 * The tokens of the message being assembled and the bytes of the token being lexed, kept the way
 * QEMU keeps them — as raw token text — in three growable arrays: token types, token end
 * offsets, and the token bytes back to back. There is no object or string per token: a flood of
 * 2 Mi tiny tokens costs about 6 bytes per token plus its text, and nothing is decoded before
 * the parser reaches it. The bytes live in a resizable buffer ({@link Growable}) that shrinks
 * back the moment the queue is cleared (a message parsed, a limit tripped), so a 64 MiB message
 * does not leave 64 MiB of garbage behind for V8 to collect later.
 *
 * @module
 */

import { growableBytes, growableU32 } from "./growable.ts";
import { MAX_TOKEN_COUNT, MAX_TOKEN_SIZE } from "./limits.ts";
import type { TokenType } from "./token.ts";

/** Byte capacity kept across messages (larger messages give the excess back when done). */
const KEEP_BYTES = 4 * 1024 * 1024;
/** Token capacity kept across messages. */
const KEEP_TOKENS = 64 * 1024;
/**
 * Queued bytes stay below MAX_TOKEN_SIZE (the streamer's size limit) and the token being lexed
 * stays within MAX_TOKEN_SIZE + 1 bytes (the lexer's safety valve).
 */
const MAX_BYTES = 2 * MAX_TOKEN_SIZE + 65536;

/** Queued tokens plus the token being lexed. */
export class TokenQueue {
  #bytes = growableBytes(KEEP_BYTES, MAX_BYTES);
  #types = growableBytes(KEEP_TOKENS, MAX_TOKEN_COUNT);
  #ends = growableU32(KEEP_TOKENS, MAX_TOKEN_COUNT);
  /** Number of queued tokens. */
  count = 0;
  /** Bytes of the queued tokens; the current token's kept bytes follow them. */
  #used = 0;
  /** Bytes of the current token kept from earlier chunks (see {@link keep}). */
  pending = 0;

  /** Token types, indexed by token number (valid until the queue changes). */
  get types(): Uint8Array {
    return this.#types.view;
  }

  /** End offset of each token's bytes in {@link bytes} (it starts where the previous ends). */
  get ends(): Uint32Array {
    return this.#ends.view;
  }

  /** The token bytes, back to back (valid until the queue changes). */
  get bytes(): Uint8Array {
    return this.#bytes.view;
  }

  /** Bytes of memory the queue holds now (its capacity, used or not). */
  get footprint(): number {
    return this.#bytes.view.byteLength + this.#types.view.byteLength + this.#ends.view.byteLength;
  }

  /** Keeps `chunk[start, end)` as the next bytes of the current token (continued later). */
  keep(chunk: Uint8Array, start: number, end: number): void {
    const at = this.#used + this.pending;
    const n = end - start;
    this.#bytes.reserve(at + n);
    const bytes = this.#bytes.view;
    if (n <= 16) {
      for (let k = 0; k < n; k++) bytes[at + k] = chunk[start + k]!;
    } else {
      bytes.set(chunk.subarray(start, end), at);
    }
    this.pending += n;
  }

  /**
   * All bytes of the current token: those kept plus `chunk[start, end)`. The result may alias
   * `chunk` or the queue's memory: use it before the chunk or the queue changes.
   */
  current(chunk: Uint8Array, start: number, end: number): Uint8Array {
    if (this.pending === 0) return chunk.subarray(start, end);
    this.keep(chunk, start, end);
    return this.#bytes.view.subarray(this.#used, this.#used + this.pending);
  }

  /** Queues the current token — its kept bytes plus `chunk[start, end)` — as a `type` token. */
  push(type: TokenType, chunk: Uint8Array, start: number, end: number): void {
    this.keep(chunk, start, end);
    const k = this.count;
    // Each grows on its own: their capacities in elements differ (growth goes by bytes).
    if (k >= this.#types.view.length) this.#types.reserve(k + 1);
    if (k >= this.#ends.view.length) this.#ends.reserve(k + 1);
    this.#used += this.pending;
    this.pending = 0;
    this.#types.view[k] = type;
    this.#ends.view[k] = this.#used;
    this.count = k + 1;
  }

  /** Forgets every token, queued and current, and returns memory beyond the kept capacity. */
  clear(): void {
    this.count = 0;
    this.#used = 0;
    this.pending = 0;
    this.#bytes.release();
    this.#types.release();
    this.#ends.release();
  }
}
