/**
 * The recursive-descent parser of QEMU's `qobject/json-parser.c`, run over the
 * tokens of one complete message (spec section 1.4). Only the first error is
 * reported, with QEMU's exact message text.
 *
 * @module
 */

import type { QDict, QValue } from "../qobject/value.ts";
import { INT64_MIN, UINT64_MAX } from "../qobject/value.ts";
import { PARSE_ERROR_MESSAGE_MAX } from "./limits.ts";
import { internAscii } from "./intern.ts";
import { tenureLargeName } from "./tenure.ts";
import { TokenType } from "./token.ts";
import type { TokenQueue } from "./token_queue.ts";
import {
  decodeAscii,
  decodeStringTokenInPlace,
  PARSE_ERROR_PREFIX,
  StringDecodeError,
} from "./utf8.ts";

/** The outcome of parsing one message: a value, or the error reply text. */
export type ParseResult = { value: QValue } | { error: string | Uint8Array };

/**
 * Converts an INTEGER token as QEMU does: int64 if it fits, else uint64 if it is
 * non-negative and fits, else a double (`strtod`, so overflow gives ±Infinity).
 * `-0` is the integer 0.
 */
export function parseInteger(text: string): bigint | number {
  const digits = text.charCodeAt(0) === 0x2D ? text.length - 1 : text.length;
  if (digits <= 18) return BigInt(text);
  if (digits <= 20) {
    const v = BigInt(text);
    if (v >= INT64_MIN && v <= UINT64_MAX) return v;
  }
  return Number(text);
}

/** {@link Parser}'s peek at the end of the tokens. */
const EOI = -1;

/** `true`, `false`, `null` as bytes. */
const TRUE = [0x74, 0x72, 0x75, 0x65];
const FALSE = [0x66, 0x61, 0x6C, 0x73, 0x65];
const NULL = [0x6E, 0x75, 0x6C, 0x6C];

function isWord(bytes: Uint8Array, start: number, end: number, word: readonly number[]): boolean {
  if (end - start !== word.length) return false;
  for (let k = 0; k < word.length; k++) if (bytes[start + k] !== word[k]) return false;
  return true;
}

const NO_TYPES = new Uint8Array(0);
const NO_ENDS = new Uint32Array(0);

class Parser {
  #count = 0;
  #types: Uint8Array = NO_TYPES;
  #ends: Uint32Array = NO_ENDS;
  #bytes: Uint8Array = NO_TYPES;
  #pos = 0;
  error: string | Uint8Array | null = null;

  /** Starts over on the tokens of `queue`. */
  reset(queue: TokenQueue): void {
    this.#count = queue.count;
    this.#types = queue.types;
    this.#ends = queue.ends;
    this.#bytes = queue.bytes;
    this.#pos = 0;
    this.error = null;
  }

  /** Lets go of the queue's arrays (so that a large message's views do not outlive it). */
  release(): void {
    this.#types = this.#bytes = NO_TYPES;
    this.#ends = NO_ENDS;
    this.#count = 0;
  }

