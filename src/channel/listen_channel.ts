/**
 * Listening-socket channels: `unix-listen`, `vsock-listen`, and an inherited socket (systemd
 * socket activation). One client at a time, as qemu-ga: the listening socket is not even watched
 * while a client is attached, so the next connection waits in the kernel backlog until the
 * current client hangs up (EOF or ECONNRESET), and is then accepted transparently by `read()`.
 *
 * @module
 */

import { Errno, strerror } from "../sys/errno.ts";
import { check, closeFd, errno, libc } from "../sys/libc.ts";
import { OsError } from "../sys/os_error.ts";
import { Epoll, Flock, OpenFlags, Socket } from "../sys/structs.ts";
import type { Channel, ChannelOptions } from "./channel.ts";
import { ChannelReadError, WriteStallError } from "./errors.ts";
import {
  READ_CHUNK,
  tryRead,
  WRITE_STALL_MS,
  writeAll,
  type WriteOptions,
  WRITTEN,
} from "./fd_io.ts";
import { FdWaiter } from "./waiter.ts";

/** Safety net: re-check this often even without an epoll edge. */
const IDLE_RECHECK_MS = 1000;
/** Pause before retrying a failed accept (qemu-ga only warns and keeps listening). */
const ACCEPT_RETRY_MS = 100;
/** accept errors after which the listening socket is still usable. */
const TRANSIENT_ACCEPT_ERRORS = new Set<number>([
  Errno.ECONNABORTED,
  Errno.EPROTO,
  Errno.EMFILE,
  Errno.ENFILE,
  Errno.ENOBUFS,
  Errno.ENOMEM,
  Errno.EPERM,
]);

/** Serves the clients of one listening socket fd, one at a time. */
export class ListenChannel implements Channel {
  #listenFd: number;
  #client = -1;
  #waiter = new FdWaiter();
  #buffer = new Uint8Array(READ_CHUNK);
  #writeOptions: WriteOptions;
  /**
   * A unix socket's reads take everything queued (up to the buffer's size), so a short read
   * leaves nothing behind: the next wait needs no read that would only say EAGAIN first.
   */
  #drainsOnShortRead: boolean;
  /** The last read was short and no wait has returned since: the socket is empty. */
  #drained = false;
  /** {@link readSync} stopped for the event loop's turn, before reading. */
  #yieldFirst = false;

  /** Takes ownership of a listening socket fd (closed by {@link close}); makes it non-blocking. */
  constructor(listenFd: number, options: ChannelOptions = {}) {
    this.#listenFd = listenFd;
    this.#writeOptions = { stallMs: options.writeStallMs ?? WRITE_STALL_MS, socket: true };
    this.#drainsOnShortRead = listenSocketFamily(listenFd) === "unix-listen";
    const flags = libc().fcntl(listenFd, Flock.F_GETFL, 0);
    if (flags >= 0) libc().fcntl(listenFd, Flock.F_SETFL, flags | OpenFlags.O_NONBLOCK);
    try {
      this.#waiter.watch(listenFd, Epoll.EPOLLIN | Epoll.EPOLLET);
    } catch (error) {
      this.#waiter.close();
      throw error;
    }
  }

  /** Resolves once {@link close} has completed (no worker call pending, fds closed). */
  get closed(): Promise<void> {
    return this.#waiter.closed;
  }

