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
/**
 * Input or reply bytes of a request that is "huge": the garbage tolerated after it is
 * {@linkcode HUGE_REQUEST_BUDGET}. Processing such a request takes 50 ms or more, which dwarfs a
 * collection (~5 ms), and its garbage left for later would add to the peak of the next one.
 */
const HUGE_REQUEST = 16 * 1024 * 1024;
/** Garbage tolerated after a huge request (bytes). */
const HUGE_REQUEST_BUDGET = 8 * 1024 * 1024;
/** A successful match on an empty string, see {@linkcode GarbageBudget.settle}. */
const EMPTY_MATCH = /(?:)/;

/**
 * Keeps the garbage of large requests from piling up. V8 sizes its heap for throughput: it lets
 * garbage grow to a multiple of the live heap (and external buffers by 64 MiB at a time) before
 * a full collection. A request costs garbage in proportion to its size — a 24 MiB member name is
 * a 24 MiB string, echoed in a 24 MiB error reply — and at V8's pace 16 such requests took the
 * agent to 476 MiB. So once the requests of a chunk have been answered — when they and their
 * replies have just become garbage — if one came with large input (1 MiB since the last look) or
 * got a large reply, or 16 MiB of input completed none, the loop compares V8's heap and external
 * memory with what was live after the last collection, and collects when more than
 * {@linkcode GARBAGE_BUDGET} has accumulated (8 MiB after a request of 16 MiB or more). Looking
 * while a request is still referenced (before it is run, or with its reply in hand) would count
 * it as live, and it would survive into the next large request, whose own copies then pile on
 * top. Small requests never come near it: the young generation (`--max-semi-space-size=1`)
 * collects their garbage as before.
 */
class GarbageBudget {
  #stream: JsonMessageStream;
  /** Input since the last look. */
  #input = 0;
  /** Input since the last request was answered. */
  #requestInput = 0;
  /** A request with large input or a large reply was answered since the last look. */
  #large = false;
  /** A huge one was. */
  #huge = false;
  #live = Infinity;

  /** Watches the garbage around `stream`, whose own buffer (live, not garbage) is discounted. */
  constructor(stream: JsonMessageStream) {
    this.#stream = stream;
  }

  #used(): number {
    const { heapUsed, external } = Deno.memoryUsage();
    return heapUsed + external - this.#stream.footprint;
  }

  /** A chunk of `bytes` is about to be fed. */
  fed(bytes: number): void {
    this.#input += bytes;
    this.#requestInput += bytes;
  }

  /** A request has been answered with a reply of `replyBytes` (0 for none). */
  answered(replyBytes: number): void {
    const request = this.#requestInput;
    this.#requestInput = 0;
    if (request >= HUGE_REQUEST || replyBytes >= HUGE_REQUEST) this.#huge = true;
    if (this.#huge || this.#input >= LARGE || request >= LARGE || replyBytes >= LARGE) {
      this.#large = true;
    }
  }

  /** The chunk's requests and replies are no longer referenced: time for a look, if one is due. */
  settle(): void {
    if (this.#large) {
      // V8 keeps the subject of the last successful RegExp match alive (the legacy
      // `RegExp.input`) until the next match: a large reply's text (the writer tests strings with
      // a RegExp) would stay resident, however idle the agent. A match on "" takes its place.
      EMPTY_MATCH.exec("");
      this.#check(this.#huge ? HUGE_REQUEST_BUDGET : GARBAGE_BUDGET);
    } else if (this.#input >= LARGE_IDLE_INPUT) {
      this.#check(GARBAGE_BUDGET);
    }
  }

  /** Collects when more than `budget` bytes of garbage have accumulated. */
  #check(budget: number): void {
    this.#input = 0;
    this.#large = false;
    this.#huge = false;
    if (collectGarbage === undefined) return;
    const used = this.#used();
    if (used - this.#live <= budget) {
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
      // #serve()'s frame is gone, and with it every reference to the chunk's requests.
      this.#garbage.settle();
    }
    return "stopped";
  }

  /**
   * Answers the requests a chunk completes. A frame of its own: `run()` stays suspended for as
   * long as the agent idles, and a suspended async frame keeps what its locals last held — here
   * that would be the last request and reply, which can be tens of MiB (a 24 MiB member name is
   * echoed in the error reply). For the same reason the garbage budget only looks at the memory
   * figures once this frame is gone (a look from here would count the last request as live).
   */
  async #serve(channel: Channel, chunk: Uint8Array): Promise<void> {
    this.#log.debug(`read data, count: ${chunk.length}`);
    this.#garbage.fed(chunk.length);
    // Events are lexed one at a time, each when the previous one has been answered: a chunk of
    // garbage completes thousands of them, which would otherwise all be held at once (and be
    // promoted by V8 to its old generation, to be collected only much later).
    for (const event of this.#stream.events(chunk)) {
      // A stream error is encodeError()'s reply without building a QgaError (an Error, with a
      // stack trace and a decoded copy of the text) for each of thousands of garbage bytes.
      const reply = "value" in event
        ? await this.#dispatcher.dispatch(event.value)
        : encodeReply({ error: { class: "GenericError", desc: event.error } });
      if (reply === null) {
        this.#garbage.answered(0);
        continue;
      }
      this.#log.debug(`sending data, count: ${reply.length}`);
      const failure = await channel.write(reply);
      this.#garbage.answered(reply.length);
      if (failure) {
        // qemu-ga's two warnings (channel layer, then send_response's -EIO), hidden without -v.
        this.#log.warning(`error writing to channel: ${failure.message}`);
        this.#log.warning("error sending error response: Input/output error");
      }
    }
  }
}
