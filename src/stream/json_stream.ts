/**
 * The incremental JSON message stream of qemu-ga: bytes in, complete top-level
 * values (or error replies) out, exactly like QEMU's json-lexer + json-streamer +
 * json-parser (spec sections 1.2–1.4).
 *
 * State is only reset by errors and completed messages, never by the caller: a
 * partial message survives between `feed()` calls (and, in the agent, across client
 * reconnects), which is why clients send a 0xFF byte to resynchronise.
 *
 * @example Feeding a request in two pieces
 * ```ts
 * import assert from "node:assert/strict";
 * import { JsonMessageStream } from "./json_stream.ts";
 *
 * const stream = new JsonMessageStream();
 * const encoder = new TextEncoder();
 * assert.deepEqual(stream.feed(encoder.encode('{"execute":"guest-')), []);
 * const events = stream.feed(encoder.encode('ping"}'));
 * assert.deepEqual(events, [{ value: new Map([["execute", "guest-ping"]]) }]);
 * ```
 *
 * @module
 */

import type { QValue } from "../qobject/value.ts";
import { JsonLexer } from "./lexer.ts";
import { MAX_NESTING, MAX_TOKEN_COUNT, MAX_TOKEN_SIZE } from "./limits.ts";
import { parseTokens } from "./parser.ts";
import { TokenType } from "./token.ts";
import { TokenQueue } from "./token_queue.ts";

/** One complete top-level result: a parsed value, or an error reply text. */
export type StreamEvent = { value: QValue } | { error: string | Uint8Array };

const ENCODER = new TextEncoder();
const NO_BYTES = new Uint8Array(0);
const STRAY_HEAD = ENCODER.encode("JSON parse error, stray '");

/**
 * Builds `JSON parse error, stray '<bytes>'` as raw bytes; the token is cut at its
 * first NUL byte, as QEMU formats it with `%s`.
 */
function strayError(bytes: Uint8Array): Uint8Array {
  const nul = bytes.indexOf(0);
  const text = nul < 0 ? bytes : bytes.subarray(0, nul);
  const out = new Uint8Array(STRAY_HEAD.length + text.length + 1);
  out.set(STRAY_HEAD);
  out.set(text, STRAY_HEAD.length);
  out[out.length - 1] = 0x27;
  return out;
}

/**
 * Splits a byte stream into JSON messages the way qemu-ga does.
 *
 * Errors of the lexing layer (`JSON parse error, stray '...'`) are returned as raw
 * bytes (a `Uint8Array`) because they quote the offending input verbatim; a reply
 * writer must escape them and show invalid UTF-8 as U+FFFD. The `\uXXXX ... is not a
 * valid Unicode character` error is also raw bytes when the quoted escape text holds
 * non-ASCII bytes. All other errors are strings.
 */
