/**
 * A pipe made through libc whose read end the agent reads itself: the one pipe a guest-exec child
 * in `merged` mode gets as both stdout and stderr (Deno's `piped` streams are two separate pipes).
 *
 * The write end goes to the child (`Deno.Command` takes a descriptor number as `stdout`/`stderr`
 * and `dup()`s it); the read end is non-blocking and read synchronously on the JS thread whenever
 * it is readable. Readiness comes from one shared {@link ReadinessPoller}: a single `poll()` over
 * every waiting read end plus a wake-up pipe, running on one worker thread (a `nonblocking` FFI
 * call) for as long as anything waits — so a thousand merged children cost one thread, not a
 * thousand, and nothing keeps running once every pipe has reached end of file.
 *
 * @module
 */

import { Errno } from "../errno.ts";
import { check, closeFd, libc, pollAsync, readFd, writeFd } from "../libc.ts";
import { OsError } from "../os_error.ts";
import { Flock, OpenFlags, Poll, pollFds, pollRevents } from "../structs.ts";

/** Bytes read per `read()` (the pipe's default capacity). */
const READ_SIZE = 65536;

/**
 * `pipe2(O_CLOEXEC)`.
 *
 * @returns The read end and the write end.
 * @throws OsError when the kernel refuses (`EMFILE`, `ENFILE`).
 */
export function cloexecPipe(): [read: number, write: number] {
  const fds = new Int32Array(2);
  check("pipe2", libc().pipe2(new Uint8Array(fds.buffer), OpenFlags.O_CLOEXEC));
  return [fds[0]!, fds[1]!];
}

/** Sets `O_NONBLOCK` on `fd`; throws OsError. */
export function setNonBlocking(fd: number): void {
  const flags = check("fcntl", libc().fcntl(fd, Flock.F_GETFL, 0));
  check("fcntl", libc().fcntl(fd, Flock.F_SETFL, flags | OpenFlags.O_NONBLOCK));
}

/** One `poll()` on a worker thread for every descriptor somebody waits for. */
export class ReadinessPoller {
  #waiters = new Map<number, () => void>();
  #wake: [number, number] | undefined;
  #running = false;
  #drain = new Uint8Array(64);

  /**
   * Resolves when `fd` is readable, hung up or in error (`POLLIN`, `POLLHUP`, `POLLERR`,
   * `POLLNVAL`). One waiter per descriptor.
   */
  wait(fd: number): Promise<void> {
    return new Promise((resolve) => {
      this.#waiters.set(fd, resolve);
      if (this.#running) this.#poke();
      else void this.#run();
    });
  }

  /** Stops waiting for `fd` (its pending {@link wait} never resolves). */
  forget(fd: number): void {
    if (this.#waiters.delete(fd) && this.#running) this.#poke();
  }

  /** Number of descriptors waited for (for tests). */
  get waiting(): number {
    return this.#waiters.size;
  }

  #wakePipe(): [number, number] {
    if (!this.#wake) {
      this.#wake = cloexecPipe();
      setNonBlocking(this.#wake[0]);
      setNonBlocking(this.#wake[1]);
    }
    return this.#wake;
  }

  #poke(): void {
    writeFd(this.#wakePipe()[1], new Uint8Array(1));
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      while (this.#waiters.size > 0) {
        const wake = this.#wakePipe()[0];
        const fds = [wake, ...this.#waiters.keys()];
        const set = pollFds(fds.map((fd) => [fd, Poll.POLLIN]));
        // A negative result (EINTR) just polls again.
        await pollAsync(set, -1);
        while (readFd(wake, this.#drain) > 0);
        for (let i = 1; i < fds.length; i++) {
          if (pollRevents(set, i) === 0) continue;
          const resolve = this.#waiters.get(fds[i]!);
          this.#waiters.delete(fds[i]!);
          resolve?.();
        }
      }
    } finally {
      this.#running = false;
    }
  }
}

/** The poller shared by every pipe stream of the process. */
export const sharedPoller: ReadinessPoller = new ReadinessPoller();

/**
 * A byte stream over the non-blocking read end `fd`, which it owns: closed at end of file, on
 * an error or when the stream is cancelled. It supports BYOB reads, which land directly in the
 * reader's buffer; other reads get fresh chunks of at most 64 KiB. Nothing is read before the
 * consumer asks (no internal queue).
 *
 * @param fd A read end with `O_NONBLOCK` set.
 * @param poller Where to wait for readiness.
 */
export function pipeReadableStream(
  fd: number,
  poller: ReadinessPoller = sharedPoller,
): ReadableStream<Uint8Array> {
  let open = true;
  const close = () => {
    if (open) closeFd(fd);
    open = false;
  };
  return new ReadableStream({
    type: "bytes",
    autoAllocateChunkSize: READ_SIZE,
    async pull(controller) {
      const request = controller.byobRequest!;
      const view = request.view as Uint8Array<ArrayBuffer>;
      while (open) {
        const n = readFd(fd, view);
        if (n > 0) return request.respond(n);
        if (n === 0) {
          close();
          controller.close();
          return request.respond(0);
        }
        if (n === -Errno.EINTR) continue;
        if (n !== -Errno.EAGAIN) return (close(), controller.error(new OsError(-n, "read")));
        await poller.wait(fd);
      }
    },
    cancel() {
      poller.forget(fd);
      close();
    },
  }, { highWaterMark: 0 });
}