  /**
   * The next chunk from the current client if it can be had on the JS thread: read at once, or
   * after a wait on this thread while the channel is hot (see `./waiter.ts`). Undefined when the
   * wait must go to a worker thread (no client, the channel is cold, or the event loop's turn is
   * due); null once the channel is closed.
   */
  readSync(): Uint8Array | null | undefined {
    const waiter = this.#waiter;
    this.#yieldFirst = false;
    for (;;) {
      if (waiter.isClosed) return null;
      if (this.#client < 0) return undefined;
      if (waiter.mustYield()) {
        this.#yieldFirst = true;
        return undefined;
      }
      if (!this.#drained) {
        const r = tryRead(this.#client, this.#buffer);
        if (r instanceof Uint8Array) {
          this.#drained = this.#drainsOnShortRead && r.length < this.#buffer.length;
          waiter.gotData();
          return r;
        }
        if (r === "eof" || (r !== "again" && r.errno === Errno.ECONNRESET)) {
          this.#dropClient();
          return undefined;
        }
        if (r !== "again") throw new ChannelReadError(strerror(r.errno), r.errno);
      }
      // A client usually sends its next request within microseconds: wait for it on this
      // thread while the channel is hot (no worker-thread hand-off).
      const budget = waiter.readBudget();
      if (budget <= 0 || !waiter.waitReadableSync(budget)) return undefined;
      this.#drained = false;
    }
  }

  /** The next chunk from the current client, accepting the next client after a hang-up. */
  async read(): Promise<Uint8Array | null> {
    const waiter = this.#waiter;
    while (!waiter.isClosed) {
      if (this.#client < 0) {
        const accepted = this.#accept();
        if (accepted === "again") await waiter.waitReadable(IDLE_RECHECK_MS);
        if (accepted === "retry") await waiter.sleep(ACCEPT_RETRY_MS);
        continue;
      }
      const chunk = this.readSync();
      if (chunk !== undefined) return chunk;
      if (this.#client < 0) continue;
      if (this.#yieldFirst) {
        await waiter.yieldTurn();
        continue;
      }
      // Hot: the event loop's turn, without a wait (data may already be there). Cold: a long wait.
      await waiter.waitReadable(waiter.isHot ? 0 : IDLE_RECHECK_MS);
      this.#drained = false;
    }
    return null;
  }

  /** Writes all of `bytes` to the current client; drops a client that stops reading. */
  write(bytes: Uint8Array): Promise<Error | undefined> {
    const client = this.#client;
    if (client < 0) return Promise.resolve(new Error("no client connected"));
    const writing = writeAll(client, bytes, this.#waiter, this.#writeOptions);
    return writing === WRITTEN ? WRITTEN : this.#afterWrite(client, writing);
  }

  /** The end of a write that had to wait. */
  async #afterWrite(
    client: number,
    writing: Promise<Error | undefined>,
  ): Promise<Error | undefined> {
    const failure = await writing;
    // A client that hung up (EPIPE, ECONNRESET) stays attached until its input is read to EOF,
    // as in qemu-ga: every request it sent is still parsed and run, so the message stream's state
    // after it is the same as qemu-ga's. Only a client that stalls (connected, not reading) is
    // dropped, so that it cannot block the agent for ever.
    if (failure instanceof WriteStallError && this.#client === client) this.#dropClient();
    return failure;
  }

  /** Wakes a pending read (it resolves to null); closes the sockets once no wait is pending. */
  close(): void {
    const listenFd = this.#listenFd;
    this.#waiter.close(() => {
      this.#dropClient();
      closeFd(listenFd);
    });
  }

  #accept(): "accepted" | "again" | "retry" {
    const flags = Socket.SOCK_NONBLOCK | Socket.SOCK_CLOEXEC;
    const fd = libc().accept4(this.#listenFd, null, null, flags);
    if (fd < 0) {
      const code = errno();
      if (code === Errno.EAGAIN || code === Errno.EINTR) return "again";
      if (TRANSIENT_ACCEPT_ERRORS.has(code)) return "retry";
      throw new ChannelReadError(strerror(code), code);
    }
    try {
      this.#waiter.watch(fd, Epoll.EPOLLIN | Epoll.EPOLLRDHUP | Epoll.EPOLLET);
    } catch {
      closeFd(fd);
      return "retry";
    }
    this.#waiter.unwatch(this.#listenFd);
    this.#client = fd;
    this.#drained = false;
    return "accepted";
  }

  #dropClient(): void {
    if (this.#client < 0) return;
    this.#waiter.unwatch(this.#client);
    closeFd(this.#client);
    this.#client = -1;
    // Re-arm the listening socket; a connection already waiting makes it ready at once.
    if (!this.#waiter.isClosed) this.#waiter.watch(this.#listenFd, Epoll.EPOLLIN | Epoll.EPOLLET);
  }
}

/** The channel method matching the address family of socket `fd`, or undefined. */
export function listenSocketFamily(fd: number): "unix-listen" | "vsock-listen" | undefined {
  const value = new Int32Array(1);
  const length = new Uint32Array([4]);
  try {
    check(
      "getsockopt",
      libc().getsockopt(fd, Socket.SOL_SOCKET, Socket.SO_DOMAIN, value, length),
    );
  } catch (error) {
    if (error instanceof OsError) return undefined;
    throw error;
  }
  if (value[0] === Socket.AF_UNIX) return "unix-listen";
  if (value[0] === Socket.AF_VSOCK) return "vsock-listen";
  return undefined;
}
