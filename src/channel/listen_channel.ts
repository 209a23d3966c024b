/**
 * Listening-socket channels: `unix-listen`, `vsock-listen`, and an inherited socket (systemd
 * socket activation). One client at a time, as qemu-ga: the listening socket is not even watched
 * while a client is attached, so the next connection waits in the kernel backlog until the
 * current client hangs up (EOF or ECONNRESET), and is then accepted transparently by `read()`.
 *
 * @module
 */

import { Errno, strerror } from "../sys/errno.ts";
import { check, closeFd, cString, errno, libc } from "../sys/libc.ts";
import { statPath } from "../sys/fd.ts";
import { OsError } from "../sys/os_error.ts";
import {
  Epoll,
  FileType,
  Flock,
  OpenFlags,
  sockaddrUn,
  sockaddrVm,
  Socket,
  SUN_PATH_MAX,
} from "../sys/structs.ts";
import type { Channel, ChannelOptions } from "./channel.ts";
import { ChannelOpenError, ChannelReadError, WriteStallError } from "./errors.ts";
import { READ_CHUNK, tryRead, WRITE_STALL_MS, writeAll } from "./fd_io.ts";
import { parseVsockAddress, temporarySocketPath } from "./socket_address.ts";
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

/** How long a read blocks the JS thread for the next request before waiting on a worker. */
const SYNC_WAIT_MS = 1;

/** Serves the clients of one listening socket fd, one at a time. */
export class ListenChannel implements Channel {
  #listenFd: number;
  #client = -1;
  #waiter = new FdWaiter();
  #buffer = new Uint8Array(READ_CHUNK);
  #stallMs: number;

  /** Takes ownership of a listening socket fd (closed by {@link close}); makes it non-blocking. */
  constructor(listenFd: number, options: ChannelOptions = {}) {
    this.#listenFd = listenFd;
    this.#stallMs = options.writeStallMs ?? WRITE_STALL_MS;
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

  /** The next chunk from the current client, accepting the next client after a hang-up. */
  async read(): Promise<Uint8Array | null> {
    while (!this.#waiter.isClosed) {
      if (this.#client < 0) {
        const accepted = this.#accept();
        if (accepted === "again") await this.#waiter.waitReadable(IDLE_RECHECK_MS);
        if (accepted === "retry") await this.#waiter.sleep(ACCEPT_RETRY_MS);
        continue;
      }
      const r = tryRead(this.#client, this.#buffer);
      if (r instanceof Uint8Array) return r;
      if (r === "again") {
        // A client usually sends its next request within microseconds: wait for it on this
        // thread first (no worker-thread hand-off), then hand the wait to a worker.
        if (this.#waiter.waitReadableSync(SYNC_WAIT_MS)) continue;
        await this.#waiter.waitReadable(IDLE_RECHECK_MS);
      } else if (r === "eof" || r.errno === Errno.ECONNRESET) {
        this.#dropClient();
      } else {
        throw new ChannelReadError(strerror(r.errno), r.errno);
      }
    }
    return null;
  }

  /** Writes all of `bytes` to the current client; drops a client that stops reading. */
  async write(bytes: Uint8Array): Promise<Error | undefined> {
    const client = this.#client;
    if (client < 0) return new Error("no client connected");
    const failure = await writeAll(client, bytes, this.#waiter, {
      stallMs: this.#stallMs,
      socket: true,
    });
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

/** socket(); throws ChannelOpenError `<what>: <strerror>`. */
function openSocket(family: number, what: string): number {
  const fd = libc().socket(family, Socket.SOCK_STREAM | Socket.SOCK_CLOEXEC, 0);
  if (fd < 0) throw new ChannelOpenError(`${what}: ${strerror(errno())}`);
  return fd;
}

/** bind() and listen(backlog 1); throws qemu-ga's texts (the caller closes `fd`). */
function bindAndListen(fd: number, address: Uint8Array<ArrayBuffer>, bindError: string): void {
  if (libc().bind(fd, address, address.length) < 0) {
    throw new ChannelOpenError(`${bindError}: ${strerror(errno())}`);
  }
  if (libc().listen(fd, 1) < 0) {
    throw new ChannelOpenError(`Failed to listen on socket: ${strerror(errno())}`);
  }
}

/**
 * True when `path` is a socket nobody listens on (a previous agent's): connecting is refused.
 * Anything else — nothing there, a regular file, a directory, a socket another process serves —
 * is left alone, and `bind()` then fails on it with `Address already in use`.
 */
function isStaleSocket(path: Uint8Array): boolean {
  try {
    if ((statPath(path, { follow: false }).mode & FileType.S_IFMT) !== FileType.S_IFSOCK) {
      return false;
    }
  } catch {
    return false;
  }
  const fd = libc().socket(Socket.AF_UNIX, Socket.SOCK_STREAM | Socket.SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  try {
    const address = sockaddrUn(path);
    return libc().connect(fd, address, address.length) < 0 && errno() === Errno.ECONNREFUSED;
  } finally {
    closeFd(fd);
  }
}

/**
 * Opens `unix-listen` as QEMU's `unix_listen()`: socket, length check (108 bytes), unlink of a
 * stale socket, bind, listen with backlog 1. An empty path binds a fresh
 * `<tmpdir>/qemu-socket-XXXXXX`, as QEMU does. The socket file is left in place on close.
 *
 * Unlike QEMU, which unlinks whatever is at the path, only a socket nobody listens on is
 * removed: `-p /etc/shadow` must not delete a file, and a second agent must not steal a live
 * agent's socket (both then fail to bind with `Address already in use`).
 */
export function openUnixListener(path: string, options?: ChannelOptions): ListenChannel {
  const fd = openSocket(Socket.AF_UNIX, "Failed to create Unix socket");
  try {
    const name = path === "" ? temporarySocketPath() : path;
    const bytes = cString(name).subarray(0, -1);
    if (bytes.length > SUN_PATH_MAX) {
      throw new ChannelOpenError(`UNIX socket path '${name}' is too long`);
    }
    // The placeholder file mkstemp just made for an empty path is the agent's own to remove.
    const removable = path === "" || isStaleSocket(bytes);
    if (removable && libc().unlink(cString(bytes)) < 0 && errno() !== Errno.ENOENT) {
      throw new ChannelOpenError(`Failed to unlink socket ${name}: ${strerror(errno())}`);
    }
    bindAndListen(fd, sockaddrUn(bytes), `Failed to bind socket to ${name}`);
    return new ListenChannel(fd, options);
  } catch (error) {
    closeFd(fd);
    throw error;
  }
}

/** Opens `vsock-listen` on `<cid>:<port>` as QEMU's `vsock_listen_saddr()` (backlog 1). */
export function openVsockListener(path: string, options?: ChannelOptions): ListenChannel {
  const { cid, port } = parseVsockAddress(path);
  const fd = openSocket(Socket.AF_VSOCK, "Failed to create socket");
  try {
    bindAndListen(fd, sockaddrVm(cid, port), "Failed to bind socket");
    return new ListenChannel(fd, options);
  } catch (error) {
    closeFd(fd);
    throw error;
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
