/**
 * Reply lines: qemu-ga's JSON text of a value plus `\n`, optionally after a 0xFF byte — as one
 * byte array, or, for a reply holding file data or any large piece, as a {@link StreamedReply}
 * written a buffer at a time.
 *
 * @module
 */

import { JoinedText, type QValue } from "../qobject/value.ts";
import { toJsonParts } from "../qobject/writer.ts";
import type { QgaError } from "../schema/errors.ts";
import { StreamedReply } from "./streamed_reply.ts";

export { StreamedReply } from "./streamed_reply.ts";

/** A reply line as the serve loop writes it: its bytes, or a large one in pieces. */
export type Reply = Uint8Array | StreamedReply;

const encoder = new TextEncoder();
const DELIMITER = 0xFF;
/** Replies with a piece at least this long (or with file data) are kept in pieces. */
const BIG_PART = 64 * 1024;
/** `{"return": {}}` and a newline, the reply of every command without a return type. */
const EMPTY_RETURN = encoder.encode(`{"return": {}}\n`);

/** `{"return": {}}\n` (after 0xFF when `delimited`); shared when not delimited. */
export function emptyReturn(delimited: boolean): Uint8Array {
  if (!delimited) return EMPTY_RETURN;
  const out = new Uint8Array(EMPTY_RETURN.length + 1);
  out[0] = DELIMITER;
  out.set(EMPTY_RETURN, 1);
  return out;
}

/**
 * The reply line of `reply`: bytes, or a {@link StreamedReply} when it holds file data or a
 * piece of 64 KiB or more.
 */
export function replyOf(reply: QValue, delimited = false): Reply {
  // The writer's output is pure ASCII (one byte per UTF-16 unit), so lengths are byte counts.
  const parts = toJsonParts(reply);
  let length = 0;
  for (const part of parts) {
    if (typeof part !== "string" || part.length >= BIG_PART) {
      return new StreamedReply(parts, delimited);
    }
    length += part.length;
  }
  const skip = delimited ? 1 : 0;
  const out = new Uint8Array(skip + length + 1);
  if (delimited) out[0] = DELIMITER;
  encoder.encodeInto((parts as string[]).join(""), skip === 0 ? out : out.subarray(skip));
  out[out.length - 1] = 0x0a;
  return out;
}

/** The bytes of a reply line (a {@link StreamedReply} made whole). */
export function replyBytes(reply: Reply): Uint8Array {
  if (reply instanceof Uint8Array) return reply;
  const out = new Uint8Array(reply.length);
  let at = 0;
  for (let n = reply.fill(out); n > 0; n = reply.fill(out.subarray(at))) at += n;
  return out;
}

/** Encodes one reply line as bytes (see {@link replyOf}). */
export function encodeReply(reply: QValue, delimited = false): Uint8Array {
  return replyBytes(replyOf(reply, delimited));
}

/** The error reply to `error`, with the request's `id` when one was seen. */
export function errorReply(error: QgaError, id?: QValue): Reply {
  // A text joined around a piece of input is written piece by piece.
  const pieces = error.descPieces;
  const desc = pieces === undefined ? error.desc : new JoinedText(pieces);
  const body = { class: error.errorClass, desc };
  return replyOf(id === undefined ? { error: body } : { error: body, id });
}

/** Encodes an error reply as bytes, with the request's `id` when one was seen. */
export function encodeError(error: QgaError, id?: QValue): Uint8Array {
  return replyBytes(errorReply(error, id));
}
