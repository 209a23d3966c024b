/**
 * A pseudo-terminal pair as a stand-in for a virtio-serial port in tests: the agent opens the
 * slave (`/dev/pts/N`) as its port, the test plays the host on the master.
 *
 * The master is driven through libc (Deno cannot wrap a raw fd in a file object): it is
 * non-blocking, reads and writes are synchronous `read`/`write` calls, and waiting for readiness
 * is a short `poll` on a worker thread, so the test's event loop never blocks. The slave is put in
 * raw mode (`cfmakeraw`), so every byte, 0xFF included, passes unchanged in both directions and
 * nothing is echoed. Every wait has a timeout.
 *
 * @module
 */

import { lazyLibc } from "./libc.ts";

const SYMBOLS = {
  __errno_location: { parameters: [], result: "pointer" },
  posix_openpt: { parameters: ["i32"], result: "i32" },
  grantpt: { parameters: ["i32"], result: "i32" },
  unlockpt: { parameters: ["i32"], result: "i32" },
  ptsname: { parameters: ["i32"], result: "pointer" },
  open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  tcgetattr: { parameters: ["i32", "buffer"], result: "i32" },
  tcsetattr: { parameters: ["i32", "i32", "buffer"], result: "i32" },
  cfmakeraw: { parameters: ["buffer"], result: "void" },
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32", nonblocking: true },
} as const satisfies Deno.ForeignLibraryInterface;

const { symbols: libc, errno } = lazyLibc(SYMBOLS);

function check(call: string, result: number): number {
  if (result < 0) throw new Error(`${call} failed: errno ${errno()}`);
  return result;
}

const O_RDWR = 2;
const O_NOCTTY = 0o400;
const O_NONBLOCK = 0o4000;
const O_CLOEXEC = 0o2000000;
const TCSANOW = 0;
const EAGAIN = 11;
const EINTR = 4;
const POLLIN = 0x001;
const POLLOUT = 0x004;
/** Longest single poll, so that {@link PtyMaster.close} never waits long for a worker. */
const POLL_SLICE_MS = 50;
const READ_SIZE = 65536;

const encoder = new TextEncoder();

