/**
 * The serve loop: bytes from the channel → JSON message stream → dispatcher → reply bytes back,
 * one request at a time, in order, as qemu-ga's main loop does. The stream's state survives
 * client reconnects on purpose (qemu-ga behaves so; clients resynchronise with 0xFF).
 *
 * The only memory bookkeeping here is telling the garbage budget (`./memory.ts`) how many bytes
 * came in and went out, and when a chunk's requests are no longer referenced.
 *
 * @module
 */

import { type Channel, WRITTEN } from "../channel/channel.ts";
import { type Dispatcher, type Reply, replyOf } from "../dispatch/dispatch.ts";
import { StreamedReply } from "../dispatch/streamed_reply.ts";
import { JsonMessageStream } from "../stream/json_stream.ts";
import type { Logger } from "./log.ts";
import { GarbageBudget, RestingMemory } from "./memory.ts";
import { dropReadBuffer } from "../commands/file/read_buffer.ts";

/** Bytes of a large reply written at a time. */
const REPLY_BUFFER = 256 * 1024;

/** Why a serve loop ended. */
export type ServeEnd = "stopped" | "channel-closed" | "read-error";

/** Serves requests from a channel until stopped, the channel ends, or a read fails. */
export class ServeLoop {
  #stream = new JsonMessageStream();
  #resting = new RestingMemory(() => this.#releaseBuffers());
  #garbage = new GarbageBudget(this.#stream, this.#resting);
  #dispatcher: Dispatcher;
  #log: Logger;
  #stopRequested = false;
  #busy = false;
  #wake: (() => void) | undefined;
  /** The buffer large replies are written through, made at the first one. */
  #scratch: Uint8Array<ArrayBuffer> | undefined;

  /** Creates a loop around a dispatcher; the same loop (and stream) is reused across channels. */
  constructor(dispatcher: Dispatcher, log: Logger) {
    this.#dispatcher = dispatcher;
    this.#log = log;
  }

  /** True while a request is being processed. */
  get busy(): boolean {
    return this.#busy;
  }

  /** Asks the loop to end after the current request (or now, when idle). */
  stop(): void {
    this.#stopRequested = true;
    this.#wake?.();
  }

  /** Runs the loop over `channel`. */
  async run(channel: Channel): Promise<ServeEnd> {
    while (!this.#stopRequested) {
      let chunk: Uint8Array | null | undefined;
      try {
        // Data at hand (or arriving while the channel may block for it) needs no promise.
        chunk = channel.readSync?.();
        if (chunk === undefined) chunk = await this.#readOrStop(channel);
      } catch (error) {
        this.#log.error(`error reading channel: ${error instanceof Error ? error.message : error}`);
        return "read-error";
      }
      if (chunk === undefined) break;
      if (chunk === null) return "channel-closed";
      this.#busy = true;
      try {
        const rest = this.#serve(channel, chunk);
        if (rest !== undefined) await rest;
      } finally {
        this.#busy = false;
      }
      // #serve()'s frame is gone, and with it every reference to the chunk's requests.
      this.#garbage.settle();
    }
    return "stopped";
  }

