/**
 * Tokens passed from the lexer to the streamer and parser, mirroring QEMU's
 * `JSONTokenType` (plus an explicit type for the lexer's oversize safety valve).
 *
 * @module
 */

/** Token types. Numeric values are internal and carry no meaning. */
export const TokenType = {
  /** A lexing error: `bytes` holds the bad token including the offending byte. */
  ERROR: 0,
  /** `{` */
  LCURLY: 1,
  /** `}` */
  RCURLY: 2,
  /** `[` */
  LSQUARE: 3,
  /** `]` */
  RSQUARE: 4,
  /** `:` */
  COLON: 5,
  /** `,` */
  COMMA: 6,
  /** An integer literal; `text` holds it. */
  INTEGER: 7,
  /** A floating-point literal; `text` holds it. */
  FLOAT: 8,
  /** A lower-case word (`true`, `false`, `null` or an invalid keyword); `text` holds it. */
  KEYWORD: 9,
  /** A string; `text` holds the decoded value, or `error` the first decoding error. */
  STRING: 10,
  /**
   * A partial token force-emitted by the lexer after growing beyond `MAX_TOKEN_SIZE`
   * (QEMU emits it with the lexer state as its type); it always trips the size limit.
   */
  OVERSIZE: 11,
} as const;

/** One of the {@link TokenType} values. */
export type TokenType = typeof TokenType[keyof typeof TokenType];

/** One lexed token. */
export interface Token {
  /** The token type. */
  readonly type: TokenType;
  /** Length of the token's raw bytes (counts towards the streamer's size limit). */
  readonly len: number;
  /** INTEGER/FLOAT/KEYWORD text, or the decoded STRING value. */
  readonly text?: string;
  /** STRING only: the full parser error message for an invalid string. */
  readonly error?: string | Uint8Array;
  /** ERROR only: the raw bytes of the bad token, offending byte included. */
  readonly bytes?: Uint8Array;
}

/** Shared instances of the single-byte structural tokens. */
export const STRUCTURAL_TOKENS: Readonly<Record<number, Token>> = {
  0x7B: { type: TokenType.LCURLY, len: 1 },
  0x7D: { type: TokenType.RCURLY, len: 1 },
  0x5B: { type: TokenType.LSQUARE, len: 1 },
  0x5D: { type: TokenType.RSQUARE, len: 1 },
  0x3A: { type: TokenType.COLON, len: 1 },
  0x2C: { type: TokenType.COMMA, len: 1 },
};