  /** QEMU's `parse_error()`: the first error wins. */
  #fail(message: string | Uint8Array): undefined {
    if (this.error === null) this.error = message;
    return undefined;
  }

  #failParse(message: string): undefined {
    return this.#fail(PARSE_ERROR_PREFIX + message.slice(0, PARSE_ERROR_MESSAGE_MAX));
  }

  #pairFailed(message: string): false {
    this.#failParse(message);
    return false;
  }

  /** The type of the next token, or {@link EOI}. */
  #peek(): number {
    return this.#pos < this.#count ? this.#types[this.#pos]! : EOI;
  }

  /** Consumes the next token; returns its type, or {@link EOI}. */
  #pop(): number {
    return this.#pos < this.#count ? this.#types[this.#pos++]! : EOI;
  }

  /** Parses one value; `undefined` means failure (the error is recorded). */
  value(): QValue | undefined {
    const type = this.#peek();
    if (type === TokenType.LCURLY) return this.#object();
    if (type === TokenType.LSQUARE) return this.#array();
    if (type === EOI) return this.#failParse("premature EOI");
    if (type < TokenType.INTEGER || type === TokenType.OVERSIZE) {
      return this.#failParse("expecting value");
    }
    const pos = this.#pos++;
    const bytes = this.#bytes;
    const start = pos === 0 ? 0 : this.#ends[pos - 1]!;
    const end = this.#ends[pos]!;
    switch (type) {
      case TokenType.PLAIN_STRING:
        return internAscii(bytes, start + 1, end - 1);
      case TokenType.STRING: {
        // The token's bytes are not needed again: it is unescaped where it lies.
        const value = decodeStringTokenInPlace(bytes, start, end);
        return value instanceof StringDecodeError ? this.#fail(value.message) : value;
      }
      case TokenType.INTEGER:
        return parseInteger(decodeAscii(bytes.subarray(start, end)));
      case TokenType.FLOAT:
        return Number(decodeAscii(bytes.subarray(start, end)));
      case TokenType.KEYWORD: {
        if (isWord(bytes, start, end, TRUE)) return true;
        if (isWord(bytes, start, end, FALSE)) return false;
        if (isWord(bytes, start, end, NULL)) return null;
        // Only the start of a long word can be in the (cut) message.
        const shown = Math.min(end, start + PARSE_ERROR_MESSAGE_MAX);
        return this.#failParse(`invalid keyword '${decodeAscii(bytes.subarray(start, shown))}'`);
      }
    }
    return this.#failParse("expecting value"); // unreachable: every type is handled above
  }

  /** `parse_pair()`: returns false on failure. */
  #pair(dict: QDict): boolean {
    if (this.#peek() === EOI) return this.#pairFailed("premature EOI");
    const key = this.value();
    if (typeof key !== "string") return this.#pairFailed("key is not a string in object");
    // A large name is promoted before it is hashed: hashed while young, it would be copied.
    tenureLargeName(key);
    const colon = this.#pop();
    if (colon === EOI) return this.#pairFailed("premature EOI");
    if (colon !== TokenType.COLON) return this.#pairFailed("missing : in object pair");
    const value = this.value();
    if (value === undefined) return this.#pairFailed("Missing value in dict");
    if (dict.has(key)) return this.#pairFailed("duplicate key");
    dict.set(key, value);
    return true;
  }

  #object(): QDict | undefined {
    this.#pos++; // the `{`
    const dict: QDict = new Map();
    const peek = this.#peek();
    if (peek === EOI) return this.#failParse("premature EOI");
    if (peek === TokenType.RCURLY) {
      this.#pos++;
      return dict;
    }
    if (!this.#pair(dict)) return undefined;
    for (;;) {
      const type = this.#pop();
      if (type === EOI) return this.#failParse("premature EOI");
      if (type === TokenType.RCURLY) return dict;
      if (type !== TokenType.COMMA) return this.#failParse("expected separator in dict");
      if (!this.#pair(dict)) return undefined;
    }
  }

  #array(): QValue[] | undefined {
    this.#pos++; // the `[`
    const list: QValue[] = [];
    const peek = this.#peek();
    if (peek === EOI) return this.#failParse("premature EOI");
    if (peek === TokenType.RSQUARE) {
      this.#pos++;
      return list;
    }
    for (;;) {
      const value = this.value();
      if (value === undefined) return this.#failParse("expecting value");
      list.push(value);
      const type = this.#pop();
      if (type === EOI) return this.#failParse("premature EOI");
      if (type === TokenType.RSQUARE) return list;
      if (type !== TokenType.COMMA) return this.#failParse("expected separator in list");
    }
  }
}

/** The one parser: a parse runs to its end synchronously, so one instance serves them all. */
const PARSER = new Parser();

/**
 * Parses the queued tokens of one message (QEMU's `json_parser_parse()`). String tokens are
 * unescaped in place: the queue's bytes are spent afterwards.
 */
export function parseTokens(queue: TokenQueue): ParseResult {
  const parser = PARSER;
  parser.reset(queue);
  const value = parser.value();
  parser.release();
  const error = parser.error;
  parser.error = null;
  if (error !== null) return { error };
  // Unreachable in practice: the parser never fails without recording an error.
  if (value === undefined) return { error: PARSE_ERROR_PREFIX + "premature EOI" };
  return { value };
}
