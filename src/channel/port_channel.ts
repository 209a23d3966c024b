/**
 * Character-device channels: `virtio-serial` (the agent's port, opened once and kept open for the
 * agent's whole life) and `isa-serial` (a raw tty, closed for good at EOF).
 *
 * A virtio-serial port whose host side is not connected reads as EOF (a pty stand-in whose
 * master is closed may read EIO instead) and polls as POLLHUP for ever: that is "nobody there",
 * not an error. The channel then waits on its edge-triggered epoll set — costing no CPU while
 * idle — and is woken by the kernel's next wake-up of the port (host connects, data arrives), so
 * the first request after a reconnect is read at once. Should the port keep waking the reader
 * without data (a storm of empty wake-ups: 5 or more within a second), the reader pauses 100 ms
 * between attempts, as qemu-ga does on every empty read.
 *
 * @module
 */

import { Errno } from "../sys/errno.ts";
import { closeFd, libc, openFd } from "../sys/libc.ts";
import { OsError } from "../sys/os_error.ts";
import { Epoll, OpenFlags, Termios, termiosBuffer } from "../sys/structs.ts";
import type { Channel, ChannelOptions } from "./channel.ts";
import { ChannelOpenError, ChannelReadError } from "./errors.ts";
import { READ_CHUNK, tryRead, WRITE_STALL_MS, writeAll, type WriteOptions } from "./fd_io.ts";
import { FdWaiter } from "./waiter.ts";

/** Empty wake-ups within {@link STORM_WINDOW_MS} that count as a storm. */
const STORM_WAKEUPS = 5;
const STORM_WINDOW_MS = 1000;
/** qemu-ga's pause after an empty read of a virtio-serial port (QGA_SLEEP_TIME_DEFAULT). */
const THROTTLE_MS = 100;
/** Safety net: re-check the port this often even without an epoll edge. */
const IDLE_RECHECK_MS = 1000;

/** A channel over one character device. */
export class PortChannel implements Channel {
  #fd: number;
  #isa: boolean;
  #waiter = new FdWaiter();
  #buffer = new Uint8Array(READ_CHUNK);
  #writeOptions: WriteOptions;
  #ended = false;
  #emptyWakeups = 0;
  #firstEmptyAt = 0;
  /** {@link readSync} stopped for the event loop's turn, before reading. */
  #yieldFirst = false;
  /** The fd cannot be polled (a regular file, /dev/null): wait by sleeping instead. */
  #unpollable = false;

  /**
   * Takes ownership of `fd` (closed by {@link close}); `isa` selects isa-serial semantics (EOF
   * ends the channel). Throws OsError when no epoll set can be made; `fd` is then left open.
   */
  constructor(fd: number, isa: boolean, options: ChannelOptions = {}) {
    this.#fd = fd;
    this.#isa = isa;
    this.#writeOptions = { stallMs: options.writeStallMs ?? WRITE_STALL_MS, socket: false };
    try {
      this.#waiter.watch(fd, Epoll.EPOLLIN | Epoll.EPOLLRDHUP | Epoll.EPOLLHUP | Epoll.EPOLLET);
    } catch (error) {
      // epoll refuses files without a poll operation (EPERM); qemu-ga's GLib watch treats them
      // as always ready, so does this channel, pacing its reads like qemu-ga's empty reads.
      if (!(error instanceof OsError && error.errno === Errno.EPERM)) {
        this.#waiter.close();
        throw error;
      }
      this.#unpollable = true;
    }
  }

  /** Resolves once {@link close} has completed (no worker call pending, fd closed). */
  get closed(): Promise<void> {
    return this.#waiter.closed;
  }

