/**
 * Host-side client of a guest agent behind a QEMU chardev socket (virtio-serial).
 *
 * The agent's output is a stream of replies, each one JSON text ending in `\n`, and the 0xFF
 * sentinel before the reply to `guest-sync-delimited`. Because the guest port has no notion of
 * a session (spec §1.9), every (re)connect starts with {@linkcode AgentClient.resync}: send
 * 0xFF and `guest-sync-delimited` with a fresh id, discard everything up to a 0xFF, and accept
 * the reply carrying that id (spec §1.7). Requests made with {@linkcode AgentClient.execute}
 * carry an `id` member so stale replies are skipped.
 *
 * @module
 */

import { withTimeout } from "../helpers/async.ts";
import { ByteQueue, pumpInto, showBytes, writeAll } from "./util.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One reply line from the agent. */
export interface AgentReply {
  /** The reply text without the trailing `\n` and without a leading 0xFF. */
  text: string;
  /** Whether a 0xFF sentinel preceded the reply. */
  delimited: boolean;
  /** Bytes between the previous reply's `\n` and the sentinel (0 when well-formed). */
  garbage: number;
  /** The parsed reply (undefined if it is not plain JSON, e.g. contains `inf`). */
  value?: Record<string, unknown>;
}

/** An error reply of the agent. */
export class AgentError extends Error {
  /** The error class, e.g. `GenericError` or `CommandNotFound`. */
  readonly errorClass: string;
  /** The error description. */
  readonly desc: string;

  constructor(errorClass: string, desc: string) {
    super(`${errorClass}: ${desc}`);
    this.errorClass = errorClass;
    this.desc = desc;
  }
}

let nextId = Math.floor(Math.random() * 1e6) * 1000 + 1;

/** A fresh request/sync id. */
export function freshId(): number {
  return nextId++;
}

function parse(text: string): Record<string, unknown> | undefined {
  try {
    const v = JSON.parse(text);
    return typeof v === "object" && v !== null ? v : undefined;
  } catch {
    return undefined;
  }
}

/** A connection to one agent port. */
export class AgentClient {
  #conn: Deno.UnixConn;
  #queue: ByteQueue;
  #done: Promise<void>;
  /** The socket path. */
  readonly path: string;

  private constructor(conn: Deno.UnixConn, path: string) {
    this.#conn = conn;
    this.path = path;
    const { queue, done } = pumpInto(conn);
    this.#queue = queue;
    this.#done = done;
  }

  /**
   * Connects to a chardev socket (no handshake; call {@linkcode AgentClient.resync}).
   *
   * @param path The socket path.
   * @returns The client.
   */
  static async connect(path: string): Promise<AgentClient> {
    const conn = await withTimeout(
      Deno.connect({ transport: "unix", path }),
      5000,
      `connect ${path}`,
    );
    return new AgentClient(conn, path);
  }

  /** Whether the connection has ended. */
  get ended(): boolean {
    return this.#queue.ended;
  }

