/**
 * A minimal QMP client for the VM harness: capabilities negotiation, commands in order with
 * timeouts, events collected as they arrive (QEMU's monitor socket, `-qmp unix:…`).
 *
 * @module
 */

import { withTimeout } from "../helpers/async.ts";
import { ByteQueue, pumpInto, writeAll } from "./util.ts";

/** A QMP error reply. */
export class QmpError extends Error {}

/** A minimal QMP client: commands in order, events collected. */
export class QmpClient {
  #conn: Deno.UnixConn;
  #queue: ByteQueue;
  #done: Promise<void>;
  /** Every event received so far, oldest first. */
  readonly events: { event: string; data?: unknown; timestamp?: unknown }[] = [];
  #replies: Record<string, unknown>[] = [];

  private constructor(conn: Deno.UnixConn) {
    this.#conn = conn;
    const { queue, done } = pumpInto(conn);
    this.#queue = queue;
    this.#done = done;
  }

  /**
   * Connects, reads the greeting and negotiates capabilities.
   *
   * @param path QMP socket path.
   * @returns The client.
   */
  static async connect(path: string): Promise<QmpClient> {
    const conn = await withTimeout(
      Deno.connect({ transport: "unix", path }),
      5000,
      "QMP connect",
    );
    const client = new QmpClient(conn);
    await client.#next((m) => "QMP" in m, 10_000, "QMP greeting");
    await client.execute("qmp_capabilities");
    return client;
  }

  #drain(): void {
    while (true) {
      const bytes = this.#queue.bytes;
      const nl = bytes.indexOf(0x0a);
      if (nl < 0) return;
      const line = new TextDecoder().decode(bytes.subarray(0, nl)).trim();
      this.#queue.consume(nl + 1);
      if (!line) continue;
      const msg = JSON.parse(line) as Record<string, unknown>;
      if (typeof msg.event === "string") {
        this.events.push(msg as { event: string });
      } else {
        this.#replies.push(msg);
      }
    }
  }

  async #next(
    match: (m: Record<string, unknown>) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      this.#drain();
      const i = this.#replies.findIndex(match);
      if (i >= 0) return this.#replies.splice(i, 1)[0]!;
      if (this.#queue.ended) throw new Error(`QMP connection ended while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`QMP: no ${what} within ${timeoutMs} ms`);
      await this.#queue.waitForData(left);
    }
  }

  /**
   * Runs a QMP command.
   *
   * @param command Command name.
   * @param args Arguments.
   * @param timeoutMs Timeout.
   * @returns The command's `return` value.
   * @throws QmpError on an error reply.
   */
  async execute(command: string, args?: unknown, timeoutMs = 10_000): Promise<unknown> {
    const id = `c${Math.floor(Math.random() * 1e9)}`;
    const req = { execute: command, id, ...(args === undefined ? {} : { arguments: args }) };
    await writeAll(this.#conn, new TextEncoder().encode(JSON.stringify(req) + "\n"), 5000);
    const reply = await this.#next((m) => m.id === id, timeoutMs, `reply to ${command}`);
    if ("error" in reply) throw new QmpError(`${command}: ${JSON.stringify(reply.error)}`);
    return reply.return;
  }

  /** `query-status`'s `status` field (`running`, `suspended`, ...). */
  async status(): Promise<string> {
    const r = await this.execute("query-status") as { status: string };
    return r.status;
  }

  /**
   * Returns an event received so far (at index `from` or later), without waiting.
   *
   * @param name Event name.
   * @param from Index in {@linkcode QmpClient.events} to start searching at.
   * @returns The event, if received.
   */
  findEvent(name: string, from = 0): { event: string; data?: unknown } | undefined {
    this.#drain();
    return this.events.slice(from).find((x) => x.event === name);
  }

  /**
   * Waits for an event (also one received earlier, at index `from` or later).
   *
   * @param name Event name.
   * @param timeoutMs Timeout.
   * @param from Index in {@linkcode QmpClient.events} to start searching at.
   * @returns The event.
   */
  async waitEvent(
    name: string,
    timeoutMs: number,
    from = 0,
  ): Promise<{ event: string; data?: unknown }> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      this.#drain();
      const e = this.events.slice(from).find((x) => x.event === name);
      if (e) return e;
      if (this.#queue.ended) throw new Error(`QMP connection ended while waiting for ${name}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`QMP: no ${name} event within ${timeoutMs} ms`);
      await this.#queue.waitForData(left);
    }
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    try {
      this.#conn.close();
    } catch {
      // Closed already.
    }
    await this.#done;
  }
}
