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
import { type Token, TokenType } from "./token.ts";
import { PARSE_ERROR_PREFIX } from "./utf8.ts";

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

class Parser {
  #tokens: readonly Token[];
  #pos = 0;
  error: string | Uint8Array | null = null;

  constructor(tokens: readonly Token[]) {
    this.#tokens = tokens;
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

  #peek(): Token | undefined {
    return this.#tokens[this.#pos];
  }

  #pop(): Token | undefined {
    return this.#tokens[this.#pos++];
  }

  /** Parses one value; `undefined` means failure (the error is recorded). */
  value(): QValue | undefined {
    const token = this.#peek();
    if (token === undefined) return this.#failParse("premature EOI");
    switch (token.type) {
      case TokenType.LCURLY:
        return this.#object();
      case TokenType.LSQUARE:
        return this.#array();
      case TokenType.INTEGER:
        this.#pos++;
        return parseInteger(token.text!);
      case TokenType.FLOAT:
        this.#pos++;
        return Number(token.text!);
      case TokenType.STRING:
        this.#pos++;
        return token.error !== undefined ? this.#fail(token.error) : token.text!;
      case TokenType.KEYWORD:
        this.#pos++;
        switch (token.text) {
          case "true":
            return true;
          case "false":
            return false;
          case "null":
            return null;
        }
        return this.#failParse(`invalid keyword '${token.text}'`);
      default:
        return this.#failParse("expecting value");
    }
  }

  /** `parse_pair()`: returns false on failure. */
  #pair(dict: QDict): boolean {
    if (this.#peek() === undefined) return this.#pairFailed("premature EOI");
    const key = this.value();
    if (typeof key !== "string") return this.#pairFailed("key is not a string in object");
    const colon = this.#pop();
    if (colon === undefined) return this.#pairFailed("premature EOI");
    if (colon.type !== TokenType.COLON) return this.#pairFailed("missing : in object pair");
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
    if (peek === undefined) return this.#failParse("premature EOI");
    if (peek.type === TokenType.RCURLY) {
      this.#pos++;
      return dict;
    }
    if (!this.#pair(dict)) return undefined;
    for (;;) {
      const token = this.#pop();
      if (token === undefined) return this.#failParse("premature EOI");
      if (token.type === TokenType.RCURLY) return dict;
      if (token.type !== TokenType.COMMA) return this.#failParse("expected separator in dict");
      if (!this.#pair(dict)) return undefined;
    }
  }

  #array(): QValue[] | undefined {
    this.#pos++; // the `[`
    const list: QValue[] = [];
    const peek = this.#peek();
    if (peek === undefined) return this.#failParse("premature EOI");
    if (peek.type === TokenType.RSQUARE) {
      this.#pos++;
      return list;
    }
    for (;;) {
      const value = this.value();
      if (value === undefined) return this.#failParse("expecting value");
      list.push(value);
      const token = this.#pop();
      if (token === undefined) return this.#failParse("premature EOI");
      if (token.type === TokenType.RSQUARE) return list;
      if (token.type !== TokenType.COMMA) return this.#failParse("expected separator in list");
    }
  }
}

/** Parses the tokens of one message (QEMU's `json_parser_parse()`). */
export function parseTokens(tokens: readonly Token[]): ParseResult {
  const parser = new Parser(tokens);
  const value = parser.value();
  if (parser.error !== null) return { error: parser.error };
  // Unreachable in practice: the parser never fails without recording an error.
  if (value === undefined) return { error: PARSE_ERROR_PREFIX + "premature EOI" };
  return { value };
}
