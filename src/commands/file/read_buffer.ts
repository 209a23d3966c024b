/**
 * The buffer `guest-file-read` reads into, kept from one read to the next: a transfer of many
 * chunks reads every chunk into the same memory, which is then already mapped (an 8 MiB chunk in
 * fresh memory costs 2,048 page faults and the zeroing of 8 MiB, every time). One buffer is kept,
 * the largest given back; {@link dropReadBuffer} lets it go once the agent is at rest.
 *
 * @module
 */

let spare: ArrayBuffer | undefined;

/**
 * A buffer of `size` bytes (its content undefined) for one read. Give it back with
 * {@link giveBackReadBuffer} once its bytes are no longer needed (the reply written).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { giveBackReadBuffer, takeReadBuffer } from "./read_buffer.ts";
 * const first = takeReadBuffer(1024);
 * giveBackReadBuffer(first);
 * assert.equal(takeReadBuffer(512).buffer, first.buffer); // the same memory again
 * ```
 */
export function takeReadBuffer(size: number): Uint8Array<ArrayBuffer> {
  if (spare !== undefined && spare.byteLength >= size) {
    const buffer = spare;
    spare = undefined;
    return new Uint8Array(buffer, 0, size);
  }
  return new Uint8Array(size);
}

/** Gives a buffer of {@link takeReadBuffer} back (kept if larger than the one kept). */
export function giveBackReadBuffer(bytes: Uint8Array<ArrayBuffer>): void {
  if (spare === undefined || bytes.buffer.byteLength > spare.byteLength) spare = bytes.buffer;
}

/** Lets go of the kept buffer (the agent is at rest: its memory goes back to the system). */
export function dropReadBuffer(): void {
  spare = undefined;
}