  /**
   * The next chunk if it can be had on the JS thread: read at once, or after a wait on this
   * thread while the channel is hot (see `./waiter.ts`). Undefined when the wait must go to a
   * worker thread (the channel is cold, the host side is absent, or the event loop's turn is
   * due); null once the channel is closed or (isa-serial) at EOF.
   */
  readSync(): Uint8Array | null | undefined {
    const waiter = this.#waiter;
    this.#yieldFirst = false;
    for (;;) {
      if (waiter.isClosed || this.#ended) return null;
      if (waiter.mustYield()) {
        this.#yieldFirst = true;
        return undefined;
      }
      const r = tryRead(this.#fd, this.#buffer);
      if (r instanceof Uint8Array) {
        this.#emptyWakeups = 0;
        waiter.gotData();
        return r;
      }
      if (r === "eof" && this.#isa) {
        // qemu-ga closes an isa-serial channel at EOF and never reopens it.
        this.#ended = true;
        this.close();
        return null;
      }
      if (typeof r === "object" && (this.#isa || r.errno !== Errno.EIO)) {
        throw new ChannelReadError(new OsError(r.errno, "read").message, r.errno);
      }
      // EOF/EIO (virtio-serial): the host side is absent; wait for it on a worker.
      if (r !== "again" || this.#unpollable) return undefined;
      const budget = waiter.readBudget();
      if (budget <= 0 || !waiter.waitReadableSync(budget)) return undefined;
    }
  }

  /** The next chunk; null once the channel is closed or (isa-serial) at EOF. */
  async read(): Promise<Uint8Array | null> {
    const waiter = this.#waiter;
    for (;;) {
      const chunk = this.readSync();
      if (chunk !== undefined) return chunk;
      if (this.#yieldFirst) {
        await waiter.yieldTurn();
        continue;
      }
      // EAGAIN, or (virtio-serial) EOF/EIO: the host side is idle or absent. Wait for an edge.
      if (this.#unpollable) {
        await waiter.sleep(THROTTLE_MS);
        continue;
      }
      // Hot: the event loop's turn, without a wait (data may already be there). Cold: a long wait.
      const timeout = waiter.isHot ? 0 : IDLE_RECHECK_MS;
      const woken = await waiter.waitReadable(timeout);
      if (waiter.isClosed || this.#ended) return null;
      if (!woken) {
        if (timeout > 0) this.#emptyWakeups = 0;
        continue;
      }
      await this.#throttleStorm();
    }
  }

  /** Writes all of `bytes`; a reply the host does not take within the stall time is dropped. */
  write(bytes: Uint8Array): Promise<Error | undefined> {
    return writeAll(this.#fd, bytes, this.#waiter, this.#writeOptions);
  }

  /** Wakes a pending read (it resolves to null) and closes the fd once no wait is pending. */
  close(): void {
    const fd = this.#fd;
    this.#waiter.close(() => closeFd(fd));
  }

  /** Counts an empty wake-up (the next read may still find data) and pauses during a storm. */
  async #throttleStorm(): Promise<void> {
    const now = performance.now();
    if (this.#emptyWakeups === 0 || now - this.#firstEmptyAt > STORM_WINDOW_MS) {
      this.#emptyWakeups = 0;
      this.#firstEmptyAt = now;
    }
    if (++this.#emptyWakeups >= STORM_WAKEUPS) await this.#waiter.sleep(THROTTLE_MS);
  }
}

function openPort(path: string, flags: number): number {
  try {
    return openFd(path, flags);
  } catch (error) {
    const reason = error instanceof OsError ? error.message : String(error);
    throw new ChannelOpenError(`error opening channel '${path}': ${reason}`);
  }
}

/** Opens a virtio-serial port with O_RDWR|O_NONBLOCK|O_CLOEXEC, for the agent's lifetime. */
export function openVirtioSerial(path: string, options?: ChannelOptions): PortChannel {
  const { O_RDWR, O_NONBLOCK, O_CLOEXEC } = OpenFlags;
  const fd = openPort(path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
  try {
    return new PortChannel(fd, false, options);
  } catch (error) {
    closeFd(fd);
    throw error;
  }
}

/**
 * qemu-ga's isa-serial line setup, applied to a `struct termios`: input processing off
 * (IGNBRK BRKINT IGNPAR PARMRK INPCK ISTRIP INLCR IGNCR ICRNL IXON IXOFF IXANY IMAXBEL cleared),
 * `c_oflag = 0`, `c_lflag = 0`, B38400 OR-ed into `c_cflag`, VMIN = 1, VTIME = 0.
 */
export function applyQgaSerialMode(termios: Uint8Array): void {
  // SAFETY: `termios` is at least Termios.SIZE bytes; offsets per glibc's layout (structs.ts).
  const view = new DataView(termios.buffer, termios.byteOffset, termios.byteLength);
  const T = Termios;
  const inputOff = T.IGNBRK | T.BRKINT | T.IGNPAR | T.PARMRK | T.INPCK | T.ISTRIP | T.INLCR |
    T.IGNCR | T.ICRNL | T.IXON | T.IXOFF | T.IXANY | T.IMAXBEL;
  view.setUint32(T.C_IFLAG, view.getUint32(T.C_IFLAG, true) & ~inputOff, true);
  view.setUint32(T.C_OFLAG, 0, true);
  view.setUint32(T.C_LFLAG, 0, true);
  view.setUint32(T.C_CFLAG, view.getUint32(T.C_CFLAG, true) | T.B38400, true);
  termios[T.C_CC + T.VMIN] = 1;
  termios[T.C_CC + T.VTIME] = 0;
}

/**
 * Opens a serial tty with O_RDWR|O_NOCTTY|O_NONBLOCK|O_CLOEXEC in qemu-ga's raw mode (see
 * {@link applyQgaSerialMode}) and flushes its input queue. As in qemu-ga, termios failures (not a
 * tty) are ignored.
 */
export function openIsaSerial(path: string, options?: ChannelOptions): PortChannel {
  const { O_RDWR, O_NOCTTY, O_NONBLOCK, O_CLOEXEC } = OpenFlags;
  const fd = openPort(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  const termios = termiosBuffer();
  libc().tcgetattr(fd, termios);
  applyQgaSerialMode(termios);
  libc().tcflush(fd, Termios.TCIFLUSH);
  libc().tcsetattr(fd, Termios.TCSANOW, termios);
  try {
    return new PortChannel(fd, true, options);
  } catch (error) {
    closeFd(fd);
    throw error;
  }
}
