/**
 * Listening-socket channels: `unix-listen`, `vsock-listen`, and an inherited socket (systemd
 * socket activation). One client at a time, as qemu-ga: the next connection is accepted only
 * after the current client hangs up (the kernel backlog holds it meanwhile).
 *
 * @module
 */

import { check, closeFd, cString, Errno, errno, libc, strerror } from "../sys/libc.ts";
import { type Channel, ChannelOpenError, ChannelReadError } from "./channel.ts";
import { EpollEvents, EpollSet } from "./epoll.ts";
import { READ_CHUNK, tryRead, writeAll, WriteStallError } from "./fd_io.ts";

const AF_UNIX = 1;
const AF_VSOCK = 40;
const SOCK_STREAM = 1;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_DOMAIN = 39;
/** `sizeof(((struct sockaddr_un *)0)->sun_path)`. */
const SUN_PATH_MAX = 108;

/** Serves clients of one listening socket fd. */
export class ListenChannel implements Channel {
  #listenFd: number;
  #client = -1;
  #epoll = new EpollSet();
  #buffer = new Uint8Array(READ_CHUNK);
  #closed = false;

  /** Takes ownership of a listening, non-blocking or blocking socket fd. */
  constructor(listenFd: number) {
    this.#listenFd = listenFd;
    const flags = libc().fcntl(listenFd, 3, /* F_GETFL */ 0);
    if (flags >= 0) libc().fcntl(listenFd, 4, /* F_SETFL */ flags | SOCK_NONBLOCK);
    this.#epoll.add(listenFd, EpollEvents.EPOLLIN | EpollEvents.EPOLLET);
  }

  async read(): Promise<Uint8Array | null> {
    while (!this.#closed) {
      if (this.#client < 0 && !this.#accept()) {
        await this.#epoll.wait(-1);
        continue;
      }
      const r = tryRead(this.#client, this.#buffer);
      if (r instanceof Uint8Array) return r;
      if (r === "again") {
        await this.#epoll.wait(-1);
        continue;
      }
      if (r === "eof" || r.errno === Errno.ECONNRESET) {
        this.#dropClient();
        continue;
      }
      throw new ChannelReadError(strerror(r.errno));
    }
    return null;
  }

  async write(bytes: Uint8Array): Promise<Error | undefined> {
    if (this.#client < 0) return new Error("no client connected");
    const client = this.#client;
    const failure = await writeAll(client, bytes, this.#epoll, () => this.#client !== client);
    // A client that hung up (EPIPE, ECONNRESET) stays attached until its input is read to EOF,
    // as in qemu-ga: every request it sent is still parsed and run, so the message stream's state
    // after it is the same as qemu-ga's. Only a client that stalls (connected, not reading) is
    // dropped, so that it cannot block the agent for ever.
    if (failure instanceof WriteStallError && this.#client === client) this.#dropClient();
    return failure;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#dropClient();
    this.#epoll.close();
    closeFd(this.#listenFd);
  }

  #accept(): boolean {
    const fd = libc().accept4(this.#listenFd, null, null, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      const code = errno();
      if (code === Errno.EAGAIN || code === Errno.EINTR) return false;
      throw new ChannelReadError(strerror(code));
    }
    this.#client = fd;
    const { EPOLLIN, EPOLLOUT, EPOLLRDHUP, EPOLLET } = EpollEvents;
    this.#epoll.add(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
    return true;
  }

  #dropClient(): void {
    if (this.#client < 0) return;
    this.#epoll.remove(this.#client);
    closeFd(this.#client);
    this.#client = -1;
  }
}

function listenOn(fd: number, address: Uint8Array<ArrayBuffer>, bindError: string): Channel {
  if (libc().bind(fd, address, address.length) < 0) {
    const reason = strerror(errno());
    closeFd(fd);
    throw new ChannelOpenError(`${bindError}: ${reason}`);
  }
  if (libc().listen(fd, 1) < 0) {
    const reason = strerror(errno());
    closeFd(fd);
    throw new ChannelOpenError(`Failed to listen on socket: ${reason}`);
  }
  return new ListenChannel(fd);
}

/** Opens `unix-listen`: unlinks a stale socket file, binds, listens with backlog 1. */
export function openUnixListener(path: string): Channel {
  const bytes = cString(path).subarray(0, -1);
  if (bytes.length > SUN_PATH_MAX) {
    throw new ChannelOpenError(`UNIX socket path '${path}' is too long`);
  }
  if (libc().unlink(cString(path)) < 0 && errno() !== Errno.ENOENT) {
    throw new ChannelOpenError(`Failed to unlink socket ${path}: ${strerror(errno())}`);
  }
  const fd = libc().socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new ChannelOpenError(`Failed to create Unix socket: ${strerror(errno())}`);
  // SAFETY: struct sockaddr_un = sa_family_t (u16) + char sun_path[108].
  const address = new Uint8Array(2 + SUN_PATH_MAX);
  new DataView(address.buffer).setUint16(0, AF_UNIX, true);
  address.set(bytes, 2);
  return listenOn(
    fd,
    address.subarray(0, 2 + Math.min(SUN_PATH_MAX, bytes.length + 1)),
    `Failed to bind socket to ${path}`,
  );
}

const VSOCK_ADDRESS_REGEXP = /^([0-9]{1,32}):([0-9]{1,32})$/;

/** Opens `vsock-listen` on `<cid>:<port>`. */
export function openVsockListener(path: string): Channel {
  const m = VSOCK_ADDRESS_REGEXP.exec(path);
  if (!m) throw new ChannelOpenError(`error parsing address '${path}'`);
  const fd = libc().socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw new ChannelOpenError(`Failed to create socket: ${strerror(errno())}`);
  // SAFETY: struct sockaddr_vm = u16 family, u16 reserved, u32 port, u32 cid, u8 flags, u8[3].
  const address = new Uint8Array(16);
  const view = new DataView(address.buffer);
  view.setUint16(0, AF_VSOCK, true);
  view.setUint32(4, Number(BigInt(m[2]!) & 0xFFFFFFFFn), true);
  view.setUint32(8, Number(BigInt(m[1]!) & 0xFFFFFFFFn), true);
  return listenOn(fd, address, "Failed to bind socket");
}

/** The channel method matching the address family of socket `fd`, or undefined. */
export function listenSocketFamily(fd: number): "unix-listen" | "vsock-listen" | undefined {
  const value = new Int32Array(1);
  const length = new Uint32Array([4]);
  try {
    check(
      "getsockopt",
      libc().getsockopt(
        fd,
        SOL_SOCKET,
        SO_DOMAIN,
        new Uint8Array(value.buffer),
        new Uint8Array(length.buffer),
      ),
    );
  } catch {
    return undefined;
  }
  if (value[0] === AF_UNIX) return "unix-listen";
  if (value[0] === AF_VSOCK) return "vsock-listen";
  return undefined;
}
