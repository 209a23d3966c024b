/**
 * Small helpers shared by the VM harness: running host programs, polling, and a byte buffer fed
 * by a background reader (sleeping and timeouts: `tests/helpers/async.ts`).
 *
 * @module
 */

import { sleep, withTimeout } from "../helpers/async.ts";
import { runToExit } from "../helpers/proc.ts";

/** Result of {@linkcode runHost}. */
export interface HostResult {
  /** Exit code. */
  code: number;
  /** Standard output as text. */
  stdout: string;
  /** Standard error as text. */
  stderr: string;
}

/**
 * Runs a host program to completion and captures its output.
 *
 * @param program Program name or path.
 * @param args Arguments.
 * @param options Working directory, extra environment, and whether a non-zero exit throws.
 * @returns The exit code and the output.
 * @throws Error with the output when the program fails and `check` is not false.
 */
export async function runHost(
  program: string,
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; check?: boolean } = {},
): Promise<HostResult> {
  const { code, stdout, stderr } = await runToExit([program, ...args], {
    cwd: options.cwd ?? Deno.cwd(),
    env: options.env,
  });
  if (options.check !== false && code !== 0) {
    throw new Error(
      `${program} ${args.join(" ")} failed with status ${code}:\n` +
        `${stdout}${stderr}`.slice(-4000),
    );
  }
  return { code, stdout, stderr };
}

/** Whether `program` can be found in PATH (or is an existing path). */
export async function haveProgram(program: string): Promise<boolean> {
  if (program.includes("/")) return await exists(program);
  for (const dir of (Deno.env.get("PATH") ?? "/usr/bin:/bin").split(":")) {
    if (dir && await exists(`${dir}/${program}`)) return true;
  }
  return false;
}

/** Whether a path exists (following symlinks). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Polls `probe` every `intervalMs` until it returns a value other than `undefined`.
 *
 * @param probe The check; exceptions count as "not yet" (the last one is reported).
 * @param timeoutMs Overall timeout.
 * @param what What is being waited for (for the error message).
 * @param intervalMs Pause between attempts.
 * @returns The first defined value.
 * @throws Error on timeout.
 */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
  intervalMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (true) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) {
      const why = last instanceof Error ? ` (last error: ${last.message})` : "";
      throw new Error(`${what}: not reached within ${timeoutMs} ms${why}`);
    }
    await sleep(intervalMs);
  }
}

/**
 * A growing byte buffer filled by a background reader of a connection, with waits that time
 * out. Consumers take bytes from the front.
 */
export class ByteQueue {
  #buf = new Uint8Array(65536);
  #len = 0;
  #ended = false;
  #error: unknown;
  #waiters: (() => void)[] = [];

  /** Whether the source has ended (EOF or error). */
  get ended(): boolean {
    return this.#ended;
  }

  /** The read error, if the source ended with one. */
  get error(): unknown {
    return this.#error;
  }

  /** The unconsumed bytes (a view, valid until the next change). */
  get bytes(): Uint8Array {
    return this.#buf.subarray(0, this.#len);
  }

  /** Appends received bytes and wakes the waiters. */
  push(chunk: Uint8Array): void {
    if (this.#len + chunk.length > this.#buf.length) {
      const grown = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + chunk.length));
      grown.set(this.#buf.subarray(0, this.#len));
      this.#buf = grown;
    }
    this.#buf.set(chunk, this.#len);
    this.#len += chunk.length;
    this.#wakeAll();
  }

  /** Marks the end of the source. */
  end(error?: unknown): void {
    this.#ended = true;
    this.#error = error;
    this.#wakeAll();
  }

  /** Drops the first `n` bytes. */
  consume(n: number): void {
    this.#buf.copyWithin(0, n, this.#len);
    this.#len -= n;
  }

  /** Drops everything received so far. */
  clear(): void {
    this.#len = 0;
  }

  /** Waits until more bytes arrive, the source ends, or `ms` pass. */
  waitForData(ms: number): Promise<void> {
    if (this.#ended) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, ms));
      const waiters = this.#waiters;
      function done() {
        clearTimeout(timer);
        const i = waiters.indexOf(done);
        if (i >= 0) waiters.splice(i, 1);
        resolve();
      }
      waiters.push(done);
    });
  }

  #wakeAll(): void {
    for (const w of [...this.#waiters]) w();
  }
}

/**
 * Starts a background reader that copies everything from `conn` into a new
 * {@linkcode ByteQueue}.
 *
 * @param conn The connection.
 * @returns The queue and a promise that settles when the reader has ended.
 */
export function pumpInto(conn: Deno.Conn): { queue: ByteQueue; done: Promise<void> } {
  const queue = new ByteQueue();
  const done = (async () => {
    const chunk = new Uint8Array(65536);
    try {
      while (true) {
        const n = await conn.read(chunk);
        if (n === null) break;
        queue.push(chunk.slice(0, n));
      }
      queue.end();
    } catch (error) {
      queue.end(error);
    }
  })();
  return { queue, done };
}

/**
 * Writes all of `bytes` to `conn`.
 *
 * @param conn The connection.
 * @param bytes The data.
 * @param timeoutMs Timeout for the whole write.
 */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  let at = 0;
  while (at < bytes.length) {
    at += await withTimeout(
      conn.write(bytes.subarray(at)),
      Math.max(1, deadline - Date.now()),
      `write of ${bytes.length} bytes`,
    );
  }
}

/**
 * Renders bytes as printable ASCII for messages: `\n`, `\\`, and `\xHH` for anything else
 * outside 0x20..0x7E.
 */
export function showBytes(bytes: Uint8Array, limit = 2000): string {
  let out = "";
  for (const b of bytes.subarray(0, limit)) {
    if (b === 0x5c) out += "\\\\";
    else if (b === 0x0a) out += "\\n";
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return bytes.length > limit ? `${out}...(${bytes.length - limit} more bytes)` : out;
}

/** The lock file that keeps two VM runs of this machine from overlapping. */
export const VM_LOCK_PATH = "/tmp/qga-deno-vm.lock";

/**
 * Runs `fn` holding the machine-wide VM lock (an exclusive `flock` on {@link VM_LOCK_PATH}):
 * guests under TCG on two cores time out when two boot at once, so every VM suite (x86_64,
 * aarch64, libvirt, the virtio-serial bench) waits for the one before it.
 *
 * @param log Told when the lock is busy.
 * @param fn What to run.
 */
export async function withVmLock<T>(log: (line: string) => void, fn: () => Promise<T>): Promise<T> {
  using file = await Deno.open(VM_LOCK_PATH, { create: true, write: true });
  let waiting = true;
  const notice = setTimeout(() => {
    if (waiting) log(`waiting for another VM run to finish (${VM_LOCK_PATH})`);
  }, 1000);
  await file.lock(true);
  waiting = false;
  clearTimeout(notice);
  try {
    return await fn();
  } finally {
    await file.unlock();
  }
}
