/**
 * The serve loop: bytes from the channel → JSON message stream → dispatcher → reply bytes back,
 * one request at a time, in order, as qemu-ga's main loop does. The stream's state survives
 * client reconnects on purpose (qemu-ga behaves so; clients resynchronise with 0xFF).
 *
 * @module
 */

import type { Channel } from "../channel/channel.ts";
import { type Dispatcher, encodeReply } from "../dispatch/dispatch.ts";
import { JsonMessageStream } from "../stream/json_stream.ts";
import type { Logger } from "./log.ts";

/** V8's `gc()`, present when the agent runs with `--expose-gc` (deno.json's start task, build.sh). */
const collectGarbage = (globalThis as { gc?: () => void }).gc;

/** Garbage (V8 heap plus external buffers, bytes) tolerated beyond what was live after a collection. */
export const GARBAGE_BUDGET = 32 * 1024 * 1024;
/** Input or reply bytes that are "large": worth a look at the memory figures (~10 µs). */
const LARGE = 1024 * 1024;
/** Input between two looks at the memory figures while no request completes. */
const LARGE_IDLE_INPUT = 16 * 1024 * 1024;
/** A successful match on an empty string, see {@linkcode GarbageBudget.replied}. */
const EMPTY_MATCH = /(?:)/;

/**
 * Keeps the garbage of large requests from piling up. V8 sizes its heap for throughput: it lets
 * garbage grow to a multiple of the live heap (and external buffers by 64 MiB at a time) before
 * a full collection. A request costs garbage in proportion to its size — a 24 MiB member name
 * leaves about 100 MiB of dead strings and buffers, being echoed in the error reply — and at
 * V8's pace 16 such requests took the agent to 476 MiB. So after large input (1 MiB since the
 * last look, when a request completes — before it is run; 16 MiB otherwise) and after a large
 * reply, the loop compares V8's heap and external memory with what was live after the last
 * collection, and collects when more than {@linkcode GARBAGE_BUDGET} has accumulated. Small
 * requests never come near it: the young generation (`--max-semi-space-size=1`) collects their
 * garbage as before.
 */
class GarbageBudget {
  #stream: JsonMessageStream;
  #input = 0;
  #live = Infinity;

  /** Watches the garbage around `stream`, whose own buffer (live, not garbage) is discounted. */
  constructor(stream: JsonMessageStream) {
    this.#stream = stream;
  }

  #used(): number {
    const { heapUsed, external } = Deno.memoryUsage();
    return heapUsed + external - this.#stream.footprint;
  }

  /** `bytes` of input were fed, completing `events` events (about to be run). */
  fed(bytes: number, events: number): void {
    this.#input += bytes;
    if (this.#input >= (events > 0 ? LARGE : LARGE_IDLE_INPUT)) this.#check();
  }

  /** A reply of `bytes` has been written. */
  replied(bytes: number): void {
    if (bytes < LARGE) return;
    // V8 keeps the subject of the last successful RegExp match alive (the legacy `RegExp.input`)
    // until the next match: a large reply's text (the writer tests strings with a RegExp) would
    // stay resident, however idle the agent. A match on "" takes its place.
    EMPTY_MATCH.exec("");
    this.#check();
  }

  #check(): void {
    this.#input = 0;
    if (collectGarbage === undefined) return;
    const used = this.#used();
    if (used - this.#live <= GARBAGE_BUDGET) {
      this.#live = Math.min(this.#live, used);
      return;
    }
    collectGarbage();
    this.#live = this.#used();
  }
}

/** Why a serve loop ended. */
export type ServeEnd = "stopped" | "channel-closed" | "read-error";

/** Serves requests from a channel until stopped, the channel ends, or a read fails. */
export class ServeLoop {
  #stream = new JsonMessageStream();
  #garbage = new GarbageBudget(this.#stream);
  #dispatcher: Dispatcher;
  #log: Logger;
  #stopRequested = false;
  #busy = false;
  #wake: (() => void) | undefined;

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
        // A fresh stop promise per read, dropped once the read is over: racing every read against
        // one long-lived promise would leave a reaction on it per read, each holding the chunk
        // read, until the agent stops (every byte received stayed in memory).
        const stopped = new Promise<undefined>((resolve) => {
          this.#wake = () => resolve(undefined);
        });
        chunk = await Promise.race([channel.read(), stopped]);
      } catch (error) {
        this.#log.error(`error reading channel: ${error instanceof Error ? error.message : error}`);
        return "read-error";
      }
      if (chunk === undefined) break;
      if (chunk === null) return "channel-closed";
      this.#busy = true;
      try {
        await this.#serve(channel, chunk);
      } finally {
        this.#busy = false;
      }
    }
    return "stopped";
  }

  /**
   * Answers the requests a chunk completes. A frame of its own: `run()` stays suspended for as
   * long as the agent idles, and a suspended async frame keeps what its locals last held — here
   * that would be the last request and reply, which can be tens of MiB (a 24 MiB member name is
   * echoed in the error reply).
   */
  async #serve(channel: Channel, chunk: Uint8Array): Promise<void> {
    this.#log.debug(`read data, count: ${chunk.length}`);
    // Events are lexed one at a time, each when the previous one has been answered: a chunk of
    // garbage completes thousands of them, which would otherwise all be held at once (and be
    // promoted by V8 to its old generation, to be collected only much later).
    let fed = false;
    for (const event of this.#stream.events(chunk)) {
      if (!fed) {
        fed = true;
        this.#garbage.fed(chunk.length, 1);
      }
      // A stream error is encodeError()'s reply without building a QgaError (an Error, with a
      // stack trace and a decoded copy of the text) for each of thousands of garbage bytes.
      const reply = "value" in event
        ? await this.#dispatcher.dispatch(event.value)
        : encodeReply({ error: { class: "GenericError", desc: event.error } });
      if (reply === null) continue;
      this.#log.debug(`sending data, count: ${reply.length}`);
      const failure = await channel.write(reply);
      this.#garbage.replied(reply.length);
      if (failure) {
        // qemu-ga's two warnings (channel layer, then send_response's -EIO), hidden without -v.
        this.#log.warning(`error writing to channel: ${failure.message}`);
        this.#log.warning("error sending error response: Input/output error");
      }
    }
    if (!fed) this.#garbage.fed(chunk.length, 0);
  }
}
