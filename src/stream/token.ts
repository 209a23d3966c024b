/**
 * Token types passed from the lexer to the streamer and parser, mirroring QEMU's
 * `JSONTokenType` (plus the lexer's oversize safety valve and a fast-path string type).
 * A token itself is never an object: its type and raw bytes are kept in a
 * {@link import("./token_queue.ts").TokenQueue}.
 *
 * @module
 */

/** Token types. Numeric values are internal and carry no meaning. */
export const TokenType = {
  /** A lexing error: the bad token including the offending byte. */
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
  /** An integer literal. */
  INTEGER: 7,
  /** A floating-point literal. */
  FLOAT: 8,
  /** A lower-case word (`true`, `false`, `null` or an invalid keyword). */
  KEYWORD: 9,
  /** A string, quotes included; decoded (or rejected) by the parser as QEMU's `parse_string()`. */
  STRING: 10,
  /**
   * A partial token force-emitted by the lexer after growing beyond `MAX_TOKEN_SIZE`
   * (QEMU emits it with the lexer state as its type); it always trips the size limit.
   */
  OVERSIZE: 11,
  /**
   * A {@link TokenType.STRING} of printable ASCII without escapes, which decodes natively; the
   * lexer tells it apart for free while scanning.
   */
  PLAIN_STRING: 12,
} as const;

/** One of the {@link TokenType} values. */
export type TokenType = typeof TokenType[keyof typeof TokenType];

/** The type of each single-byte structural token, by byte value (-1 for other bytes). */
export const STRUCTURAL_TYPES: Int8Array = (() => {
  const types = new Int8Array(256).fill(-1);
  types[0x7B] = TokenType.LCURLY;
  types[0x7D] = TokenType.RCURLY;
  types[0x5B] = TokenType.LSQUARE;
  types[0x5D] = TokenType.RSQUARE;
  types[0x3A] = TokenType.COLON;
  types[0x2C] = TokenType.COMMA;
  return types;
})();
