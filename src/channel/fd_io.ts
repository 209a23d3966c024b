/**
 * Reading and writing a non-blocking file descriptor: synchronous `read`/`write`/`send` calls on
 * the JS thread (so errno is exact), and a {@link FdWaiter} to wait on after EAGAIN.
 *
 * @module
 */

import { Errno } from "../sys/errno.ts";
import { readFd, sendFd, writeFd } from "../sys/libc.ts";
import { OsError } from "../sys/os_error.ts";
import { Poll, Socket } from "../sys/structs.ts";
import { ChannelClosedError, WriteStallError } from "./errors.ts";
import type { FdWaiter } from "./waiter.ts";

/** Size of one read from the channel. */
export const READ_CHUNK = 65536;
/** A write that makes no progress for this long is abandoned (a host that never reads). */
export const WRITE_STALL_MS = 30_000;
/** Pause between write attempts while the fd reports a hang-up instead of POLLOUT. */
const HANGUP_RETRY_MS = 100;
/** Longest single wait for POLLOUT (the stall deadline is checked in between). */
const WRITE_WAIT_SLICE_MS = 1000;

/** The outcome of one read attempt: data, end of stream, would block, or an errno. */
export type ReadResult = Uint8Array | "eof" | "again" | { errno: number };

/**
 * Reads once without blocking. The data is a view of `buffer`, not a copy: it is valid until the
 * buffer is read into again (a copy per read would leave a 64 KiB garbage buffer per read for V8
 * to collect — tens of MiB under a fast stream before a collection comes).
 */
export function tryRead(fd: number, buffer: Uint8Array<ArrayBuffer>): ReadResult {
  const n = readFd(fd, buffer);
  if (n > 0) return buffer.subarray(0, n);
  if (n === 0) return "eof";
  if (-n === Errno.EAGAIN || -n === Errno.EINTR) return "again";
  return { errno: -n };
}

/** How {@link writeAll} writes. */
export interface WriteOptions {
  /** Give up after this long without progress (ms). */
  stallMs: number;
  /** Use `send(MSG_NOSIGNAL)` (sockets): a vanished peer gives EPIPE, never SIGPIPE. */
  socket: boolean;
}

/** A write's progress, carried from its synchronous part to the rest. */
interface WriteProgress {
  /** Bytes written so far. */
  off: number;
  /**
   * When the write last made progress (ms): read at the first wait after bytes went through,
   * not at every `write()`; {@link NOT_YET} before the first wait.
   */
  lastProgress: number;
}

/** {@link WriteProgress.lastProgress} before the write's first wait. */
const NOT_YET = -1;

/**
 * What a write that completed at once returns: one promise, resolved once, so that a reply
 * costs no promise of its own and a caller may skip awaiting it (`write(...) === WRITTEN`).
 */
export const WRITTEN: Promise<undefined> = Promise.resolve(undefined);

/**
 * Writes all of `bytes` in order, waiting for POLLOUT when the fd is full. Never throws:
 * resolves to undefined when everything was written, else to the reason — an {@link OsError}
 * (`Broken pipe`, `Input/output error`, ...), a {@link WriteStallError} when no byte could be
 * written for `options.stallMs`, or a {@link ChannelClosedError}.
 *
 * The write starts on the JS thread: a reply the fd takes at once (every small one) costs one
 * `write`/`send` and no promise of its own; while the fd is full, `poll(POLLOUT)` blocks the JS
 * thread as long as the waiter allows (until the event loop's turn is due), then waits go to a
 * worker thread until the fd takes data again.
 *
 * While the fd reports POLLHUP/POLLERR without POLLOUT (a virtio-serial port whose host side is
 * gone: writes give EAGAIN and poll says HUP at once) the attempts are spaced 100 ms apart, so a
 * disconnected host cannot make the agent spin.
 */
export function writeAll(
  fd: number,
  bytes: Uint8Array,
  waiter: FdWaiter,
  options: WriteOptions,
): Promise<Error | undefined> {
  const data = bytes as Uint8Array<ArrayBuffer>;
  let off = 0;
  if (data.length > 0 && !waiter.isClosed) {
    // The common case: the fd takes the whole reply at once (no allocation, no clock reading).
    const n = options.socket ? sendFd(fd, data, Socket.MSG_NOSIGNAL) : writeFd(fd, data);
    if (n === data.length) return WRITTEN;
    if (n > 0) off = n; // else writeNow() tries again and handles the outcome
  }
  const progress: WriteProgress = { off, lastProgress: NOT_YET };
  const outcome = writeNow(fd, data, waiter, options, progress);
  if (outcome === true) return WRITTEN;
  if (outcome !== false) return Promise.resolve(outcome);
  return writeRest(fd, data, waiter, options, progress);
}

/**
 * Writes on the JS thread: true when all is written, an Error when the write failed, false when
 * the rest must wait on a worker thread (turn due, hang-up, or the fd stayed full).
 */
function writeNow(
  fd: number,
  data: Uint8Array<ArrayBuffer>,
  waiter: FdWaiter,
  options: WriteOptions,
  progress: WriteProgress,
): boolean | Error {
  // The clock is read once per wait, not per write: a virtio console port takes at most 32 KiB
  // per write(), and in a guest without a vDSO clock every reading is a system call.
  let moved = progress.lastProgress === NOT_YET;
  while (progress.off < data.length) {
    if (waiter.isClosed) return new ChannelClosedError();
    const chunk = progress.off === 0 ? data : data.subarray(progress.off);
    const n = options.socket ? sendFd(fd, chunk, Socket.MSG_NOSIGNAL) : writeFd(fd, chunk);
    if (n > 0) {
      progress.off += n;
      moved = true;
      continue;
    }
    if (n === -Errno.EINTR) continue;
    if (n !== 0 && n !== -Errno.EAGAIN) return new OsError(-n, options.socket ? "send" : "write");
    const now = performance.now();
    if (moved) {
      progress.lastProgress = now;
      moved = false;
    }
    const left = options.stallMs - (now - progress.lastProgress);
    if (left <= 0) return new WriteStallError(options.stallMs);
    const budget = Math.min(waiter.writeBudget(now), left);
    if (budget <= 0) return false;
    const revents = waiter.waitWritableSync(fd, budget);
    if (!(revents & Poll.POLLOUT)) return false;
  }
  return true;
}

/** The rest of {@link writeAll}: waits on a worker thread, then writes on the JS thread again. */
async function writeRest(
  fd: number,
  data: Uint8Array<ArrayBuffer>,
  waiter: FdWaiter,
  options: WriteOptions,
  progress: WriteProgress,
): Promise<Error | undefined> {
  for (;;) {
    if (waiter.isClosed) return new ChannelClosedError();
    const left = options.stallMs - (performance.now() - progress.lastProgress);
    if (left <= 0) return new WriteStallError(options.stallMs);
    const revents = await waiter.waitWritable(fd, Math.min(WRITE_WAIT_SLICE_MS, left));
    if (!(revents & Poll.POLLOUT) && revents & (Poll.POLLHUP | Poll.POLLERR)) {
      await waiter.sleep(Math.min(HANGUP_RETRY_MS, left));
    }
    const outcome = writeNow(fd, data, waiter, options, progress);
    if (outcome === true) return undefined;
    if (outcome !== false) return outcome;
  }
}
