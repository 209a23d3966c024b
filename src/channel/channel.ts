/**
 * The channel API the serve loop uses, and the factories that open qemu-ga's four methods and an
 * inherited listening socket. Every channel is a raw file descriptor driven through libc (no Deno
 * net permission, no `-A`): synchronous non-blocking reads and writes on the JS thread, waits on
 * the JS thread while requests keep coming and on worker threads otherwise (see `./waiter.ts`).
 *
 * @module
 */

import { OsError } from "../sys/os_error.ts";
import { ChannelOpenError } from "./errors.ts";
import { ListenChannel, listenSocketFamily } from "./listen_channel.ts";
import { openUnixListener, openVsockListener } from "./listen_open.ts";
import { openIsaSerial, openVirtioSerial } from "./port_channel.ts";

export { WRITTEN } from "./fd_io.ts";
export {
  ChannelClosedError,
  ChannelOpenError,
  ChannelReadError,
  WriteStallError,
} from "./errors.ts";

/** A byte pipe to the host. */
export interface Channel {
  /**
   * The next chunk from the host (at most 64 KiB): a view of the channel's read buffer, valid
   * until the next `read()` call (copy it to keep it). Listen methods transparently accept the
   * next client after one hangs up (one client at a time, as qemu-ga; parser state is not the
   * channel's business). Resolves to null only when the channel has ended for good (isa-serial
   * EOF) or was closed. Rejects with {@link ChannelReadError} on a read error.
   */
  read(): Promise<Uint8Array | null>;
  /**
   * The next chunk when it can be had without waiting on a worker thread — data already there,
   * or arriving while the channel may block the JS thread for it — so that a request needs no
   * promise and no thread hand-off; undefined when {@link read} must be awaited instead (it
   * then waits, and lets the event loop run). Null and errors as for {@link read}. Optional:
   * {@link read} alone is a complete channel.
   */
  readSync?(): Uint8Array | null | undefined;
  /**
   * Writes all of `bytes`, in order, to the current client/port, waiting for POLLOUT when it is
   * full. Never rejects: failures resolve to an Error for the agent to log — the OS reason, or a
   * {@link WriteStallError} after 30 s without progress (the reply is dropped; a socket client
   * is disconnected). A write that completed at once may return {@link WRITTEN}, which needs no
   * await.
   */
  write(bytes: Uint8Array): Promise<Error | undefined>;
  /** Releases the channel; a pending read resolves to null, a pending write to an Error. */
  close(): void;
  /**
   * Resolves once {@link close} has fully taken effect: every worker-thread wait has returned
   * and the descriptors are closed. Await it where nothing may be left pending (tests).
   */
  readonly closed?: Promise<void>;
}

/** Tuning for tests; the defaults are the agent's. */
export interface ChannelOptions {
  /** Abandon a write after this many milliseconds without progress (default 30 000). */
  writeStallMs?: number;
}

/** The methods {@link openChannel} accepts. */
export type ChannelMethodName = "virtio-serial" | "isa-serial" | "unix-listen" | "vsock-listen";

/**
 * Opens a channel by method and path; rejects with {@link ChannelOpenError} carrying qemu-ga's
 * text, e.g. `error opening channel '<path>': <strerror>`, `UNIX socket path '<path>' is too
 * long`, `Failed to bind socket to <path>: <strerror>`, `error parsing address '<x>'`,
 * `unsupported channel method/type: <m>`.
 */
export function openChannel(
  method: ChannelMethodName | string,
  path: string,
  options?: ChannelOptions,
): Promise<Channel> {
  try {
    switch (method) {
      case "virtio-serial":
        return Promise.resolve(openVirtioSerial(path, options));
      case "isa-serial":
        return Promise.resolve(openIsaSerial(path, options));
      case "unix-listen":
        return Promise.resolve(openUnixListener(path, options));
      case "vsock-listen":
        return Promise.resolve(openVsockListener(path, options));
      default:
        throw new ChannelOpenError(`unsupported channel method/type: ${method}`);
    }
  } catch (error) {
    return Promise.reject(asOpenError(error, path));
  }
}

/** The method of an inherited listening socket (socket activation), or undefined. */
export function listenFdMethod(fd: number): "unix-listen" | "vsock-listen" | undefined {
  return listenSocketFamily(fd);
}

/**
 * Serves an inherited, already listening socket (systemd socket activation, fd 3): AF_UNIX as
 * unix-listen, AF_VSOCK as vsock-listen. Throws {@link ChannelOpenError}
 * `unsupported listen fd type` for anything else.
 */
export function channelFromListenFd(fd: number, options?: ChannelOptions): Channel {
  if (listenSocketFamily(fd) === undefined) {
    throw new ChannelOpenError("unsupported listen fd type");
  }
  try {
    return new ListenChannel(fd, options);
  } catch (error) {
    throw asOpenError(error, `fd ${fd}`);
  }
}

/** Resource failures (no epoll set, EMFILE) while setting a channel up, as an open error. */
function asOpenError(error: unknown, path: string): unknown {
  if (error instanceof OsError) {
    return new ChannelOpenError(`error opening channel '${path}': ${error.message}`);
  }
  return error;
}
