/**
 * A byte-driven JSON lexer equivalent to QEMU's `qobject/json-lexer.c` state
 * machine (see the spec, section 1.2), including error recovery, one byte of
 * lookahead for numbers and keywords, and the 64 MiB single-token safety valve.
 *
 * It is built for throughput: runs of string, digit, letter and recovery bytes are
 * skipped with tight loops over the chunk, a token is only copied when it spans
 * chunks, and pure-ASCII strings without escapes are decoded natively per chunk.
 *
 * @module
 */

import { MAX_TOKEN_SIZE } from "./limits.ts";
import { STRUCTURAL_TOKENS, type Token, TokenType } from "./token.ts";
import { TokenBuffer } from "./token_buffer.ts";
import { decodeAscii, decodeStringToken, StringDecodeError } from "./utf8.ts";

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

const STRUCTURAL: (Token | undefined)[] = new Array(256).fill(undefined);
for (const [c, t] of Object.entries(STRUCTURAL_TOKENS)) STRUCTURAL[Number(c)] = t;

const NO_BYTES = new Uint8Array(0);

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** The incremental JSON lexer; hands every completed token to a callback. */
export class JsonLexer {
  #emit: (token: Token) => void;
  #state = S_START;
  #tok = new TokenBuffer();

  /** Creates a lexer delivering each token to `emit`, synchronously and in order. */
  constructor(emit: (token: Token) => void) {
    this.#emit = emit;
  }

  /** Emits the error token ending at `end` (offending byte included). */
  #error(end: number): void {
    const bytes = this.#tok.bytes(end);
    this.#tok.reset();
    this.#emit({ type: TokenType.ERROR, len: bytes.length, bytes });
  }

  /** Emits a number or keyword token ending at `end`. */
  #text(type: TokenType, end: number): void {
    const bytes = this.#tok.bytes(end);
    this.#tok.reset();
    this.#emit({ type, len: bytes.length, text: decodeAscii(bytes) });
  }

  /** Emits the string token ending at `end` (closing quote included). */
  #string(end: number): void {
    const tok = this.#tok;
    const len = tok.length(end);
    const value = tok.simple ? tok.simpleText(end) : decodeStringToken(tok.bytes(end));
    tok.reset();
    if (value instanceof StringDecodeError) {
      this.#emit({ type: TokenType.STRING, len, error: value.message });
    } else {
      this.#emit({ type: TokenType.STRING, len, text: value });
    }
  }

  /** QEMU's safety valve: true (and the token force-emitted) once it exceeds 64 MiB. */
  #valve(i: number): boolean {
    const len = this.#tok.length(i);
    if (len <= MAX_TOKEN_SIZE) return false;
    this.#tok.reset();
    this.#emit({ type: TokenType.OVERSIZE, len });
    return true;
  }

  /** Index below which bytes cannot push the current token beyond `MAX_TOKEN_SIZE`. */
  #limit(n: number): number {
    return Math.min(n, this.#tok.start + MAX_TOKEN_SIZE - this.#tok.prevLen);
  }

  /** Lexes `chunk`, emitting every token it completes. The chunk is not retained. */
  feed(chunk: Uint8Array): void {
    const n = chunk.length;
    const tok = this.#tok;
    tok.setChunk(chunk);
    let state = this.#state;
    let i = 0;
    while (i < n) {
      switch (state) {
        case S_START: {
          const c = chunk[i]!;
          tok.start = i++;
          if (c === 0x20 || c === 0x0A || c === 0x0D || c === 0x09) break;
          if (c === 0x22 || c === 0x27) {
            state = c === 0x22 ? S_DQ : S_SQ;
            tok.quote = c;
          } else if (c === 0x30) state = S_ZERO;
          else if (c >= 0x31 && c <= 0x39) state = S_DIGITS;
          else if (c === 0x2D) state = S_SIGN;
          else if (c >= 0x61 && c <= 0x7A) state = S_KEYWORD;
          else {
            const t = STRUCTURAL[c];
            if (t !== undefined) {
              this.#emit(t);
            } else {
              this.#error(i);
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
          if (tok.simple) {
            while (i < limit && cls[chunk[i]!] === C_PLAIN) i++;
          } else {
            while (i < limit && cls[chunk[i]!]! <= C_HIGH) i++;
          }
          if (i >= n) break;
          const k = cls[chunk[i++]!]!;
          if (k === C_QUOTE) {
            this.#string(i);
            state = S_START;
          } else if (k === C_BAD) {
            this.#error(i);
            state = S_RECOVERY;
          } else {
            if (k !== C_PLAIN && tok.simple) tok.toRaw();
            if (k === C_BACKSLASH) state = state === S_DQ ? S_DQ_ESC : S_SQ_ESC;
            if (this.#valve(i)) state = S_START;
          }
          break;
        }
        case S_DQ_ESC:
        case S_SQ_ESC: {
          const c = chunk[i++]!;
          if (c >= 0x20 && c <= 0xFD) {
            state = state === S_DQ_ESC ? S_DQ : S_SQ;
            if (this.#valve(i)) state = S_START;
          } else {
            this.#error(i);
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
            this.#text(state === S_DIGITS ? TokenType.INTEGER : TokenType.FLOAT, i);
            state = S_START;
            break;
          }
          if (this.#valve(i)) state = S_START;
          break;
        }
        case S_ZERO: {
          const c = chunk[i]!;
          if (c === 0x2E) {
            i++;
            state = S_MANTISSA;
            if (this.#valve(i)) state = S_START;
          } else if (isDigit(c)) {
            this.#error(++i);
            state = S_RECOVERY;
          } else {
            this.#text(TokenType.INTEGER, i);
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
            this.#error(i);
            state = S_RECOVERY;
          } else {
            state = this.#valve(i) ? S_START : next;
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
            if (this.#valve(i)) state = S_START;
          } else {
            this.#text(TokenType.KEYWORD, i);
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
    if (state !== S_START && state !== S_RECOVERY && n > tok.start) {
      // The token continues in the next chunk.
      tok.save(state === S_DQ || state === S_SQ);
    }
    tok.setChunk(NO_BYTES); // do not keep the caller's buffer alive
    this.#state = state;
  }
}
