/**
 * The hostile host's side of the channel: a unix-socket client that sends one JSON request per
 * line and reads one reply line per request (no marker technique: every request here is
 * well-formed and answered by exactly one line), with a time limit on every reply so that an
 * agent that hangs fails the test instead of blocking it. Pipelined calls keep 10,000-open races
 * within a few seconds.
 *
 * @module
 */

import { withTimeout } from "../helpers/async.ts";

/** How long one reply may take before the test fails: a refusal must come at once. */
export const REPLY_TIMEOUT_MS = 5_000;

/** An agent's reply. */
export type Reply =
  | { readonly return: unknown }
  | { readonly error: { readonly class: string; readonly desc: string } };

/** One request: the command and its arguments. */
export interface Request {
  readonly execute: string;
  readonly arguments?: Record<string, unknown>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A line-based client of an agent on a unix socket. */
export class LineClient {
  #conn: Deno.UnixConn;
  #buffer = new Uint8Array(0);
  #chunk = new Uint8Array(1 << 16);

  private constructor(conn: Deno.UnixConn) {
    this.#conn = conn;
  }

  /** Connects to the agent listening on `path`. */
  static async connect(path: string): Promise<LineClient> {
    const conn = await withTimeout(
      Deno.connect({ transport: "unix", path }),
      REPLY_TIMEOUT_MS,
      `connect to ${path}`,
    );
    return new LineClient(conn);
  }

  /** Sends `request` and returns its reply. */
  async call(execute: string, args?: Record<string, unknown>): Promise<Reply> {
    const [reply] = await this.pipeline([{ execute, ...(args ? { arguments: args } : {}) }]);
    return reply!;
  }

  /** Sends `request` and returns its reply line exactly as the agent wrote it (no newline). */
  async raw(execute: string, args?: Record<string, unknown>): Promise<string> {
    const request = { execute, ...(args ? { arguments: args } : {}) };
    await this.#send([request]);
    return await withTimeout(this.#line(), REPLY_TIMEOUT_MS, `reply to ${execute}`);
  }

  /** Sends every request at once, then reads one reply per request, in order. */
  async pipeline(requests: readonly Request[]): Promise<Reply[]> {
    await this.#send(requests);
    const replies: Reply[] = [];
    for (const request of requests) {
      const line = await withTimeout(
        this.#line(),
        REPLY_TIMEOUT_MS,
        `reply to ${JSON.stringify(request)}`,
      );
      // guest-sync-delimited's reply starts with the byte 0xFF (decoded as U+FFFD).
      replies.push(JSON.parse(line.replace(/^\uFFFD/, "")));
    }
    return replies;
  }

  async #send(requests: readonly Request[]): Promise<void> {
    const text = requests.map((r) => `${JSON.stringify(r)}\n`).join("");
    const bytes = encoder.encode(text);
    for (let at = 0; at < bytes.length;) {
      at += await withTimeout(this.#conn.write(bytes.subarray(at)), REPLY_TIMEOUT_MS, "write");
    }
  }

  /** Reads the next line (without its newline). */
  async #line(): Promise<string> {
    while (true) {
      const end = this.#buffer.indexOf(0x0a);
      if (end >= 0) {
        const line = decoder.decode(this.#buffer.subarray(0, end));
        this.#buffer = this.#buffer.slice(end + 1);
        return line;
      }
      const n = await this.#conn.read(this.#chunk);
      if (n === null) throw new Error("the agent closed the connection");
      const grown = new Uint8Array(this.#buffer.length + n);
      grown.set(this.#buffer);
      grown.set(this.#chunk.subarray(0, n), this.#buffer.length);
      this.#buffer = grown;
    }
  }

  /** Closes the connection. */
  close(): void {
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
  }
}

/** The return value of `reply`; throws with the reply when it is an error. */
export function returned<T = unknown>(reply: Reply): T {
  if ("error" in reply) throw new Error(`expected a return, got ${JSON.stringify(reply)}`);
  return reply.return as T;
}

/** The error description of `reply`; throws with the reply when it is a return. */
export function errorDesc(reply: Reply): string {
  if (!("error" in reply)) throw new Error(`expected an error, got ${JSON.stringify(reply)}`);
  return reply.error.desc;
}

/** qemu-ga's text for an open the kernel (or the agent) refused with `reason`. */
export function openRefusal(path: string, mode: string, reason: string): string {
  return `failed to open file '${path}' (mode: '${mode}'): ${reason}`;
}

/** The text and class of a disabled command. */
export function disabledError(name: string): { class: string; desc: string } {
  return { class: "CommandNotFound", desc: `Command ${name} has been disabled` };
}

/** Base64 of `text` (guest-file-write's `buf-b64`). */
export function b64(text: string): string {
  return btoa(text);
}

/** Text of guest-file-read's `buf-b64`. */
export function unb64(data: string): string {
  return decoder.decode(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)));
}