  /** Sends raw bytes (a string is UTF-8 encoded). */
  async send(data: Uint8Array | string, timeoutMs = 10_000): Promise<void> {
    await writeAll(this.#conn, typeof data === "string" ? encoder.encode(data) : data, timeoutMs);
  }

  /** Number of received bytes not consumed yet. */
  get buffered(): number {
    return this.#queue.bytes.length;
  }

  /** Discards everything received so far. */
  discard(): void {
    this.#queue.clear();
  }

  /**
   * Takes the next complete reply line.
   *
   * @param timeoutMs Timeout.
   * @returns The reply.
   * @throws Error on timeout or end of connection, naming the bytes received.
   */
  async nextReply(timeoutMs: number): Promise<AgentReply> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const bytes = this.#queue.bytes;
      const nl = bytes.indexOf(0x0a);
      if (nl >= 0) {
        let line = bytes.subarray(0, nl);
        // A sentinel may follow stray bytes of an earlier, cut-off reply: keep what follows it.
        const ff = line.lastIndexOf(0xff);
        const delimited = ff >= 0;
        if (delimited) line = line.subarray(ff + 1);
        const text = decoder.decode(line);
        this.#queue.consume(nl + 1);
        return { text, delimited, garbage: Math.max(0, ff), value: parse(text) };
      }
      if (this.#queue.ended) {
        throw new Error(`connection to ${this.path} ended; pending: ${showBytes(bytes)}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`no reply within ${timeoutMs} ms; pending: ${showBytes(bytes)}`);
      }
      await this.#queue.waitForData(left);
    }
  }

  /**
   * Re-synchronises with the agent: 0xFF + `guest-sync-delimited` with a fresh id, repeated
   * every `attemptMs` until a 0xFF-delimited reply with one of the ids arrives.
   *
   * @param timeoutMs Overall timeout (covers an agent that is still starting).
   * @param attemptMs Pause before sending another attempt.
   * @returns The id that was answered.
   */
  async resync(timeoutMs = 30_000, attemptMs = 3000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    const ids = new Set<number>();
    this.discard();
    let last = "";
    while (Date.now() < deadline) {
      const id = freshId();
      ids.add(id);
      const json = encoder.encode(`{"execute":"guest-sync-delimited","arguments":{"id":${id}}}`);
      const bytes = new Uint8Array(json.length + 1);
      bytes[0] = 0xff;
      bytes.set(json, 1);
      await this.send(bytes);
      const attemptEnd = Math.min(deadline, Date.now() + attemptMs);
      while (Date.now() < attemptEnd) {
        let reply: AgentReply;
        try {
          reply = await this.nextReply(attemptEnd - Date.now());
        } catch (error) {
          if (this.ended) throw error;
          break;
        }
        last = reply.text;
        const m = /^\{"return": (-?\d+)\}$/.exec(reply.text);
        if (reply.delimited && m && ids.has(Number(m[1]))) {
          // Later attempts may still be answered: one more round trip consumes those replies,
          // so the stream is clean when this returns.
          if (ids.size > 1) await this.request("guest-sync", { id: freshId() }, attemptMs * 2);
          return Number(m[1]);
        }
      }
    }
    throw new Error(`no guest-sync-delimited answer within ${timeoutMs} ms (last line: ${last})`);
  }

  /**
   * Sends one request with a fresh `id` member and waits for the reply with that id (replies
   * without it, left over from earlier exchanges, are skipped).
   *
   * @param command Command name.
   * @param args Arguments (omitted when undefined); a string is used as raw JSON text (for
   *   integers beyond 2^53).
   * @param timeoutMs Timeout.
   * @returns The reply.
   */
  async request(command: string, args?: unknown, timeoutMs = 10_000): Promise<AgentReply> {
    const id = freshId();
    const argsText = args === undefined
      ? ""
      : `,"arguments":${typeof args === "string" ? args : JSON.stringify(args)}`;
    const req = `{"execute":${JSON.stringify(command)}${argsText},"id":${id}}`;
    await this.send(req);
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const reply = await this.nextReply(Math.max(1, deadline - Date.now())).catch((e) => {
        throw new Error(`${command}: ${e.message}`);
      });
      if (reply.value?.id === id) return reply;
    }
  }

  /**
   * Runs a command and returns its `return` value.
   *
   * @param command Command name.
   * @param args Arguments.
   * @param timeoutMs Timeout.
   * @returns The `return` member.
   * @throws AgentError on an error reply.
   */
  async execute(command: string, args?: unknown, timeoutMs = 10_000): Promise<unknown> {
    const reply = await this.request(command, args, timeoutMs);
    const v = reply.value!;
    if ("error" in v) {
      const e = v.error as { class?: string; desc?: string };
      throw new AgentError(String(e.class), String(e.desc));
    }
    return v.return;
  }

  /**
   * Sends raw bytes, then the marker (0xFF + `guest-sync-delimited`), and returns everything
   * the agent wrote before the marker's sentinel — the replies to the bytes followed by the
   * agent's error reply to the marker's 0xFF byte.
   *
   * @param bytes The raw request bytes.
   * @param timeoutMs Timeout.
   * @returns The text before the sentinel.
   */
  async exchangeRaw(bytes: string, timeoutMs = 10_000): Promise<string> {
    const id = freshId();
    await this.send(bytes);
    const json = encoder.encode(`{"execute":"guest-sync-delimited","arguments":{"id":${id}}}`);
    const marker = new Uint8Array(json.length + 1);
    marker[0] = 0xff;
    marker.set(json, 1);
    await this.send(marker);
    const deadline = Date.now() + timeoutMs;
    const lines: string[] = [];
    while (true) {
      const reply = await this.nextReply(Math.max(1, deadline - Date.now()));
      if (reply.delimited && reply.text === `{"return": ${id}}`) return lines.join("");
      lines.push(reply.text + "\n");
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
