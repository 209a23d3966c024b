/**
 * A session with a guest agent: connect, resynchronise, then one request at a time.
 *
 * The channel has no notion of a session — an earlier client may have left half a request or
 * unread replies behind — so the session starts the way libvirt's and Proxmox's clients do,
 * with the agent's own resynchronisation (QEMU's `guest-sync-delimited`): send the byte 0xFF
 * (which makes the agent's parser drop whatever it holds) and `guest-sync-delimited` with a
 * random id, discard everything up to the agent's 0xFF sentinel, and accept the reply carrying
 * that id. An attempt is repeated every second (with a new id) until the sync timeout; when
 * nothing answers, the message names the likely causes. After that the stream is clean and each
 * request is answered by the next line.
 *
 * @module
 */

import { type Address, connectTo, describeAddress } from "./address.ts";
import { Connection, ConnectionClosed, ReadTimeout } from "./connection.ts";
import { AgentError, ClientError, EXIT } from "./errors.ts";
import { isObject, type Json, parseJson } from "./json.ts";
import {
  noAnswerMessage,
  randomId,
  requestText,
  returnedId,
  seconds,
  STRAY_PREFIX,
  syncRequest,
} from "./sync.ts";

export { requestText, STRAY_PREFIX } from "./sync.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** How long one resync attempt waits before the next one is sent. */
const ATTEMPT_MS = 1000;
/** How a command without a success reply (shutdown, suspend) ended. */
export type NoReplyOutcome = "answered" | "closed" | "silent";

/** A connected, synchronised session. */
export class Session {
  #conn: Connection;
  /** The agent's address, for messages. */
  readonly where: string;

  private constructor(conn: Connection, where: string) {
    this.#conn = conn;
    this.where = where;
  }

  /**
   * Connects to the agent and resynchronises.
   *
   * @param address Where the agent is.
   * @param syncTimeoutMs How long the connect and the resync may take together.
   * @returns The session, ready for requests.
   * @throws ClientError (exit code 3) when the agent cannot be reached or does not answer.
   */
  static async open(address: Address, syncTimeoutMs: number): Promise<Session> {
    const deadline = Date.now() + syncTimeoutMs;
    const session = new Session(
      new Connection(await connectTo(address, syncTimeoutMs)),
      describeAddress(address),
    );
    try {
      await session.#resync(deadline, syncTimeoutMs);
    } catch (error) {
      await session.close();
      throw error;
    }
    return session;
  }

