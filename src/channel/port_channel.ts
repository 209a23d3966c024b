/**
 * Character-device channels: `virtio-serial` (the agent's port, kept open for the agent's whole
 * life) and `isa-serial` (a raw tty).
 *
 * A virtio-serial port whose host side is not connected reads as EOF (a pty stand-in whose
 * master is closed reads EIO); that is "nobody there", not an error: the channel waits on its
 * edge-triggered epoll set, so it costs no CPU while idle and wakes as soon as the host connects.
 * Should the kernel keep signalling without data, repeated empty wake-ups are throttled to one
 * per 100 ms, as qemu-ga does.
 *
 * @module
 */

import { closeFd, Errno, libc, openFd, OpenFlags, strerror, SysError } from "../sys/libc.ts";
import { type Channel, ChannelOpenError, ChannelReadError } from "./channel.ts";
import { EpollEvents, EpollSet } from "./epoll.ts";
import { READ_CHUNK, tryRead, writeAll } from "./fd_io.ts";

/** Empty wake-ups in a row after which the reader sleeps between waits. */
const EMPTY_WAKEUPS_BEFORE_THROTTLE = 4;
/** qemu-ga's pause when the host side is absent. */
const THROTTLE_MS = 100;
/** Safety net: re-check the port this often even without an epoll edge. */
const IDLE_RECHECK_MS = 1000;

/** A channel over one character device. */
class PortChannel implements Channel {
  #fd: number;
  #epoll = new EpollSet();
  #buffer = new Uint8Array(READ_CHUNK);
  #closed = false;
  #endOnEof: boolean;

  constructor(fd: number, endOnEof: boolean) {
    this.#fd = fd;
    this.#endOnEof = endOnEof;
    const { EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLET } = EpollEvents;
    this.#epoll.add(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
  }

  async read(): Promise<Uint8Array | null> {
    let empty = 0;
    while (!this.#closed) {
      const r = tryRead(this.#fd, this.#buffer);
      if (r instanceof Uint8Array) return r;
      const hungUp = r === "eof" || (typeof r === "object" && r.errno === Errno.EIO);
      if (hungUp && this.#endOnEof) return null;
      if (typeof r === "object" && r.errno !== Errno.EIO) {
        throw new ChannelReadError(strerror(r.errno));
      }
      if (++empty > EMPTY_WAKEUPS_BEFORE_THROTTLE) await sleep(THROTTLE_MS);
      const ready = await this.#epoll.wait(IDLE_RECHECK_MS);
      if (ready.length === 0) empty = 0;
    }
    return null;
  }

  write(bytes: Uint8Array): Promise<Error | undefined> {
    return writeAll(this.#fd, bytes, this.#epoll, () => this.#closed);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#epoll.close();
    closeFd(this.#fd);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function openPort(path: string, flags: number): number {
  try {
    return openFd(path, flags);
  } catch (error) {
    const reason = error instanceof SysError ? error.message : String(error);
    throw new ChannelOpenError(`error opening channel '${path}': ${reason}`);
  }
}

/** Opens a virtio-serial port (O_RDWR|O_NONBLOCK|O_CLOEXEC) for the agent's lifetime. */
export function openVirtioSerial(path: string): Channel {
  const { O_RDWR, O_NONBLOCK, O_CLOEXEC } = OpenFlags;
  return new PortChannel(openPort(path, O_RDWR | O_NONBLOCK | O_CLOEXEC), false);
}

/** termios layout (glibc, Linux): c_iflag@0 c_oflag@4 c_cflag@8 c_lflag@12 c_line@16 c_cc@17. */
const TERMIOS_SIZE = 60;
const C_CFLAG = 8;
const C_CC = 17;
const VTIME = 5;
const VMIN = 6;
const B38400 = 0o17;
const TCSANOW = 0;
const TCIFLUSH = 0;

/** Opens a serial tty in raw mode at 38400 baud, as qemu-ga's isa-serial method does. */
export function openIsaSerial(path: string): Channel {
  const { O_RDWR, O_NOCTTY, O_NONBLOCK, O_CLOEXEC } = OpenFlags;
  const fd = openPort(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
  // SAFETY: the buffer is larger than glibc's struct termios (60 bytes on Linux).
  const termios = new Uint8Array(TERMIOS_SIZE + 4);
  const view = new DataView(termios.buffer);
  if (libc().tcgetattr(fd, termios) === 0) {
    libc().cfmakeraw(termios);
    view.setUint32(C_CFLAG, view.getUint32(C_CFLAG, true) | B38400, true);
    termios[C_CC + VMIN] = 1;
    termios[C_CC + VTIME] = 0;
    libc().tcflush(fd, TCIFLUSH);
    libc().tcsetattr(fd, TCSANOW, termios);
  }
  return new PortChannel(fd, true);
}
