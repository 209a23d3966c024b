/**
 * Opening the listening sockets of `unix-listen` and `vsock-listen` as QEMU does (socket, bind,
 * listen with backlog 1, qemu-ga's error texts), each served by a {@link ListenChannel}.
 *
 * @module
 */

import { Errno, strerror } from "../sys/errno.ts";
import { closeFd, cString, errno, libc } from "../sys/libc.ts";
import { statPath } from "../sys/fd.ts";
import { FileType, sockaddrUn, sockaddrVm, Socket, SUN_PATH_MAX } from "../sys/structs.ts";
import type { ChannelOptions } from "./channel.ts";
import { ChannelOpenError } from "./errors.ts";
import { ListenChannel } from "./listen_channel.ts";
import { parseVsockAddress, temporarySocketPath } from "./socket_address.ts";

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
