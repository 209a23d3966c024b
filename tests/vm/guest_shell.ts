/**
 * Host side of the guest command channel (`guest/shell.sh` on the virtio-serial port
 * `org.qemu.vmtest.shell`): runs a shell script in the guest and returns its exit status and
 * output. One command at a time; every command has a guest-side `timeout` and a host-side
 * timeout a few seconds longer, and replies are matched by id so a late reply to an abandoned
 * command is ignored.
 *
 * @module
 */

import { withTimeout } from "../helpers/async.ts";
import { ByteQueue, pumpInto, writeAll } from "./util.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What a guest command produced. */
export interface ShellResult {
  /** Exit status (124 or 143 when the guest-side timeout struck). */
  code: number;
  /** Standard output and standard error, interleaved. */
  output: string;
}

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function fromBase64(text: string): Uint8Array {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** The command channel. */
export class GuestShell {
  #conn: Deno.UnixConn;
  #queue: ByteQueue;
  #done: Promise<void>;
  #nextId = 1;
  #busy: Promise<unknown> = Promise.resolve();

  private constructor(conn: Deno.UnixConn) {
    this.#conn = conn;
    const { queue, done } = pumpInto(conn);
    this.#queue = queue;
    this.#done = done;
  }

  /**
   * Connects to the shell port's chardev socket.
   *
   * @param path Socket path.
   * @returns The channel (the guest side may not be up yet: see {@linkcode GuestShell.waitReady}).
   */
  static async connect(path: string): Promise<GuestShell> {
    const conn = await withTimeout(
      Deno.connect({ transport: "unix", path }),
      5000,
      `connect ${path}`,
    );
    return new GuestShell(conn);
  }

  /**
   * Waits until the guest answers (the guest boots meanwhile).
   *
   * @param timeoutMs Overall timeout.
   */
  async waitReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        const r = await this.run("echo ready", { timeoutS: 2, hostGraceMs: 0 });
        if (r.output.trim() === "ready") return;
      } catch (error) {
        last = error;
      }
    }
    throw new Error(`guest shell not ready within ${timeoutMs} ms (${last})`);
  }

  /**
   * Runs a script in the guest.
   *
   * @param script Shell script (busybox sh).
   * @param options `timeoutS`: guest-side timeout (default 30 s); `hostGraceMs`: extra host
   *   wait on top (default 5 s).
   * @returns Exit status and output.
   * @throws Error when no reply arrives in time.
   */
  run(
    script: string,
    options: { timeoutS?: number; hostGraceMs?: number } = {},
  ): Promise<ShellResult> {
    const go = this.#busy.then(() => this.#run(script, options));
    this.#busy = go.catch(() => {});
    return go;
  }

  async #run(
    script: string,
    options: { timeoutS?: number; hostGraceMs?: number },
  ): Promise<ShellResult> {
    const id = this.#nextId++;
    const timeoutS = options.timeoutS ?? 30;
    const line = `C ${id} ${timeoutS} ${toBase64(encoder.encode(script))}\n`;
    await writeAll(this.#conn, encoder.encode(line), 5000);
    const deadline = Date.now() + timeoutS * 1000 + (options.hostGraceMs ?? 5000);
    while (true) {
      const bytes = this.#queue.bytes;
      const nl = bytes.indexOf(0x0a);
      if (nl >= 0) {
        const text = decoder.decode(bytes.subarray(0, nl));
        this.#queue.consume(nl + 1);
        const m = /^R (\d+) (\d+) ?([A-Za-z0-9+/=]*)$/.exec(text);
        if (m && Number(m[1]) === id) {
          return { code: Number(m[2]), output: decoder.decode(fromBase64(m[3]!)) };
        }
        continue;
      }
      if (this.#queue.ended) throw new Error("guest shell connection ended");
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`guest command timed out: ${script.slice(0, 200)}`);
      }
      await this.#queue.waitForData(left);
    }
  }

  /**
   * Runs a script that must succeed and returns its output.
   *
   * @param script Shell script.
   * @param timeoutS Guest-side timeout.
   * @returns The output.
   * @throws Error with the output on a non-zero exit status.
   */
  async check(script: string, timeoutS = 30): Promise<string> {
    const r = await this.run(script, { timeoutS });
    if (r.code !== 0) {
      throw new Error(`guest command failed (status ${r.code}): ${script}\n${r.output}`);
    }
    return r.output;
  }

  /** Closes the channel. */
  async close(): Promise<void> {
    try {
      this.#conn.close();
    } catch {
      // Closed already.
    }
    await this.#done;
  }
}