  async #resync(deadline: number, syncTimeoutMs: number): Promise<void> {
    const ids: number[] = [];
    while (Date.now() < deadline) {
      const id = randomId();
      ids.push(id);
      await this.#conn.write(syncRequest(id, true));
      const attemptEnd = Math.min(deadline, Date.now() + ATTEMPT_MS);
      try {
        while (true) {
          await this.#conn.skipPast(0xff, attemptEnd, "the sync reply");
          const answered = returnedId(decoder.decode(await this.#conn.readLine(attemptEnd, "")));
          if (answered === undefined || !ids.includes(answered)) continue;
          // Later attempts may still be answered: one more sync for the last id clears them.
          if (answered !== ids.at(-1)) await this.#finalSync(deadline + syncTimeoutMs);
          return;
        }
      } catch (error) {
        if (error instanceof ConnectionClosed) {
          throw new ClientError(
            `The agent at ${this.where} closed the connection during the resync ` +
              `(another client may be connected to it, or it is not a guest agent socket)`,
            EXIT.unreachable,
          );
        }
        if (!(error instanceof ReadTimeout)) throw error;
      }
    }
    throw new ClientError(
      noAnswerMessage(this.where, syncTimeoutMs, this.#conn.discarded),
      EXIT.unreachable,
    );
  }

  async #finalSync(deadline: number): Promise<void> {
    const id = randomId();
    await this.#conn.write(syncRequest(id, false));
    while (true) {
      await this.#conn.skipPast(0xff, deadline, "the sync reply").catch((e) => {
        throw new ClientError(`Resync with the agent at ${this.where} failed: ${e.message}`, 3);
      });
      const line = await this.#conn.readLine(deadline, "the sync reply");
      if (returnedId(decoder.decode(line)) === id) return;
    }
  }

  /**
   * Runs one command and returns its `return` value.
   *
   * @param command Command name.
   * @param args Arguments (omitted when undefined); bigints are sent exactly.
   * @param timeoutMs How long to wait for the reply.
   * @returns The `return` member, integers as bigints.
   * @throws AgentError on an error reply; ClientError on a timeout, a closed connection or a
   *   reply that is not JSON.
   */
  async execute(
    command: string,
    args?: Record<string, unknown>,
    timeoutMs = 30_000,
  ): Promise<Json> {
    await this.#conn.write(encoder.encode(requestText(command, args)));
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const text = await this.#readText(deadline, command, timeoutMs);
      if (text.trim() === "") continue;
      const reply = this.#parse(text, command);
      if ("event" in reply || "QMP" in reply) continue; // Not a reply (libvirt skips these too).
      return replyValue(reply, command, text);
    }
  }

  /**
   * Runs a command that sends no reply on success (guest-shutdown, guest-suspend-*), followed
   * by `guest-sync-delimited`: an error reply arrives before the sync reply, success shows as
   * the sync reply (the agent carried on), as the connection closing (the guest went down) or
   * as silence (the guest is going down or asleep).
   *
   * @param command Command name.
   * @param args Arguments.
   * @param timeoutMs How long to wait for an answer.
   * @returns How it ended.
   * @throws AgentError if the agent answered an error.
   */
  async executeNoReply(
    command: string,
    args: Record<string, unknown> | undefined,
    timeoutMs: number,
  ): Promise<NoReplyOutcome> {
    const id = randomId();
    const sync = syncRequest(id, false);
    await this.#conn.write(encoder.encode(requestText(command, args) + decoder.decode(sync)));
    const deadline = Date.now() + timeoutMs;
    while (true) {
      let line: Uint8Array;
      try {
        line = await this.#conn.readLine(deadline, command);
      } catch (error) {
        if (error instanceof ReadTimeout) return "silent";
        if (error instanceof ConnectionClosed) return "closed";
        throw error;
      }
      if (line[0] === 0xff) {
        if (returnedId(decoder.decode(line.subarray(1))) === id) return "answered";
        continue;
      }
      const text = decoder.decode(line);
      if (text.trim() === "") continue;
      replyValue(this.#parse(text, command), command, text);
      return "answered";
    }
  }

  /**
   * Sends request text as it is and returns every reply line the agent wrote for it: the text
   * is followed by 0xFF and `guest-sync-delimited`, and the lines before that sync's reply are
   * the request's (without the agent's own reply to the 0xFF byte).
   *
   * @param text The request text.
   * @param timeoutMs How long to wait.
   * @returns The reply lines and whether the sync reply came (false: timeout or closed).
   */
  async raw(text: string, timeoutMs: number): Promise<{ lines: string[]; complete: boolean }> {
    const id = randomId();
    const request = encoder.encode(text);
    const sync = syncRequest(id, true);
    const bytes = new Uint8Array(request.length + sync.length);
    bytes.set(request);
    bytes.set(sync, request.length);
    await this.#conn.write(bytes);
    const deadline = Date.now() + timeoutMs;
    const lines: string[] = [];
    let complete = false;
    try {
      while (true) {
        const line = await this.#conn.readLine(deadline, "the reply");
        const ff = line.lastIndexOf(0xff);
        if (ff >= 0 && returnedId(decoder.decode(line.subarray(ff + 1))) === id) {
          if (ff > 0) lines.push(decoder.decode(line.subarray(0, ff)));
          complete = true;
          break;
        }
        lines.push(decoder.decode(ff === 0 ? line.subarray(1) : line));
      }
    } catch (error) {
      if (!(error instanceof ReadTimeout || error instanceof ConnectionClosed)) throw error;
    }
    if (complete && lines.at(-1)?.startsWith(STRAY_PREFIX)) lines.pop();
    return { lines, complete };
  }

  async #readText(deadline: number, command: string, timeoutMs: number): Promise<string> {
    try {
      const line = await this.#conn.readLine(deadline, command);
      return decoder.decode(line[0] === 0xff ? line.subarray(1) : line);
    } catch (error) {
      if (error instanceof ReadTimeout) {
        throw new ClientError(
          `No reply to ${command} from the agent at ${this.where} within ${
            seconds(timeoutMs)
          } (--timeout raises the limit)`,
          EXIT.unreachable,
        );
      }
      if (error instanceof ConnectionClosed) {
        throw new ClientError(
          `The agent at ${this.where} closed the connection before replying to ${command}`,
          EXIT.unreachable,
        );
      }
      throw error;
    }
  }

  #parse(text: string, command: string): Record<string, Json> {
    let reply: Json;
    try {
      reply = parseJson(text);
    } catch {
      throw new ClientError(`The reply to ${command} is not JSON: ${text.slice(0, 300)}`);
    }
    if (!isObject(reply)) {
      throw new ClientError(`The reply to ${command} is not an object: ${text.slice(0, 300)}`);
    }
    return reply;
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    await this.#conn.close();
  }
}

/** The `return` of a parsed reply, or the AgentError of an error reply. */
function replyValue(reply: Record<string, Json>, command: string, text: string): Json {
  if ("return" in reply) return reply.return!;
  const error = reply.error;
  if (isObject(error)) {
    throw new AgentError(String(error.class ?? "GenericError"), String(error.desc ?? ""));
  }
  throw new ClientError(`Unexpected reply to ${command}: ${text.slice(0, 300)}`);
}
