/**
 * Reading and writing a non-blocking file descriptor with an {@link EpollSet} to wait on:
 * always try first, wait only after EAGAIN (safe with edge-triggered epoll).
 *
 * @module
 */

import { Errno, readFd, strerror, writeFd } from "../sys/libc.ts";
import type { EpollSet } from "./epoll.ts";

/** Size of one read from the channel. */
export const READ_CHUNK = 65536;
/** A write that makes no progress for this long is abandoned (a host that never reads). */
export const WRITE_STALL_MS = 30_000;

/** A write that made no progress for {@link WRITE_STALL_MS}: the peer is there but not reading. */
export class WriteStallError extends Error {
  /** Creates the error. */
  constructor() {
    super(`no progress writing to the host for ${WRITE_STALL_MS / 1000} s`);
    this.name = "WriteStallError";
  }
}

/** The outcome of one read attempt: data, end of stream, would block, or an errno. */
export type ReadResult = Uint8Array | "eof" | "again" | { errno: number };

/** Reads once without blocking. */
export function tryRead(fd: number, buffer: Uint8Array<ArrayBuffer>): ReadResult {
  const n = readFd(fd, buffer);
  if (n > 0) return buffer.slice(0, n);
  if (n === 0) return "eof";
  if (-n === Errno.EAGAIN || -n === Errno.EINTR) return "again";
  return { errno: -n };
}

/**
 * Writes all of `bytes`, waiting on `epoll` when the fd is full; resolves to an Error on failure
 * (a {@link WriteStallError} when the peer stops reading, else the OS reason, e.g. `Broken pipe`).
 */
export async function writeAll(
  fd: number,
  bytes: Uint8Array,
  epoll: EpollSet,
  isClosed: () => boolean,
): Promise<Error | undefined> {
  const data = bytes as Uint8Array<ArrayBuffer>;
  let off = 0;
  let lastProgress = Date.now();
  while (off < data.length) {
    if (isClosed()) return new Error("channel closed");
    const n = writeFd(fd, data.subarray(off));
    if (n > 0) {
      off += n;
      lastProgress = Date.now();
      continue;
    }
    if (n === 0 || -n === Errno.EAGAIN || -n === Errno.EINTR) {
      if (Date.now() - lastProgress > WRITE_STALL_MS) {
        return new WriteStallError();
      }
      await epoll.wait(1000);
      continue;
    }
    return new Error(strerror(-n));
  }
  return undefined;
}
