/**
 * A byte stream to the agent: a background reader fills a buffer (so a large request never
 * deadlocks against a large reply), and the session takes lines or waits for a byte from it,
 * each wait with a deadline.
 *
 * @module
 */

import { ClientError, EXIT } from "./errors.ts";

/** Thrown by a wait that reached its deadline. */
export class ReadTimeout extends Error {
  /** A timeout while waiting for `what`. */
  constructor(what: string) {
    super(`Timed out waiting for ${what}`);
    this.name = "ReadTimeout";
  }
}

/** Thrown by a wait when the agent's side closed the connection. */
export class ConnectionClosed extends Error {
  /** The connection ended while waiting for `what`. */
  constructor(what: string, cause?: unknown) {
    super(`The connection ended while waiting for ${what}${cause ? ` (${cause})` : ""}`);
    this.name = "ConnectionClosed";
  }
}

const CHUNK = 1 << 16;

/** How much of the discarded bytes a connection keeps for messages. */
const DISCARDED_KEPT = 512;

/** A connection with a buffered background reader. */
export class Connection {
  #conn: Deno.Conn;
  #buf = new Uint8Array(CHUNK);
  #start = 0;
  #end = 0;
  #ended = false;
  #error: unknown;
  #wake: (() => void) | undefined;
  #discarded: Uint8Array = new Uint8Array();
  #reader: Promise<void>;

  /** Starts reading `conn` in the background. */
  constructor(conn: Deno.Conn) {
    this.#conn = conn;
    this.#reader = this.#pump();
  }

  async #pump(): Promise<void> {
    const chunk = new Uint8Array(CHUNK);
    try {
      while (true) {
        const n = await this.#conn.read(chunk);
        if (n === null) break;
        this.#append(chunk.subarray(0, n));
        this.#wake?.();
      }
    } catch (error) {
      this.#error = error instanceof Error ? error.message : error;
    }
    this.#ended = true;
    this.#wake?.();
  }

  #append(bytes: Uint8Array): void {
    if (this.#end + bytes.length > this.#buf.length) {
      const live = this.#end - this.#start;
      const size = Math.max(this.#buf.length, (live + bytes.length) * 2);
      if (size === this.#buf.length) this.#buf.copyWithin(0, this.#start, this.#end);
      else {
        const grown = new Uint8Array(size);
        grown.set(this.#buf.subarray(this.#start, this.#end));
        this.#buf = grown;
      }
      this.#start = 0;
      this.#end = live;
    }
    this.#buf.set(bytes, this.#end);
    this.#end += bytes.length;
  }

  /**
   * Writes all of `bytes`.
   *
   * @param bytes What to send.
   * @throws ClientError if the agent's side is gone.
   */
  async write(bytes: Uint8Array): Promise<void> {
    let at = 0;
    try {
      while (at < bytes.length) at += await this.#conn.write(bytes.subarray(at));
    } catch (error) {
      throw new ClientError(
        `The connection to the agent broke while sending (${(error as Error).message})`,
        EXIT.unreachable,
      );
    }
  }

  /** Waits until more bytes arrive, the stream ends or `deadline` (ms since the epoch) passes. */
  async #wait(deadline: number, what: string): Promise<void> {
    if (this.#ended) throw new ConnectionClosed(what, this.#error);
    const left = deadline - Date.now();
    if (left <= 0) throw new ReadTimeout(what);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, left);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.#wake = undefined;
  }

  /**
   * Takes the next line (without its `\n`).
   *
   * @param deadline When to give up (ms since the epoch).
   * @param what What is awaited, for the error message.
   * @returns The line's bytes.
   * @throws ReadTimeout, ConnectionClosed.
   */
  async readLine(deadline: number, what: string): Promise<Uint8Array> {
    let scanned = 0; // Bytes after #start known to hold no newline (the buffer may move).
    while (true) {
      const nl = this.#buf.subarray(this.#start + scanned, this.#end).indexOf(0x0a);
      if (nl >= 0) {
        const end = this.#start + scanned + nl;
        const line = this.#buf.slice(this.#start, end);
        this.#start = end + 1;
        return line;
      }
      scanned = this.#end - this.#start;
      await this.#wait(deadline, what);
    }
  }

  /**
   * Discards bytes up to and including the next `byte`.
   *
   * @param byte The byte to find (0xFF: the agent's sentinel).
   * @param deadline When to give up (ms since the epoch).
   * @param what What is awaited, for the error message.
   * @throws ReadTimeout, ConnectionClosed.
   */
  async skipPast(byte: number, deadline: number, what: string): Promise<void> {
    while (true) {
      const at = this.#buf.subarray(this.#start, this.#end).indexOf(byte);
      const end = at >= 0 ? this.#start + at : this.#end;
      this.#keep(this.#buf.subarray(this.#start, end));
      if (at >= 0) {
        this.#start = end + 1;
        return;
      }
      this.#start = end;
      await this.#wait(deadline, what);
    }
  }

  /** Keeps the start of what {@linkcode skipPast} discarded. */
  #keep(bytes: Uint8Array): void {
    const room = DISCARDED_KEPT - this.#discarded.length;
    if (room <= 0 || bytes.length === 0) return;
    const next = new Uint8Array(this.#discarded.length + Math.min(room, bytes.length));
    next.set(this.#discarded);
    next.set(bytes.subarray(0, room), this.#discarded.length);
    this.#discarded = next;
  }

  /** The first bytes (at most 512) that {@linkcode skipPast} discarded, for messages. */
  get discarded(): Uint8Array {
    return this.#discarded;
  }

  /** Number of received bytes not taken yet. */
  get buffered(): number {
    return this.#end - this.#start;
  }

  /** Closes the connection and waits for the reader to stop. */
  async close(): Promise<void> {
    try {
      this.#conn.close();
    } catch {
      // Closed already.
    }
    await this.#reader;
  }
}
