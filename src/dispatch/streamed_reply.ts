/**
 * A large reply kept in pieces until it is written: the writer's parts (`toJsonParts`), turned
 * into bytes one buffer at a time by {@link StreamedReply.fill}. A 48 MiB `guest-file-read` then
 * costs its file data (which `Base64Data` holds) and one buffer of the caller's, instead of a
 * 64 MiB base64 string plus a 64 MiB byte copy of the whole reply line, each in fresh memory.
 *
 * @module
 */

import type { ReplyPart } from "../qobject/writer.ts";
import { Base64Data } from "../qobject/value.ts";

const encoder = new TextEncoder();
const DELIMITER = 0xFF;
const NEWLINE = 0x0a;
/**
 * Input bytes encoded at a time (a multiple of 3, so that only the last block is padded): the
 * 64 KiB of base64 each makes is a short-lived string that V8's young generation collects.
 */
const BLOCK = 48 * 1024;

/** One reply line — optional 0xFF, qemu-ga's JSON text, `\n` — produced buffer by buffer. */
export class StreamedReply {
  /** Its length in bytes. */
  readonly length: number;
  #parts: readonly ReplyPart[];
  #delimited: boolean;
  /** The part being copied, and how far: characters of a string, input bytes of data. */
  #part = -1;
  #offset = 0;
  #ended = false;

  /** A reply of `parts` (pure ASCII and {@link Base64Data}), after 0xFF when `delimited`. */
  constructor(parts: readonly ReplyPart[], delimited: boolean) {
    let length = (delimited ? 1 : 0) + 1;
    for (const part of parts) length += part.length;
    this.length = length;
    this.#parts = parts;
    this.#delimited = delimited;
  }

  /**
   * Copies the next bytes of the reply into `out` (at least 4 bytes long); returns how many, 0
   * once the whole reply has been given.
   */
  fill(out: Uint8Array): number {
    let at = 0;
    if (this.#part < 0) {
      if (this.#delimited) out[at++] = DELIMITER;
      this.#part = 0;
    }
    const parts = this.#parts;
    while (this.#part < parts.length) {
      const part = parts[this.#part]!;
      const room = out.length - at;
      if (typeof part === "string") {
        const n = Math.min(room, part.length - this.#offset);
        if (n === part.length) {
          if (n < 64) {
            for (let i = 0; i < n; i++) out[at + i] = part.charCodeAt(i);
          } else {
            encoder.encodeInto(part, out.subarray(at));
          }
        } else if (n > 0) {
          const piece = part.substring(this.#offset, this.#offset + n);
          encoder.encodeInto(piece, out.subarray(at, at + n));
        }
        at += n;
        this.#offset += n;
        if (this.#offset < part.length) return at;
      } else {
        const bytes = part.bytes;
        while (this.#offset < bytes.length) {
          const take = Math.min(BLOCK, Math.floor((out.length - at) / 4) * 3);
          if (take === 0) return at;
          const text = bytes.subarray(this.#offset, this.#offset + take).toBase64();
          encoder.encodeInto(text, out.subarray(at));
          at += text.length;
          this.#offset += take;
        }
        part.done?.();
      }
      this.#part++;
      this.#offset = 0;
    }
    if (!this.#ended && at < out.length) {
      out[at++] = NEWLINE;
      this.#ended = true;
    }
    return at;
  }

  /** Gives back the data of the parts not yet written (the reply is dropped). */
  discard(): void {
    const parts = this.#parts;
    for (let i = Math.max(this.#part, 0); i < parts.length; i++) {
      const part = parts[i];
      if (part instanceof Base64Data) part.done?.();
    }
    this.#part = parts.length;
    this.#ended = true;
  }
}
