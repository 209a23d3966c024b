/**
 * A file in the guest, through the `guest-file-*` commands: open, read and write in chunks
 * (base64 on the wire), the size by seeking to the end, close. Handles are int64 and travel as
 * exact bigints.
 *
 * @module
 */

import { fromBase64, toBase64 } from "./base64.ts";
import { AgentError, ClientError } from "./errors.ts";
import { isObject, type Json, toNumber } from "./json.ts";
import type { Session } from "./session.ts";

/** An open guest file. */
export class GuestFile {
  #session: Session;
  #handle: Json;
  #timeoutMs: number;
  /** The guest path. */
  readonly path: string;

  private constructor(session: Session, handle: Json, path: string, timeoutMs: number) {
    this.#session = session;
    this.#handle = handle;
    this.path = path;
    this.#timeoutMs = timeoutMs;
  }

  /**
   * Opens a guest file.
   *
   * @param session The session.
   * @param path The guest path.
   * @param mode An `fopen` mode: `r` to read, `w` to create or truncate and write.
   * @param timeoutMs Timeout of each request on the file.
   * @returns The open file.
   * @throws AgentError as the agent reports it (no such file, permission denied, …).
   */
  static async open(
    session: Session,
    path: string,
    mode: string,
    timeoutMs: number,
  ): Promise<GuestFile> {
    const handle = await session.execute("guest-file-open", { path, mode }, timeoutMs);
    if (typeof handle !== "bigint") {
      throw new ClientError(`guest-file-open returned ${handle}, not a handle`);
    }
    return new GuestFile(session, handle, path, timeoutMs);
  }

  #call(command: string, args: Record<string, unknown> = {}): Promise<Json> {
    return this.#session.execute(command, { handle: this.#handle, ...args }, this.#timeoutMs);
  }

  /**
   * The file's size: seeks to the end, then back to the start.
   *
   * @returns The size in bytes, or undefined if the file cannot seek (a pipe, a device).
   */
  async size(): Promise<number | undefined> {
    let end: Json;
    try {
      end = await this.#call("guest-file-seek", { offset: 0n, whence: "end" });
    } catch (error) {
      if (error instanceof AgentError) return undefined;
      throw error;
    }
    await this.#call("guest-file-seek", { offset: 0n, whence: "set" });
    return isObject(end) ? toNumber(end.position) : undefined;
  }

  /**
   * Reads up to `count` bytes.
   *
   * @param count Most bytes to read.
   * @returns The bytes and whether the end of the file was reached.
   */
  async read(count: number): Promise<{ data: Uint8Array; eof: boolean }> {
    const reply = await this.#call("guest-file-read", { count: BigInt(count) });
    if (!isObject(reply) || typeof reply["buf-b64"] !== "string") {
      throw new ClientError(`Unexpected guest-file-read reply for ${this.path}`);
    }
    const data = fromBase64(reply["buf-b64"]);
    const said = toNumber(reply.count);
    if (said !== undefined && said !== data.length) {
      throw new ClientError(
        `guest-file-read of ${this.path} says ${said} bytes but carries ${data.length}`,
      );
    }
    return { data, eof: reply.eof === true };
  }

  /**
   * Writes all of `data`.
   *
   * @param data The bytes.
   * @throws ClientError if the agent wrote fewer bytes.
   */
  async write(data: Uint8Array): Promise<void> {
    const reply = await this.#call("guest-file-write", { "buf-b64": toBase64(data) });
    const count = isObject(reply) ? toNumber(reply.count) : undefined;
    if (count !== data.length) {
      throw new ClientError(`Short write to ${this.path}: ${count} of ${data.length} bytes`);
    }
  }

  /** Closes the file (errors are the caller's to report). */
  async close(): Promise<void> {
    await this.#call("guest-file-close");
  }

  /** Closes the file after a failure, ignoring a second error. */
  async closeQuietly(): Promise<void> {
    await this.close().catch(() => {});
  }
}
