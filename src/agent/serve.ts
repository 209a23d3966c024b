/**
 * The serve loop: bytes from the channel → JSON message stream → dispatcher → reply bytes back,
 * one request at a time, in order, as qemu-ga's main loop does. The stream's state survives
 * client reconnects on purpose (qemu-ga behaves so; clients resynchronise with 0xFF).
 *
 * @module
 */

import type { Channel } from "../channel/channel.ts";
import { type Dispatcher, encodeError } from "../dispatch/dispatch.ts";
import { QgaError } from "../dispatch/errors.ts";
import { JsonMessageStream } from "../stream/json_stream.ts";
import type { Logger } from "./log.ts";

/** Why a serve loop ended. */
export type ServeEnd = "stopped" | "channel-closed" | "read-error";

/** Serves requests from a channel until stopped, the channel ends, or a read fails. */
export class ServeLoop {
  #stream = new JsonMessageStream();
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
      this.#log.debug(`read data, count: ${chunk.length}`);
      this.#busy = true;
      try {
        for (const event of this.#stream.feed(chunk)) {
          const reply = "value" in event
            ? await this.#dispatcher.dispatch(event.value)
            : encodeError(new QgaError(event.error));
          if (reply === null) continue;
          this.#log.debug(`sending data, count: ${reply.length}`);
          const failure = await channel.write(reply);
          if (failure) {
            // qemu-ga's two warnings (channel layer, then send_response's -EIO), hidden without -v.
            this.#log.warning(`error writing to channel: ${failure.message}`);
            this.#log.warning("error sending error response: Input/output error");
          }
        }
      } finally {
        this.#busy = false;
      }
    }
    return "stopped";
  }
}
