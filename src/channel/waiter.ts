/**
 * Waiting for file descriptors without spinning and without blocking the JS thread.
 *
 * Reads wait on an edge-triggered epoll set whose `epoll_wait` runs on a worker thread (a
 * `nonblocking` FFI call); writes wait with `poll(POLLOUT)`, also on a worker. Both also watch an
 * eventfd that {@link FdWaiter.close} signals, so a pending wait returns at once on close, and
 * the descriptors are released only after every pending worker call has returned — nothing is
 * left running (the process can exit, test sanitizers see no pending op) once {@link
 * FdWaiter.closed} resolves.
 *
 * Callers always try their read/write/accept first and wait only after EAGAIN (or EOF on a
 * hung-up port); with that pattern edge-triggered notification cannot miss data, and a hung-up
 * virtio-serial port — which reports POLLHUP for ever when polled level-triggered — costs nothing.
 *
 * @module
 */

import { check, closeFd, libc, pollAsync, writeFd } from "../sys/libc.ts";
import { Epoll, EPOLL_EVENT_SIZE, epollEvent, Poll, pollFds, pollRevents } from "../sys/structs.ts";

const EFD_CLOEXEC = 0o2000000;
const EFD_NONBLOCK = 0o4000;
const MAX_EVENTS = 8;

/** An epoll set plus a close eventfd, owned by one channel. */
export class FdWaiter {
  #epfd: number;
  #wakeFd: number;
  #closing = false;
  #pending = new Set<Promise<unknown>>();
  #sleepers = new Set<() => void>();
  #cleanup: (() => void) | undefined;
  #closed: Promise<void>;
  #syncEvents = new Uint8Array(EPOLL_EVENT_SIZE * MAX_EVENTS);
  #resolveClosed!: () => void;

  /** Creates the set (throws OsError when the kernel refuses). */
  constructor() {
    this.#closed = new Promise((resolve) => (this.#resolveClosed = resolve));
    this.#epfd = check("epoll_create1", libc().epoll_create1(Epoll.EPOLL_CLOEXEC));
    try {
      this.#wakeFd = check("eventfd", libc().eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    } catch (error) {
      closeFd(this.#epfd);
      throw error;
    }
    // Level-triggered and never drained: once signalled, every later wait returns at once.
    this.watch(this.#wakeFd, Epoll.EPOLLIN);
  }

  /** True once {@link close} was called. */
  get isClosed(): boolean {
    return this.#closing;
  }

  /** Resolves when {@link close} has completed: no worker call pending, all fds closed. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /** Watches `fd` for `events` (pass EPOLLET for edge-triggered); throws OsError. */
  watch(fd: number, events: number): void {
    check(
      "epoll_ctl",
      libc().epoll_ctl(this.#epfd, Epoll.EPOLL_CTL_ADD, fd, epollEvent(events, fd)),
    );
  }

  /** Stops watching `fd` (errors ignored: the fd may already be gone). */
  unwatch(fd: number): void {
    libc().epoll_ctl(this.#epfd, Epoll.EPOLL_CTL_DEL, fd, epollEvent(0, fd));
  }

  /**
   * Waits until a watched fd reports an event, `timeoutMs` passes (-1: no timeout) or the waiter
   * is closed. Resolves to true for an event (or close), false for a timeout.
   */
  async waitReadable(timeoutMs: number): Promise<boolean> {
    if (this.#closing) return true;
    // SAFETY: each wait owns its event array; it stays referenced (and so alive) until the
    // worker thread's epoll_wait has returned and the promise has settled.
    const events = new Uint8Array(EPOLL_EVENT_SIZE * MAX_EVENTS);
    const n = await this.#track(libc().epoll_wait_nb(this.#epfd, events, MAX_EVENTS, timeoutMs));
    return n !== 0 || this.#closing;
  }

  /**
   * Blocks the JS thread up to `timeoutMs` for an event on a watched fd (no worker thread).
   * Returns true for an event or a close, false after the timeout.
   */
  waitReadableSync(timeoutMs: number): boolean {
    if (this.#closing) return true;
    return libc().epoll_wait(this.#epfd, this.#syncEvents, MAX_EVENTS, timeoutMs) !== 0 ||
      this.#closing;
  }

  /**
   * Waits until `fd` is writable, reports an error or hang-up, `timeoutMs` passes, or the waiter
   * is closed. Resolves to the fd's `revents` (0 on timeout or close).
   */
  async waitWritable(fd: number, timeoutMs: number): Promise<number> {
    if (this.#closing) return 0;
    // SAFETY: struct pollfd[2] owned by this call; alive until the worker's poll has returned.
    const fds = pollFds([[fd, Poll.POLLOUT], [this.#wakeFd, Poll.POLLIN]]);
    const n = await this.#track(pollAsync(fds, timeoutMs));
    return n > 0 && !this.#closing ? pollRevents(fds, 0) : 0;
  }

  /** Sleeps `ms` milliseconds; {@link close} cuts the sleep short. */
  sleep(ms: number): Promise<void> {
    if (this.#closing) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#sleepers.add(done);
    });
  }

  /**
   * Wakes every pending wait, then — once no worker call is pending any more — closes the epoll
   * fd, the eventfd, and runs `cleanup` (the owner closes its own fds there, so that no worker
   * ever polls a closed or reused descriptor). Only the first call acts; later ones (and their
   * `cleanup`) are ignored, so an fd is never closed twice.
   */
  close(cleanup?: () => void): void {
    if (this.#closing) return;
    this.#closing = true;
    this.#cleanup = cleanup;
    const one = new Uint8Array(8);
    one[0] = 1;
    writeFd(this.#wakeFd, one);
    for (const wake of [...this.#sleepers]) wake();
    this.#finish();
  }

  #finish(): void {
    if (this.#pending.size > 0) {
      Promise.allSettled([...this.#pending]).then(() => this.#finish());
      return;
    }
    closeFd(this.#epfd);
    closeFd(this.#wakeFd);
    this.#epfd = this.#wakeFd = -1;
    try {
      this.#cleanup?.();
    } finally {
      this.#resolveClosed();
    }
  }

  #track<T>(call: Promise<T>): Promise<T> {
    this.#pending.add(call);
    const forget = () => this.#pending.delete(call);
    call.then(forget, forget);
    return call;
  }
}
