/**
 * A blocking client of the VM guest's command channel (`tests/vm/guest/shell.sh` on the port
 * `org.qemu.vmtest.shell`), for the virtio-serial benchmark: the same protocol as the VM suite's
 * `GuestShell` (`C <id> <timeout> <base64 script>` → `R <id> <status> <base64 output>`), but
 * synchronous, on a {@linkcode SyncClient}, so that a command can be sent and its reply collected
 * later while the benchmark blocks on an agent's port ({@linkcode SyncShell.start} /
 * {@linkcode SyncShell.finish}).
 *
 * @module
 */

import { SyncClient } from "../sync_client.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What a guest command produced. */
export interface ShellOutput {
  /** Exit status (124 or 143 when the guest-side timeout struck). */
  code: number;
  /** Standard output and standard error, interleaved. */
  output: string;
}

/** The guest command channel, one blocking connection. */
export class SyncShell {
  #client: SyncClient;
  #nextId = 1;
  #done = new Map<number, ShellOutput>();

  private constructor(client: SyncClient) {
    this.#client = client;
  }

  /**
   * Connects to the shell port's chardev socket (QEMU's side; the guest may still be booting).
   *
   * @param path The socket path.
   * @returns The client.
   */
  static connect(path: string): SyncShell {
    return new SyncShell(SyncClient.connect(path));
  }

  /**
   * Waits until the guest's shell answers: a request sent before the guest opened its port
   * waits in QEMU and is answered then; one that got lost is sent again after each 60 s
   * read timeout.
   *
   * @param timeoutMs Overall timeout.
   */
  waitReady(timeoutMs: number): void {
    const deadline = performance.now() + timeoutMs;
    while (true) {
      try {
        if (this.run("echo ready", 5).output.trim() === "ready") return;
      } catch (error) {
        if (performance.now() > deadline) {
          throw new Error(`guest shell not ready within ${timeoutMs} ms (${error})`);
        }
      }
    }
  }

  /**
   * Sends a script without waiting for its end.
   *
   * @param script Shell script (busybox sh).
   * @param timeoutS Guest-side timeout.
   * @returns The request id, for {@linkcode SyncShell.finish}.
   */
  start(script: string, timeoutS = 30): number {
    const id = this.#nextId++;
    const b64 = encoder.encode(script).toBase64();
    this.#client.send(encoder.encode(`C ${id} ${timeoutS} ${b64}\n`));
    return id;
  }

  /**
   * Waits for the reply to request `id` (replies to other requests are kept for their turn).
   *
   * @param id What {@linkcode SyncShell.start} returned.
   * @returns Exit status and output.
   */
  finish(id: number): ShellOutput {
    while (true) {
      const kept = this.#done.get(id);
      if (kept) {
        this.#done.delete(id);
        return kept;
      }
      const line = decoder.decode(this.#client.readLine());
      const m = /^R (\d+) (\d+) ?([A-Za-z0-9+/=]*)$/.exec(line);
      if (!m) continue;
      const output = decoder.decode(Uint8Array.fromBase64(m[3]!));
      this.#done.set(Number(m[1]), { code: Number(m[2]), output });
    }
  }

  /**
   * Runs a script and waits for it.
   *
   * @param script Shell script.
   * @param timeoutS Guest-side timeout.
   * @returns Exit status and output.
   */
  run(script: string, timeoutS = 30): ShellOutput {
    return this.finish(this.start(script, timeoutS));
  }

  /**
   * Runs a script that must succeed.
   *
   * @param script Shell script.
   * @param timeoutS Guest-side timeout.
   * @returns Its output.
   * @throws Error with the output on a non-zero status.
   */
  check(script: string, timeoutS = 30): string {
    const r = this.run(script, timeoutS);
    if (r.code !== 0) {
      throw new Error(`guest command failed (status ${r.code}): ${script}\n${r.output}`);
    }
    return r.output;
  }

  /** Closes the connection. */
  close(): void {
    this.#client.close();
  }
}
