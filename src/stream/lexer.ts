/**
 * A byte-driven JSON lexer equivalent to QEMU's `qobject/json-lexer.c` state
 * machine (see the spec, section 1.2), including error recovery, one byte of
 * lookahead for numbers and keywords, and the 64 MiB single-token safety valve.
 *
 * It is built for throughput and memory: runs of string, digit, letter and recovery bytes
 * are skipped with tight loops over the chunk, and a token is never decoded here — its raw
 * bytes go to the {@link TokenQueue} (only the part of a token that spans chunks is copied
 * before the token ends), and the parser decodes what it reaches.
 *
 * @module
 */

import { MAX_TOKEN_SIZE } from "./limits.ts";
import { STRUCTURAL_TYPES, TokenType } from "./token.ts";
import type { TokenQueue } from "./token_queue.ts";

/**
 * Receives each completed token: its bytes are those the queue kept from earlier chunks
 * ({@link TokenQueue.pending}) plus `chunk[start, end)`. It must consume the kept bytes (queue
 * the token, or clear the queue) before it returns.
 */
export type TokenSink = (type: TokenType, chunk: Uint8Array, start: number, end: number) => void;

const NO_BYTES = new Uint8Array(0);

const S_START = 0;
const S_DQ = 1;
const S_DQ_ESC = 2;
const S_SQ = 3;
const S_SQ_ESC = 4;
const S_ZERO = 5;
const S_DIGITS = 6;
const S_SIGN = 7;
const S_MANTISSA = 8;
const S_MANTISSA_DIGITS = 9;
const S_EXP_E = 10;
const S_EXP_SIGN = 11;
const S_EXP_DIGITS = 12;
const S_KEYWORD = 13;
const S_RECOVERY = 14;

/** String byte classes. */
const C_PLAIN = 0; // 0x20..0x7F: stays in the string, ASCII
const C_HIGH = 1; // 0x80..0xFD: stays in the string, needs UTF-8 validation
const C_BACKSLASH = 2;
const C_QUOTE = 3;
const C_BAD = 4; // control bytes, 0xFE, 0xFF: lexing error

function stringClasses(quote: number): Uint8Array {
  const t = new Uint8Array(256).fill(C_BAD);
  t.fill(C_PLAIN, 0x20, 0x80);
  t.fill(C_HIGH, 0x80, 0xFE);
  t[0x5C] = C_BACKSLASH;
  t[quote] = C_QUOTE;
  return t;
}

const DQ_CLASSES = stringClasses(0x22);
const SQ_CLASSES = stringClasses(0x27);

/** Bytes that end error recovery: controls but `\t`, structural characters, 0xFE, 0xFF. */
const RECOVERY_STOP = new Uint8Array(256);
RECOVERY_STOP.fill(1, 0, 0x20);
RECOVERY_STOP[0x09] = 0;
RECOVERY_STOP[0xFE] = RECOVERY_STOP[0xFF] = 1;
for (const c of "[]{}:,") RECOVERY_STOP[c.charCodeAt(0)] = 1;

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** The incremental JSON lexer; hands every completed token to a callback. */
export class JsonLexer {
  #queue: TokenQueue;
  #emit: TokenSink;
  #state = S_START;
  /** Where the current token begins in the chunk being lexed (0 if in an earlier chunk). */
  #start = 0;
  /** True while the current string token is printable ASCII without escapes. */
  #plain = true;
  /** The chunk being lexed, and where in it lexing continues. */
  #chunk: Uint8Array = NO_BYTES;
  #pos = 0;
  /** Set by {@link pause}. */
  #pausing = false;

  /**
   * Creates a lexer keeping partial tokens in `queue` and delivering each token to `emit`,
   * synchronously and in order.
   */
  constructor(queue: TokenQueue, emit: TokenSink) {
    this.#queue = queue;
    this.#emit = emit;
  }

  /** QEMU's safety valve: true (and the token force-emitted) once it exceeds 64 MiB. */
  #valve(chunk: Uint8Array, i: number): boolean {
    if (this.#queue.pending + i - this.#start <= MAX_TOKEN_SIZE) return false;
    this.#emit(TokenType.OVERSIZE, chunk, this.#start, i);
    return true;
  }

  /** Index below which bytes cannot push the current token beyond `MAX_TOKEN_SIZE`. */
  #limit(n: number): number {
    return Math.min(n, this.#start + MAX_TOKEN_SIZE - this.#queue.pending);
  }

  /**
   * Lexes `chunk`, emitting every token it completes, until its end (returns true) or until the
   * sink calls {@link pause} (returns false: {@link resume} continues, and `chunk` must not
   * change meanwhile). A finished chunk is not retained.
   */
  feed(chunk: Uint8Array): boolean {
    this.#chunk = chunk;
    this.#pos = 0;
    this.#start = 0; // a token kept from earlier chunks continues at 0
    return this.resume();
  }

  /** Makes {@link feed} or {@link resume} return after the token being emitted. */
  pause(): void {
    this.#pausing = true;
  }

