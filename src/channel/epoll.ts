/**
 * Waiting for file descriptors without spinning: an edge-triggered epoll set whose
 * `epoll_wait` runs on a worker thread (a non-blocking FFI call), plus an eventfd so that
 * `close()` can wake a pending wait at once.
 *
 * Callers always try their read/write/accept first and only wait after EAGAIN; with that
 * pattern edge-triggered notification cannot miss data, and a hung-up virtio-serial port (which
 * reports HUP for ever when polled level-triggered) costs nothing while idle.
 *
 * @module
 */

import { check, closeFd, libc, writeFd } from "../sys/libc.ts";

/** epoll event bits. */
export const EpollEvents = {
  EPOLLIN: 0x001,
  EPOLLOUT: 0x004,
  EPOLLERR: 0x008,
  EPOLLHUP: 0x010,
  EPOLLRDHUP: 0x2000,
  EPOLLET: 0x80000000,
} as const;

const EPOLL_CTL_ADD = 1;
const EPOLL_CTL_DEL = 2;
const EPOLL_CLOEXEC = 0o2000000;
const EFD_CLOEXEC = 0o2000000;
const EFD_NONBLOCK = 0o4000;
/** x86_64 packs `struct epoll_event` (12 bytes); other architectures align it to 16. */
const EVENT_SIZE = Deno.build.arch === "x86_64" ? 12 : 16;
const DATA_OFFSET = Deno.build.arch === "x86_64" ? 4 : 8;
const MAX_EVENTS = 8;

function eventStruct(events: number, fd: number): Uint8Array<ArrayBuffer> {
  const buf = new Uint8Array(EVENT_SIZE);
  const view = new DataView(buf.buffer);
  view.setUint32(0, events >>> 0, true);
  view.setUint32(DATA_OFFSET, fd, true);
  return buf;
}

/** An epoll set with a wake-up eventfd. */
export class EpollSet {
  #epfd: number;
  #wakeFd: number;
  #events = new Uint8Array(EVENT_SIZE * MAX_EVENTS);
  #closed = false;

  /** Creates the set (throws SysError when the kernel refuses). */
  constructor() {
    this.#epfd = check("epoll_create1", libc().epoll_create1(EPOLL_CLOEXEC));
    this.#wakeFd = check("eventfd", libc().eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    this.add(this.#wakeFd, EpollEvents.EPOLLIN);
  }

  /** Watches `fd` for `events` (edge-triggered unless the caller leaves EPOLLET out). */
  add(fd: number, events: number): void {
    check("epoll_ctl", libc().epoll_ctl(this.#epfd, EPOLL_CTL_ADD, fd, eventStruct(events, fd)));
  }

  /** Stops watching `fd` (errors ignored: the fd may already be closed). */
  remove(fd: number): void {
    libc().epoll_ctl(this.#epfd, EPOLL_CTL_DEL, fd, eventStruct(0, fd));
  }

  /**
   * Waits until a watched fd has an event, the timeout (ms, -1 = none) passes, or {@link wake}
   * is called. Resolves to the fds that reported events (the wake-up fd is never included).
   */
  async wait(timeoutMs: number): Promise<number[]> {
    if (this.#closed) return [];
    const n = await libc().epoll_wait(this.#epfd, this.#events, MAX_EVENTS, timeoutMs);
    if (this.#closed) return [];
    const fds: number[] = [];
    const view = new DataView(this.#events.buffer);
    for (let i = 0; i < n; i++) {
      const fd = view.getUint32(i * EVENT_SIZE + DATA_OFFSET, true);
      if (fd === this.#wakeFd) libc().read(this.#wakeFd, new Uint8Array(8), 8n);
      else fds.push(fd);
    }
    return fds;
  }

  /** Makes a pending {@link wait} return now. */
  wake(): void {
    const one = new Uint8Array(8);
    one[0] = 1;
    writeFd(this.#wakeFd, one);
  }

  /** Wakes any waiter and releases the epoll fd and eventfd. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.wake();
    // The worker thread may still be inside epoll_wait: close after it has returned.
    const epfd = this.#epfd, wakeFd = this.#wakeFd;
    Deno.unrefTimer(setTimeout(() => (closeFd(epfd), closeFd(wakeFd)), 50));
  }
}