export class JsonMessageStream {
  #queue = new TokenQueue();
  #lexer = new JsonLexer(this.#queue, (type, chunk, start, end) => {
    this.#process(type, chunk, start, end);
  });
  #braces = 0;
  #brackets = 0;
  #size = 0;
  #events: StreamEvent[] = [];
  /** True while a {@link begin} runs: each event pauses the lexer. */
  #pull = false;
  /** The chunk of the running {@link begin}, whether it was fed yet, and whether it is done. */
  #chunk: Uint8Array = NO_BYTES;
  #fed = false;
  #done = false;
  /** The event the lexer last paused on (at most one). */
  #pending: StreamEvent[] = [];

  /**
   * Bytes of memory the stream holds for the message being assembled (a 64 MiB message holds
   * 64 MiB until it is complete or rejected, then gives it back at once).
   */
  get footprint(): number {
    return this.#queue.footprint;
  }

  /**
   * Feeds bytes; returns the events completed by them, in order. Never throws for any input.
   * `chunk` is not retained: the caller may reuse its memory once this returns.
   */
  feed(chunk: Uint8Array): StreamEvent[] {
    const events: StreamEvent[] = [];
    this.#events = events;
    this.#lexer.feed(chunk);
    this.#events = [];
    return events;
  }

  /**
   * Feeds bytes and yields the events completed by them one at a time, lexing on only when the
   * next one is asked for — so that a chunk completing thousands of events (garbage: one error
   * per stray byte) never holds them all at once. `chunk` must not change until the iteration
   * ends; it is not retained afterwards. Iterate to the end: an iteration left early lexes the
   * rest of the chunk and drops its events. (The generator form of {@link begin}/{@link next}.)
   */
  *events(chunk: Uint8Array): Generator<StreamEvent, void, undefined> {
    this.begin(chunk);
    try {
      for (let event = this.next(); event !== undefined; event = this.next()) yield event;
    } finally {
      this.end();
    }
  }

  /**
   * Starts feeding `chunk` for {@link next} to take its events one at a time, as
   * {@link events} does, without a generator. `chunk` must not change until {@link next}
   * returns undefined or {@link end} is called; it is not retained afterwards.
   */
  begin(chunk: Uint8Array): void {
    this.#chunk = chunk;
    this.#fed = false;
    this.#done = false;
    // Emptied by pop(), never by `length = 0`, which would drop the array's storage.
    while (this.#pending.length > 0) this.#pending.pop();
    this.#events = this.#pending;
    this.#pull = true;
  }

  /** The next event of the chunk given to {@link begin}; undefined once it is all lexed. */
  next(): StreamEvent | undefined {
    const pending = this.#pending;
    while (this.#pull) {
      // At most one: every event pauses the lexer.
      if (pending.length > 0) return pending.pop();
      if (this.#done) break;
      if (this.#fed) {
        this.#done = this.#lexer.resume();
      } else {
        this.#fed = true;
        this.#done = this.#lexer.feed(this.#chunk);
      }
    }
    this.end();
    return undefined;
  }

  /** Ends a {@link begin}: the rest of the chunk is lexed and its events dropped. */
  end(): void {
    if (!this.#pull) return;
    this.#pull = false;
    if (!this.#fed) this.#lexer.feed(this.#chunk);
    else if (!this.#done) { while (!this.#lexer.resume()); }
    this.#chunk = NO_BYTES;
    while (this.#pending.length > 0) this.#pending.pop();
    this.#events = this.#pending;
  }

  /** Drops the message being assembled (its memory is given back at once). */
  #reset(): void {
    this.#queue.clear();
    this.#braces = 0;
    this.#brackets = 0;
    this.#size = 0;
  }

  #fail(error: string | Uint8Array): void {
    this.#reset();
    this.#push({ error });
  }

  #push(event: StreamEvent): void {
    this.#events.push(event);
    if (this.#pull) this.#lexer.pause();
  }

  /**
   * QEMU's `json_message_process_token()` for the token made of the queue's kept bytes plus
   * `chunk[start, end)`.
   */
  #process(type: TokenType, chunk: Uint8Array, start: number, end: number): void {
    const queue = this.#queue;
    switch (type) {
      case TokenType.LCURLY:
        this.#braces++;
        break;
      case TokenType.RCURLY:
        this.#braces--;
        break;
      case TokenType.LSQUARE:
        this.#brackets++;
        break;
      case TokenType.RSQUARE:
        this.#brackets--;
        break;
      case TokenType.ERROR:
        return this.#fail(strayError(queue.current(chunk, start, end)));
    }
    const len = queue.pending + end - start;
    if (this.#size + len + 1 > MAX_TOKEN_SIZE) {
      return this.#fail("JSON token size limit exceeded");
    }
    if (queue.count + 1 > MAX_TOKEN_COUNT) {
      return this.#fail("JSON token count limit exceeded");
    }
    if (this.#braces + this.#brackets > MAX_NESTING) {
      return this.#fail("JSON nesting depth limit exceeded");
    }
    queue.push(type, chunk, start, end);
    this.#size += len;
    if ((this.#braces > 0 || this.#brackets > 0) && this.#braces >= 0 && this.#brackets >= 0) {
      return;
    }
    const event = parseTokens(queue);
    this.#reset();
    this.#push(event);
  }
}
