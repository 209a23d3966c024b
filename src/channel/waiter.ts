/**
 * Waiting for file descriptors without spinning, and mostly without leaving the JS thread.
 *
 * A wait can run in two places. On the JS thread (a synchronous `epoll_wait` or `poll`): no
 * thread hand-off, so a request that arrives wakes the agent with one thread wake-up, as qemu-ga's
 * single-threaded main loop is woken. But nothing else runs meanwhile — no timer (the freeze
 * watchdog), no signal listener (SIGTERM), no V8 task. On a worker thread (a `nonblocking` FFI
 * call): the event loop runs, at the price of two more thread wake-ups (the worker's, then the
 * JS thread's) per wait. {@link FdWaiter} picks:
 *
 * - **hot** — within {@link HOT_MS} of the last data — reads wait on the JS thread, writes too
 *   (a reply is being written); each such wait lasts at most until the event loop is due for its
 *   turn, every {@link TURN_MS};
 * - when a turn is due, the channel yields once: a worker-thread wait with a zero timeout (it
 *   overlaps the host's own turnaround, as it comes right after a reply) or, while data keeps
 *   flowing, {@link FdWaiter.yieldTurn};
 * - **cold** — an idle channel — waits on a worker, for up to a second at a time; so does a
 *   hot one while work that needs the event loop is pending (`../sys/loop_work.ts`: a
 *   guest-exec child's output being read).
 *
 * Reads wait on an edge-triggered epoll set; writes wait with `poll(POLLOUT)`. The worker-thread
 * waits also watch an eventfd that {@link FdWaiter.close} signals, so a pending wait returns at
 * once on close, and the descriptors are released only after every pending worker call has
 * returned — nothing is left running (the process can exit, test sanitizers see no pending op)
 * once {@link FdWaiter.closed} resolves.
 *
 * Callers always try their read/write/accept first and wait only after EAGAIN (or EOF on a
 * hung-up port); with that pattern edge-triggered notification cannot miss data, and a hung-up
 * virtio-serial port — which reports POLLHUP for ever when polled level-triggered — costs nothing.
 *
 * @module
 */

import { check, closeFd, epollWaitSync, libc, pollAsync, pollSync, writeFd } from "../sys/libc.ts";
import { loopWorkPending } from "../sys/loop_work.ts";
import { recordTime } from "../sys/recent_time.ts";
import { Epoll, EPOLL_EVENT_SIZE, epollEvent, Poll, pollFds, pollRevents } from "../sys/structs.ts";

const EFD_CLOEXEC = 0o2000000;
const EFD_NONBLOCK = 0o4000;
const MAX_EVENTS = 8;

/** After data, waits stay on the JS thread for this long (ms). */
export const HOT_MS = 50;
/** The JS thread lets the event loop run (timers, signals) at least this often (ms). */
export const TURN_MS = 10;
/**
 * Reads without a wait between two looks at the clock: a clock reading is a system call in a
 * guest without a vDSO clock (HPET), so the request path reads it once per wait, not per read.
 */