  /** Awaits the channel's next chunk, or undefined as soon as {@link stop} is called. */
  #readOrStop(channel: Channel): Promise<Uint8Array | null | undefined> {
    // A fresh stop promise per read, dropped once the read is over: racing every read against
    // one long-lived promise would leave a reaction on it per read, each holding the chunk
    // read, until the agent stops (every byte received stayed in memory).
    const stopped = new Promise<undefined>((resolve) => {
      this.#wake = () => resolve(undefined);
    });
    return Promise.race([channel.read(), stopped]);
  }

  /**
   * Answers the requests a chunk completes: at once when every handler and every write completes
   * at once (no promise, no await: `guest-ping`), else a promise for the rest. Not part of
   * `run()`'s frame: `run()` stays suspended for as long as the agent idles, and a suspended
   * async frame keeps what its locals last held — here that would be the last request and reply,
   * which can be tens of MiB (a 24 MiB member name is echoed in the error reply). For the same
   * reason the garbage budget only looks at the memory figures once this is over (a look from
   * here would count the last request as live).
   */
  #serve(channel: Channel, chunk: Uint8Array): Promise<void> | undefined {
    if (this.#log.debugging) this.#log.debug(`read data, count: ${chunk.length}`);
    this.#garbage.fed(chunk.length);
    // Events are lexed one at a time, each when the previous one has been answered: a chunk of
    // garbage completes thousands of them, which would otherwise all be held at once (and be
    // promoted by V8 to its old generation, to be collected only much later).
    const stream = this.#stream;
    stream.begin(chunk);
    let pending: Pending | undefined;
    try {
      pending = this.#answer(channel);
    } catch (error) {
      stream.end(); // lexes the rest of the chunk, its events dropped
      throw error;
    }
    return pending === undefined ? undefined : this.#answerLater(channel, pending);
  }

  /** Answers events until one has to be waited for (its reply, or its write). */
  #answer(channel: Channel): Pending | undefined {
    const stream = this.#stream;
    for (let event = stream.next(); event !== undefined; event = stream.next()) {
      // A stream error is encodeError()'s reply without building a QgaError (an Error, with a
      // stack trace and a decoded copy of the text) for each of thousands of garbage bytes.
      const reply = "value" in event
        ? this.#dispatcher.answer(event.value)
        : replyOf({ error: { class: "GenericError", desc: event.error } });
      if (reply instanceof Promise) return { reply };
      const writing = this.#send(channel, reply);
      if (writing !== undefined) return writing;
    }
    return undefined;
  }

  /** The rest of {@link #serve}, one wait at a time (a loop: no frame per request). */
  async #answerLater(channel: Channel, first: Pending): Promise<void> {
    let pending: Pending | undefined = first;
    try {
      while (pending !== undefined) {
        if ("reply" in pending) {
          pending = this.#send(channel, await pending.reply) ?? this.#answer(channel);
        } else {
          this.#written(await pending.write);
          pending = this.#answer(channel);
        }
      }
    } catch (error) {
      this.#stream.end();
      throw error;
    }
  }

  /** Writes a reply (none: nothing); a pending write when it did not complete at once. */
  #send(channel: Channel, reply: Reply | null): Pending | undefined {
    if (reply === null) {
      this.#garbage.answered(0);
      return undefined;
    }
    if (this.#log.debugging) this.#log.debug(`sending data, count: ${reply.length}`);
    const write = reply instanceof StreamedReply
      ? this.#writeStreamed(channel, reply)
      : channel.write(reply);
    this.#garbage.answered(reply.length);
    if (write === WRITTEN) return undefined;
    return { write };
  }

  /**
   * Writes a reply kept in pieces through one reusable buffer, on the JS thread as long as every
   * write completes at once; the rest in {@link #writeStreamedLater}.
   */
  #writeStreamed(channel: Channel, reply: StreamedReply): Promise<Error | undefined> {
    const buffer = this.#scratch ??= new Uint8Array(REPLY_BUFFER);
    try {
      for (let n = reply.fill(buffer); n > 0; n = reply.fill(buffer)) {
        const writing = channel.write(buffer.subarray(0, n));
        if (writing !== WRITTEN) return this.#writeStreamedLater(channel, reply, writing);
      }
    } catch (error) {
      reply.discard();
      throw error;
    }
    return WRITTEN;
  }

  async #writeStreamedLater(
    channel: Channel,
    reply: StreamedReply,
    first: Promise<Error | undefined>,
  ): Promise<Error | undefined> {
    const buffer = this.#scratch!;
    try {
      let failure = await first;
      for (let n = failure ? 0 : reply.fill(buffer); n > 0; n = reply.fill(buffer)) {
        failure = await channel.write(buffer.subarray(0, n));
        if (failure) break;
      }
      if (failure) reply.discard();
      return failure;
    } catch (error) {
      reply.discard();
      throw error;
    }
  }

  /** Lets go of the buffers of large transfers (the agent is at rest). */
  #releaseBuffers(): void {
    this.#scratch = undefined;
    dropReadBuffer();
  }

  /** Cancels the pending hand-back of memory (the agent is stopping). */
  dispose(): void {
    this.#resting.dispose();
  }

  /** Logs a failed write. */
  #written(failure: Error | undefined): void {
    if (failure) {
      // qemu-ga's two warnings (channel layer, then send_response's -EIO), hidden without -v.
      this.#log.warning(`error writing to channel: ${failure.message}`);
      this.#log.warning("error sending error response: Input/output error");
    }
  }
}

/** What {@link ServeLoop} waits for: a handler's reply, or a write that had to wait. */
type Pending =
  | { readonly reply: Promise<Reply | null> }
  | { readonly write: Promise<Error | undefined> };
