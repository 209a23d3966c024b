/**
 * A blocking unix-socket client for benchmarks: `socket`/`connect`/`read`/`write` through libc
 * FFI, run synchronously on the JS thread. No promise, no event-loop turn and no worker thread
 * sits between two requests, so the client adds as little as it can to what is measured, and
 * the same to both agents. Reads and writes time out after {@linkcode IO_TIMEOUT_S} seconds.
 *
 * Replies are framed by `\n`: every reply of qemu-ga (and of qga-deno) is one line, and JSON
 * output never holds a raw newline.
 *
 * @module
 */

import { lazyLibc } from "../tests/helpers/libc.ts";

const SYMBOLS = {
  __errno_location: { parameters: [], result: "pointer" },
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  write: { parameters: ["i32", "buffer", "usize"], result: "isize" },
  close: { parameters: ["i32"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  usleep: { parameters: ["u32"], result: "i32" },
} as const;

const { symbols: libc, errno } = lazyLibc(SYMBOLS);

const AF_UNIX = 1;
const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const EINTR = 4;
const EAGAIN = 11;
const SOL_SOCKET = 1;
const SO_RCVTIMEO = 20;
const SO_SNDTIMEO = 21;
/** A blocking read or write that makes no progress for this long fails instead of hanging. */
export const IO_TIMEOUT_S = 60;
const NEWLINE = 0x0a;

/** Sleeps the whole thread for `us` microseconds (blocks the event loop on purpose). */
export function sleepSync(us: number): void {
  libc().usleep(us);
}

/** Tries once to connect to `path`; returns the fd, or -1 if nobody listens there yet. */
export function tryConnect(path: string): number {
  const fd = libc().socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new Error(`Cannot create a unix socket: errno ${errno()}`);
  const name = new TextEncoder().encode(path);
  const address = new Uint8Array(2 + 108);
  address[0] = AF_UNIX;
  address.set(name.subarray(0, 107), 2);
  if (libc().connect(fd, address, 2 + name.length + 1) < 0) {
    libc().close(fd);
    return -1;
  }
  return fd;
}

/** A connected blocking client with a growable receive buffer. */
export class SyncClient {
  #fd: number;
  #buf: Uint8Array<ArrayBuffer>;
  #start = 0;
  #end = 0;

  /** Wraps a connected socket fd (see {@linkcode tryConnect}); sets its I/O timeouts. */
  constructor(fd: number) {
    this.#fd = fd;
    this.#buf = new Uint8Array(1 << 20);
    // struct timeval { time_t tv_sec; suseconds_t tv_usec; } (64-bit Linux).
    const timeout = new BigInt64Array([BigInt(IO_TIMEOUT_S), 0n]);
    const bytes = new Uint8Array(timeout.buffer);
    libc().setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, bytes, bytes.length);
    libc().setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, bytes, bytes.length);
  }

  /**
   * Connects to `path`, retrying every 100 µs until `timeoutMs` has passed.
   *
   * @param path Socket path.
   * @param timeoutMs How long to keep trying.
   * @returns The client.
   * @throws Error when nothing accepts the connection in time.
   */
  static connect(path: string, timeoutMs = 10_000): SyncClient {
    const deadline = performance.now() + timeoutMs;
    while (true) {
      const fd = tryConnect(path);
      if (fd >= 0) return new SyncClient(fd);
      if (performance.now() > deadline) {
        throw new Error(`Cannot connect to ${path} within ${timeoutMs} ms`);
      }
      sleepSync(100);
    }
  }

  /** Writes all of `bytes`, blocking while the socket is full. */
  send(bytes: Uint8Array<ArrayBuffer>): void {
    let at = 0;
    while (at < bytes.length) {
      const n = Number(
        libc().write(this.#fd, at === 0 ? bytes : bytes.subarray(at), BigInt(bytes.length - at)),
      );
      if (n < 0) {
        const code = errno();
        if (code === EINTR) continue;
        throw new Error(
          code === EAGAIN
            ? `The agent took no data for ${IO_TIMEOUT_S} s`
            : `Write to the agent failed: errno ${code}`,
        );
      }
      at += n;
    }
  }

  /** Reads once (blocking) into the buffer; throws on end of stream. */
  #fill(): void {
    if (this.#start === this.#end) this.#start = this.#end = 0;
    if (this.#end === this.#buf.length) {
      const live = this.#end - this.#start;
      const target = live * 2 > this.#buf.length ? this.#buf.length * 2 : this.#buf.length;
      const next = new Uint8Array(target);
      next.set(this.#buf.subarray(this.#start, this.#end));
      this.#buf = next;
      this.#start = 0;
      this.#end = live;
    }
    const room = this.#buf.subarray(this.#end);
    const n = Number(libc().read(this.#fd, room, BigInt(room.length)));
    if (n === 0) throw new Error("The agent closed the connection");
    if (n < 0) {
      const code = errno();
      if (code === EINTR) return;
      throw new Error(
        code === EAGAIN
          ? `No reply from the agent within ${IO_TIMEOUT_S} s`
          : `Read from the agent failed: errno ${code}`,
      );
    }
    this.#end += n;
  }

  /**
   * Reads the next reply line (without its `\n`). The view is valid until the next read.
   *
   * @returns The line's bytes.
   */
  readLine(): Uint8Array {
    let searched = 0;
    while (true) {
      const at = this.#buf.subarray(this.#start + searched, this.#end).indexOf(NEWLINE);
      if (at >= 0) {
        const end = this.#start + searched + at;
        const line = this.#buf.subarray(this.#start, end);
        this.#start = end + 1;
        return line;
      }
      searched = this.#end - this.#start;
      this.#fill();
    }
  }

  /**
   * Reads and discards `count` reply lines, reading as much as the socket holds each time.
   *
   * @param count Number of lines.
   */
  skipLines(count: number): void {
    while (count > 0) {
      const at = this.#buf.subarray(this.#start, this.#end).indexOf(NEWLINE);
      if (at >= 0) {
        this.#start += at + 1;
        count--;
        continue;
      }
      this.#start = this.#end;
      this.#fill();
    }
  }

  /**
   * Waits until at least one complete reply line is buffered, then consumes every complete
   * line buffered (for pipelining: whatever one read brought).
   *
   * @returns How many lines were consumed (at least 1).
   */
  readSomeLines(): number {
    while (true) {
      const view = this.#buf.subarray(0, this.#end);
      let count = 0;
      let at = this.#start;
      for (let nl = view.indexOf(NEWLINE, at); nl >= 0; nl = view.indexOf(NEWLINE, at)) {
        count++;
        at = nl + 1;
      }
      if (count > 0) {
        this.#start = at;
        return count;
      }
      this.#fill();
    }
  }

  /**
   * Sends a request and reads its one-line reply.
   *
   * @param request The request bytes.
   * @returns The reply line (valid until the next read).
   */
  call(request: Uint8Array<ArrayBuffer>): Uint8Array {
    this.send(request);
    return this.readLine();
  }

  /** Closes the connection. */
  close(): void {
    if (this.#fd >= 0) libc().close(this.#fd);
    this.#fd = -1;
  }
}