const CHECK_EVERY = 32;

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
  /** One `struct pollfd` for the synchronous POLLOUT wait (its fd is set per call). */
  #syncPoll = pollFds([[-1, Poll.POLLOUT]]);
  #syncPollView = new DataView(this.#syncPoll.buffer);
  /** When the event loop last ran (an awaited worker-thread call returned), ms. */
  #lastTurn = performance.now();
  /** When data last went through (see {@link gotData}), ms. */
  #lastData = -Infinity;
  /** Data was read since the last {@link readBudget}. */
  #fresh = false;
  /** Reads since the clock was last looked at, and whether {@link mustYield} must look. */
  #reads = 0;
  #checkTurn = false;
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
   * Records that data was read (no clock reading: the next {@link readBudget} dates it). Every
   * {@link CHECK_EVERY} reads, {@link mustYield} looks at the clock.
   */
  gotData(): void {
    this.#fresh = true;
    if (++this.#reads >= CHECK_EVERY) this.#checkTurn = true;
  }

  /**
   * True when the event loop's turn is due before the channel reads on. Looks at the clock only
   * every {@link CHECK_EVERY} reads without a wait (data flowing without a pause); a wait looks
   * at it anyway ({@link readBudget}).
   */
  mustYield(): boolean {
    if (!this.#checkTurn) return false;
    this.#checkTurn = false;
    this.#reads = 0;
    return performance.now() - this.#lastTurn >= TURN_MS;
  }

  /** True within {@link HOT_MS} of the last data (reads the clock). */
  get isHot(): boolean {
    return performance.now() - this.#lastData < HOT_MS;
  }

  /**
   * How long (ms) the JS thread may block in a read wait now: until the channel goes cold or the
   * event loop's turn is due, whichever comes first (0 or less: wait on a worker instead). One
   * clock reading, which also dates the data read since the last wait.
   */
  readBudget(): number {
    const now = recordTime(performance.now());
    if (this.#fresh) {
      this.#fresh = false;
      this.#lastData = now;
    }
    this.#reads = 0;
    this.#checkTurn = false;
    if (loopWorkPending()) return 0;
    return Math.min(HOT_MS - (now - this.#lastData), TURN_MS - (now - this.#lastTurn));
  }

  /**
   * How long (ms) the JS thread may block in a write wait now (until the turn is due); `now` is
   * a `performance.now()` reading the caller has taken anyway.
   */
  writeBudget(now: number = performance.now()): number {
    if (loopWorkPending()) return 0;
    return TURN_MS - (now - this.#lastTurn);
  }

  /**
   * Waits on a worker thread until a watched fd reports an event, `timeoutMs` passes (-1: no
   * timeout; 0: just look) or the waiter is closed; the event loop runs meanwhile. Resolves to
   * true for an event (or close), false for a timeout.
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
   * Returns true for an event, an interrupted wait (EINTR) or a close; false after the timeout.
   */
  waitReadableSync(timeoutMs: number): boolean {
    if (this.#closing) return true;
    const ms = Math.max(0, Math.ceil(timeoutMs));
    return epollWaitSync(this.#epfd, this.#syncEvents, MAX_EVENTS, ms) !== 0 || this.#closing;
  }

  /**
   * Waits on a worker thread until `fd` is writable, reports an error or hang-up, `timeoutMs`
   * passes, or the waiter is closed. Resolves to the fd's `revents` (0 on timeout or close).
   */
  async waitWritable(fd: number, timeoutMs: number): Promise<number> {
    if (this.#closing) return 0;
    // SAFETY: struct pollfd[2] owned by this call; alive until the worker's poll has returned.
    const fds = pollFds([[fd, Poll.POLLOUT], [this.#wakeFd, Poll.POLLIN]]);
    const n = await this.#track(pollAsync(fds, timeoutMs));
    return n > 0 && !this.#closing ? pollRevents(fds, 0) : 0;
  }

  /**
   * Blocks the JS thread up to `timeoutMs` until `fd` is writable or reports an error or
   * hang-up. Returns the fd's `revents` (0 on timeout or EINTR).
   */
  waitWritableSync(fd: number, timeoutMs: number): number {
    if (this.#closing) return 0;
    const view = this.#syncPollView;
    view.setInt32(0, fd, true);
    view.setInt32(4, Poll.POLLOUT, true); // events, and revents cleared
    const ms = Math.max(0, Math.ceil(timeoutMs));
    return pollSync(this.#syncPoll, ms) > 0 ? view.getUint16(6, true) : 0;
  }

  /**
   * Lets the event loop run once (timers, signal listeners): one no-op call on a worker thread,
   * for a channel whose data keeps flowing so that it never has to wait.
   */
  async yieldTurn(): Promise<void> {
    if (this.#closing) return;
    await this.#track(libc().poll_nb(NO_FDS, 0n, 0));
  }

  /** Sleeps `ms` milliseconds; {@link close} cuts the sleep short. */
  sleep(ms: number): Promise<void> {
    if (this.#closing) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#sleepers.delete(done);
        this.#lastTurn = performance.now();
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
    const forget = () => {
      this.#pending.delete(call);
      this.#lastTurn = recordTime(performance.now());
    };
    call.then(forget, forget);
    return call;
  }
}

/** A `struct pollfd` array passed with a count of 0: `poll(NO_FDS, 0, 0)` returns at once. */
const NO_FDS = pollFds([[-1, 0]]);
