/**
 * The JSON value model shared by the stream parser, dispatch and the reply writer.
 *
 * It mirrors QEMU's QObject closely enough to reproduce qemu-ga byte for byte:
 *
 * | JSON             | QValue                                  |
 * |------------------|-----------------------------------------|
 * | `null`           | `null`                                  |
 * | `true`/`false`   | `boolean`                               |
 * | integer          | `bigint` (int64 or uint64, never a double) |
 * | float / huge int | `number` (an IEEE double, printed `%.17g`) |
 * | string           | `string` (valid Unicode) or `Uint8Array` (raw bytes, possibly invalid UTF-8); replies may also hold a {@link PlainText}, a {@link Base64Data} or a {@link JoinedText} |
 * | array            | `QValue[]`                              |
 * | object           | `QDict` (a `Map`, keeps insertion order) or a plain object (replies built by handlers) |
 *
 * @module
 */

/**
 * Reply text that needs no escaping: only printable ASCII other than `"` and `\` (base64 of file
 * data). The writer copies it between quotes without scanning it, which matters for the
 * 64 MiB `buf-b64` of a large `guest-file-read`. Whoever builds one vouches for its content.
 */
export class PlainText {
  /** Wraps `text`, which must hold only `\x20-\x7E` without `"` and `\`. */
  constructor(readonly text: string) {}

  /** The text itself (so that a `PlainText` prints and compares like its string). */
  toString(): string {
    return this.text;
  }
}

/**
 * Reply text that is the base64 of `bytes` (file data of a large `guest-file-read`). The reply
 * is encoded piece by piece as it is written (`src/dispatch/streamed_reply.ts`), so it is never
 * held whole, neither as text nor as bytes; `done` (if given) is called once `bytes` are no
 * longer needed — the reply written, or dropped — so that their buffer can serve the next read.
 */
export class Base64Data {
  /** Wraps the bytes to be written as base64. */
  constructor(readonly bytes: Uint8Array, readonly done?: () => void) {}

  /** Length of the base64 text (padded, no line breaks). */
  get length(): number {
    return Math.ceil(this.bytes.length / 3) * 4;
  }

  /** The base64 text (made on each call: for display and tests). */
  get text(): string {
    return this.bytes.toBase64();
  }

  /** The base64 text, as {@link text}. */
  toString(): string {
    return this.text;
  }
}

/**
 * A reply string given as the pieces it is the concatenation of (an error text around a piece of
 * input, see `QgaError.joined()`). The writer writes the pieces one after the other exactly as it
 * would write their concatenation, without building it: a concatenated string is a rope that the
 * writer's scan would flatten into one more copy of a (possibly huge) piece of input. No piece may
 * begin or end inside a surrogate pair; if one does, the pieces are joined after all.
 */
export class JoinedText {
  /** Wraps the pieces. */
  constructor(readonly pieces: readonly string[]) {}

  /** The joined text (a copy: for display and tests). */
  toString(): string {
    return this.pieces.join("");
  }
}

/** A JSON object as parsed from the wire: insertion order is kept for byte-exact echoing. */
export type QDict = Map<string, QValue>;

/** A plain object used by handlers to build replies; `undefined` members are omitted. */
export interface QPlainObject {
  [key: string]: QValue | undefined;
}

/** Any JSON value in QEMU's model (see the module doc for the mapping). */
export type QValue =
  | null
  | boolean
  | bigint
  | number
  | string
  | PlainText
  | Base64Data
  | JoinedText
  | Uint8Array
  | QValue[]
  | QDict
  | QPlainObject;

/** Smallest int64. */
export const INT64_MIN = -(2n ** 63n);
/** Largest int64. */
export const INT64_MAX = 2n ** 63n - 1n;
/** Largest uint64. */
export const UINT64_MAX = 2n ** 64n - 1n;

/** Returns true when `v` is a parsed JSON object (a `QDict`). */
export function isQDict(v: QValue | undefined): v is QDict {
  return v instanceof Map;
}

/** Returns true when `v` is a JSON string held as JS text or as raw bytes. */
export function isQString(v: QValue | undefined): v is string | Uint8Array {
  return typeof v === "string" || v instanceof Uint8Array;
}
