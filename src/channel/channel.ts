/**
 * The channel API the serve loop uses, and the factory that opens qemu-ga's four methods.
 * Every channel is a raw file descriptor driven through libc (no Deno net permission needed).
 *
 * @module
 */

import type { ChannelMethod } from "../config/config.ts";
import {
  ListenChannel,
  listenSocketFamily,
  openUnixListener,
  openVsockListener,
} from "./listen_channel.ts";
import { openIsaSerial, openVirtioSerial } from "./port_channel.ts";

/** A byte pipe to the host. */
export interface Channel {
  /**
   * The next chunk from the host. Listen methods accept the next client after one hangs up
   * (one at a time, as qemu-ga). Resolves to null only when the channel has ended for good
   * (isa-serial EOF). Rejects with {@link ChannelReadError} on a read error.
   */
  read(): Promise<Uint8Array | null>;
  /** Writes all of `bytes` to the host; resolves to an Error instead of throwing. */
  write(bytes: Uint8Array): Promise<Error | undefined>;
  /** Releases the channel and wakes a pending read. */
  close(): void;
}

/** Opening the channel failed; the message is qemu-ga's text. */
export class ChannelOpenError extends Error {
  /** Creates the error with qemu-ga's message. */
  constructor(message: string) {
    super(message);
    this.name = "ChannelOpenError";
  }
}

/** Reading from the channel failed (not a hang-up). */
export class ChannelReadError extends Error {
  /** Creates the error with the OS reason. */
  constructor(message: string) {
    super(message);
    this.name = "ChannelReadError";
  }
}

/** Opens a channel by method and path; rejects with {@link ChannelOpenError}. */
export function openChannel(method: ChannelMethod | string, path: string): Promise<Channel> {
  try {
    switch (method) {
      case "virtio-serial":
        return Promise.resolve(openVirtioSerial(path));
      case "isa-serial":
        return Promise.resolve(openIsaSerial(path));
      case "unix-listen":
        return Promise.resolve(openUnixListener(path));
      case "vsock-listen":
        return Promise.resolve(openVsockListener(path));
      default:
        throw new ChannelOpenError(`unsupported channel method/type: ${method}`);
    }
  } catch (error) {
    return Promise.reject(error);
  }
}

/** The method of an inherited listening socket (socket activation), or undefined. */
export function listenFdMethod(fd: number): "unix-listen" | "vsock-listen" | undefined {
  return listenSocketFamily(fd);
}

/** Serves an inherited listening socket (systemd socket activation). */
export function channelFromListenFd(fd: number): Channel {
  return new ListenChannel(fd);
}
