/**
 * Standard base64 (the encoding of file data and process I/O on the wire), through V8's native
 * `Uint8Array.prototype.toBase64` and `Uint8Array.fromBase64`.
 *
 * @module
 */

/** The native method (newer than TypeScript's lib). */
interface NativeBase64 {
  toBase64(): string;
}

/**
 * Encodes bytes as standard base64.
 *
 * @param bytes The bytes.
 * @returns The base64 text (with padding).
 */
export function toBase64(bytes: Uint8Array): string {
  return (bytes as unknown as NativeBase64).toBase64();
}

/**
 * Decodes standard base64.
 *
 * @param text Base64 text.
 * @returns The bytes.
 * @throws SyntaxError if the text is not base64.
 */
export function fromBase64(text: string): Uint8Array {
  return (Uint8Array as unknown as { fromBase64(text: string): Uint8Array }).fromBase64(text);
}