/** Finds `needle` in `haystack[from..to)`; returns its index or -1. */
function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number, to: number): number {
  outer: for (let i = Math.max(0, from); i <= to - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}

/** The host side of a pty: writes requests to the agent and collects its replies. */
export class PtyMaster {
  #fd: number;
  #slaveFd: number;
  /** The slave's path, e.g. `/dev/pts/3`: give it to the agent as `-p`. */
  readonly slavePath: string;
  #received = new Uint8Array(1 << 20);
  #length = 0;

  private constructor(fd: number, slaveFd: number, slavePath: string) {
    this.#fd = fd;
    this.#slaveFd = slaveFd;
    this.slavePath = slavePath;
  }

  /**
   * Creates a pty pair with a non-blocking master, sets the slave raw, and keeps one slave fd
   * open (so that bytes written before the agent opens the slave are queued, not refused) until
   * {@link releaseSlave}.
   */
  static open(): PtyMaster {
    const c = libc();
    const fd = check(
      "posix_openpt",
      c.posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC),
    );
    try {
      check("grantpt", c.grantpt(fd));
      check("unlockpt", c.unlockpt(fd));
      const name = c.ptsname(fd);
      if (name === null) throw new Error(`ptsname failed: errno ${errno()}`);
      const slavePath = Deno.UnsafePointerView.getCString(name);
      const path = encoder.encode(`${slavePath}\0`);
      const slaveFd = check("open slave", c.open(path, O_RDWR | O_NOCTTY | O_CLOEXEC, 0));
      // SAFETY: 64 bytes is more than glibc's struct termios (60 bytes on Linux).
      const termios = new Uint8Array(64);
      check("tcgetattr", c.tcgetattr(slaveFd, termios));
      c.cfmakeraw(termios);
      check("tcsetattr", c.tcsetattr(slaveFd, TCSANOW, termios));
      return new PtyMaster(fd, slaveFd, slavePath);
    } catch (error) {
      c.close(fd);
      throw error;
    }
  }

  /** Closes the test's own slave fd (call once the agent holds the slave open). */
  releaseSlave(): void {
    if (this.#slaveFd >= 0) libc().close(this.#slaveFd);
    this.#slaveFd = -1;
  }

  /** Closes the master (the agent's slave sees a hang-up) and the test's slave fd. */
  close(): void {
    this.releaseSlave();
    if (this.#fd >= 0) libc().close(this.#fd);
    this.#fd = -1;
  }

  /** Number of received bytes not consumed yet. */
  get buffered(): number {
    this.#drain();
    return this.#length;
  }

  async #poll(events: number, timeoutMs: number): Promise<void> {
    if (this.#fd < 0) throw new Error("pty master is closed");
    // SAFETY: struct pollfd = int fd, short events, short revents (8 bytes).
    const pfd = new Uint8Array(8);
    const view = new DataView(pfd.buffer);
    view.setInt32(0, this.#fd, true);
    view.setInt16(4, events, true);
    await libc().poll(pfd, 1n, Math.max(0, Math.min(POLL_SLICE_MS, Math.round(timeoutMs))));
  }

  /** Moves everything readable now into the receive buffer (never blocks). */
  #drain(): void {
    while (this.#fd >= 0) {
      if (this.#length + READ_SIZE > this.#received.length) {
        const grown = new Uint8Array(this.#received.length * 2);
        grown.set(this.#received.subarray(0, this.#length));
        this.#received = grown;
      }
      const target = this.#received.subarray(this.#length) as Uint8Array<ArrayBuffer>;
      const n = Number(libc().read(this.#fd, target, BigInt(READ_SIZE)));
      if (n <= 0) return;
      this.#length += n;
    }
  }

  /**
   * Writes all of `data`, reading replies meanwhile (so a peer that answers while we write
   * never deadlocks us).
   */
  async write(data: Uint8Array | string, timeoutMs = 10_000): Promise<void> {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    const deadline = Date.now() + timeoutMs;
    let at = 0;
    while (at < bytes.length) {
      if (this.#fd < 0) throw new Error("pty master is closed");
      const chunk = bytes.subarray(at) as Uint8Array<ArrayBuffer>;
      const n = Number(libc().write(this.#fd, chunk, BigInt(chunk.length)));
      const code = n < 0 ? errno() : 0;
      this.#drain();
      if (n > 0) {
        at += n;
        continue;
      }
      if (n < 0 && code !== EAGAIN && code !== EINTR) {
        throw new Error(`pty write failed: errno ${code}`);
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`pty write stalled after ${at} of ${bytes.length} bytes`);
      await this.#poll(POLLIN | POLLOUT, left);
    }
  }

  /**
   * Waits until the received bytes contain `needle`, then removes and returns everything up to
   * and including it.
   */
  async readUntil(needle: Uint8Array | string, timeoutMs = 10_000): Promise<Uint8Array> {
    const pattern = typeof needle === "string" ? encoder.encode(needle) : needle;
    const deadline = Date.now() + timeoutMs;
    let searched = 0;
    while (true) {
      this.#drain();
      const at = indexOf(this.#received, pattern, searched, this.#length);
      if (at >= 0) return this.take(at + pattern.length);
      searched = Math.max(0, this.#length - pattern.length + 1);
      const left = deadline - Date.now();
      if (left <= 0) {
        const text = new TextDecoder().decode(
          this.#received.subarray(0, Math.min(500, this.#length)),
        );
        throw new Error(
          `no ${JSON.stringify(new TextDecoder().decode(pattern))} from the agent within ` +
            `${timeoutMs} ms; received ${this.#length} bytes: ${JSON.stringify(text)}`,
        );
      }
      await this.#poll(POLLIN, left);
    }
  }

  /** Removes and returns the first `n` received bytes. */
  take(n: number): Uint8Array {
    const out = this.#received.slice(0, n);
    this.#received.copyWithin(0, n, this.#length);
    this.#length -= n;
    return out;
  }
}
