/**
 * Unbuffered I/O on one open guest file by libc: `read`/`write` loops, `lseek` with exact int64
 * offsets, `close`.
 *
 * One class serves regular files, directories, FIFOs, character devices and sockets alike: the
 * descriptor is opened with `O_NONBLOCK` (as qemu-ga does), which decides whether a read or write
 * may wait. A FIFO without a writer reads as end of file; one whose writer has nothing more fails
 * with `EAGAIN` ("Resource temporarily unavailable"), and the bytes gathered before are lost, as
 * with qemu-ga's `fread()`. `lseek` answers what the kernel answers: `ESPIPE` ("Illegal seek") on
 * a pipe, 0 on `/dev/null`, `EINVAL` beyond the file system's largest offset.
 *
 * Writes reach the kernel before `guest-file-write` replies, which makes qemu-ga's stdio
 * flush-before-read / seek-before-write bookkeeping unnecessary.
 *
 * @module
 */

import { Errno } from "../errno.ts";
import { check, errno, libc, readFd, writeFd } from "../libc.ts";
import { OsError } from "../os_error.ts";
import type { FileIo, Whence } from "./files.ts";

/** {@link FileIo} on a descriptor the caller opened; it owns the descriptor from then on. */
export class FdFileIo implements FileIo {
  #fd: number;

  /** Takes ownership of the open descriptor `fd`. */
  constructor(fd: number) {
    this.#fd = fd;
  }

  /** The descriptor (-1 once closed). */
  get fd(): number {
    return this.#fd;
  }

  /**
   * Reads until `buf` is full or `read()` returns 0 (end of file), retrying after `EINTR`.
   *
   * @throws OsError when a `read()` fails (`EAGAIN` on a non-blocking FIFO with no data yet).
   */
  readFully(buf: Uint8Array): Promise<{ count: number; eof: boolean }> {
    const target = buf as Uint8Array<ArrayBuffer>;
    let count = 0;
    while (count < buf.length) {
      const n = readFd(this.#fd, target.subarray(count));
      if (n === -Errno.EINTR) continue;
      if (n < 0) return Promise.reject(new OsError(-n, "read"));
      if (n === 0) return Promise.resolve({ count, eof: true });
      count += n;
    }
    return Promise.resolve({ count, eof: false });
  }

  /**
   * Writes all of `data`, looping over short writes and retrying after `EINTR`.
   *
   * @throws OsError when a `write()` fails (`EAGAIN`: a full pipe), or `EIO` when one writes 0.
   */
  writeFully(data: Uint8Array): Promise<void> {
    const source = data as Uint8Array<ArrayBuffer>;
    let done = 0;
    while (done < data.length) {
      const n = writeFd(this.#fd, source.subarray(done));
      if (n === -Errno.EINTR) continue;
      if (n < 0) return Promise.reject(new OsError(-n, "write"));
      if (n === 0) return Promise.reject(new OsError(Errno.EIO, "write"));
      done += n;
    }
    return Promise.resolve();
  }

  /**
   * `lseek(fd, offset, whence)` with the offset and the result exact as int64.
   *
   * @throws OsError when `lseek()` fails (`EINVAL`, `ESPIPE`, `EOVERFLOW`).
   */
  seek(offset: bigint, whence: Whence): Promise<bigint> {
    try {
      return Promise.resolve(BigInt(check("lseek", libc().lseek(this.#fd, offset, whence))));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * Closes the descriptor. Linux releases it even when `close()` reports an error.
   *
   * @throws OsError when `close()` fails (`EBADF` when already closed).
   */
  close(): void {
    const fd = this.#fd;
    this.#fd = -1;
    if (fd < 0) throw new OsError(Errno.EBADF, "close");
    if (libc().close(fd) < 0) throw new OsError(errno(), "close");
  }
}