  /** Continues lexing the chunk where a {@link pause} stopped it; see {@link feed}. */
  resume(): boolean {
    const chunk = this.#chunk;
    const n = chunk.length;
    const emit = this.#emit;
    let state = this.#state;
    let i = this.#pos;
    this.#pausing = false;
    while (i < n) {
      if (this.#pausing) {
        this.#state = state;
        this.#pos = i;
        return false;
      }
      switch (state) {
        case S_START: {
          const c = chunk[i]!;
          this.#start = i++;
          if (c === 0x20 || c === 0x0A || c === 0x0D || c === 0x09) break;
          if (c === 0x22 || c === 0x27) {
            state = c === 0x22 ? S_DQ : S_SQ;
            this.#plain = true;
          } else if (c === 0x30) state = S_ZERO;
          else if (c >= 0x31 && c <= 0x39) state = S_DIGITS;
          else if (c === 0x2D) state = S_SIGN;
          else if (c >= 0x61 && c <= 0x7A) state = S_KEYWORD;
          else {
            const type = STRUCTURAL_TYPES[c]!;
            if (type >= 0) {
              emit(type as TokenType, chunk, i - 1, i);
            } else {
              emit(TokenType.ERROR, chunk, i - 1, i);
              state = S_RECOVERY;
            }
          }
          break;
        }
        case S_DQ:
        case S_SQ: {
          const cls = state === S_DQ ? DQ_CLASSES : SQ_CLASSES;
          // Bytes before `limit` cannot push the token beyond MAX_TOKEN_SIZE.
          const limit = this.#limit(n);
          if (this.#plain) {
            while (i < limit && cls[chunk[i]!] === C_PLAIN) i++;
          } else {
            while (i < limit && cls[chunk[i]!]! <= C_HIGH) i++;
          }
          if (i >= n) break;
          const k = cls[chunk[i++]!]!;
          if (k === C_QUOTE) {
            emit(this.#plain ? TokenType.PLAIN_STRING : TokenType.STRING, chunk, this.#start, i);
            state = S_START;
          } else if (k === C_BAD) {
            emit(TokenType.ERROR, chunk, this.#start, i);
            state = S_RECOVERY;
          } else {
            if (k !== C_PLAIN) this.#plain = false;
            if (k === C_BACKSLASH) state = state === S_DQ ? S_DQ_ESC : S_SQ_ESC;
            if (this.#valve(chunk, i)) state = S_START;
          }
          break;
        }
        case S_DQ_ESC:
        case S_SQ_ESC: {
          const c = chunk[i++]!;
          if (c >= 0x20 && c <= 0xFD) {
            state = state === S_DQ_ESC ? S_DQ : S_SQ;
            if (this.#valve(chunk, i)) state = S_START;
          } else {
            emit(TokenType.ERROR, chunk, this.#start, i);
            state = S_RECOVERY;
          }
          break;
        }
        case S_DIGITS:
        case S_MANTISSA_DIGITS:
        case S_EXP_DIGITS: {
          const limit = this.#limit(n);
          while (i < limit && isDigit(chunk[i]!)) i++;
          if (i >= n) break;
          const c = chunk[i]!;
          if (isDigit(c)) {
            i++;
          } else if ((c === 0x65 || c === 0x45) && state !== S_EXP_DIGITS) {
            i++;
            state = S_EXP_E;
          } else if (c === 0x2E && state === S_DIGITS) {
            i++;
            state = S_MANTISSA;
          } else {
            // Lookahead: the byte ends the number and is lexed again from START.
            emit(state === S_DIGITS ? TokenType.INTEGER : TokenType.FLOAT, chunk, this.#start, i);
            state = S_START;
            break;
          }
          if (this.#valve(chunk, i)) state = S_START;
          break;
        }
        case S_ZERO: {
          const c = chunk[i]!;
          if (c === 0x2E) {
            i++;
            state = S_MANTISSA;
            if (this.#valve(chunk, i)) state = S_START;
          } else if (isDigit(c)) {
            emit(TokenType.ERROR, chunk, this.#start, ++i);
            state = S_RECOVERY;
          } else {
            emit(TokenType.INTEGER, chunk, this.#start, i);
            state = S_START;
          }
          break;
        }
        case S_SIGN:
        case S_MANTISSA:
        case S_EXP_E:
        case S_EXP_SIGN: {
          const c = chunk[i++]!;
          let next = -1;
          if (state === S_SIGN) {
            next = c === 0x30 ? S_ZERO : isDigit(c) ? S_DIGITS : -1;
          } else if (state === S_MANTISSA) {
            next = isDigit(c) ? S_MANTISSA_DIGITS : -1;
          } else if (state === S_EXP_E && (c === 0x2B || c === 0x2D)) {
            next = S_EXP_SIGN;
          } else {
            next = isDigit(c) ? S_EXP_DIGITS : -1;
          }
          if (next < 0) {
            emit(TokenType.ERROR, chunk, this.#start, i);
            state = S_RECOVERY;
          } else {
            state = this.#valve(chunk, i) ? S_START : next;
          }
          break;
        }
        case S_KEYWORD: {
          const limit = this.#limit(n);
          let c = 0;
          while (i < limit && (c = chunk[i]!) >= 0x61 && c <= 0x7A) i++;
          if (i >= n) break;
          c = chunk[i]!;
          if (c >= 0x61 && c <= 0x7A) {
            i++;
            if (this.#valve(chunk, i)) state = S_START;
          } else {
            emit(TokenType.KEYWORD, chunk, this.#start, i);
            state = S_START;
          }
          break;
        }
        default: { // S_RECOVERY: skip to a resynchronisation byte, then lookahead
          while (i < n && RECOVERY_STOP[chunk[i]!] === 0) i++;
          if (i < n) state = S_START;
          break;
        }
      }
    }
    if (state !== S_START && state !== S_RECOVERY && n > this.#start) {
      // The token continues in the next chunk: the queue keeps a copy of its bytes so far.
      this.#queue.keep(chunk, this.#start, n);
    }
    this.#state = state;
    this.#chunk = NO_BYTES; // do not keep the caller's buffer alive
    this.#pos = 0;
    return true;
  }
}
