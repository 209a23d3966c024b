/**
 * Opening a guest file and doing unbuffered I/O on it with stdio-like semantics.
 *
 * Files are reached only through Deno's permission-checked APIs, so an agent built with narrow
 * `--allow-read`/`--allow-write` lists cannot be used to touch other paths:
 *
 * - Regular files, directories and block devices: `Deno.open()` → {@link DenoFileIo}.
 * - FIFOs, character devices and sockets: `node:fs` `openSync()` with `O_NONBLOCK|O_NOCTTY`
 *   → {@link StreamFileIo}. qemu-ga opens every file non-blocking "to avoid common use cases (like
 *   reading from a named pipe) from hanging the agent"; `Deno.open()` cannot, and would block
 *   forever on a FIFO without a peer. Through `node:fs` (also permission-checked) the agent
 *   answers as qemu-ga does: `No such device or address` for `w` on a FIFO without a reader,
 *   EOF when no writer is attached, `Resource temporarily unavailable` when no data is ready.
 *   These streams cannot seek: `Illegal seek` (qemu-ga answers position 0 for character devices
 *   such as `/dev/null`, whose `lseek` is a no-op).
 *
 * Writes are not buffered: data reaches the kernel before `guest-file-write` replies, which
 * makes qemu-ga's stdio flush-before-read / seek-before-write bookkeeping unnecessary.
 *
 * @module
 */

import type * as NodeFs from "node:fs";
import { OsError } from "../os_error.ts";
import { confineOpenPath } from "./confine.ts";
import type { FileAccess, FileIo, Whence } from "./files.ts";

/** Permission bits for files the agent creates (before the umask; never group/world-writable). */
export const NEW_FILE_MODE = 0o644;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const INT64_MAX = (1n << 63n) - 1n;

/** `node:fs`, loaded on first use only (it adds ~30 ms to start-up). */
let nodeFs: typeof NodeFs | undefined;

/** A file opened with `Deno.open()`; tracks its offset to report positions beyond 2^53 exactly. */
export class DenoFileIo implements FileIo {
  #file: Deno.FsFile;
  /** Exact current offset when known (Deno returns offsets as doubles). */
  #position: bigint | undefined = 0n;
  #append: boolean;

  /** Wraps an open file; `append` tells that writes move the offset to the end of file. */
  constructor(file: Deno.FsFile, append: boolean) {
    this.#file = file;
    this.#append = append;
  }

  /** Reads until `buf` is full or `read()` reports end of file. */
  // Synchronous I/O on regular files (as qemu-ga's blocking stdio) behind the async interface.
  // deno-lint-ignore require-await
  async readFully(buf: Uint8Array): Promise<{ count: number; eof: boolean }> {
    let count = 0;
    let eof = false;
    try {
      while (count < buf.length) {
        const n = this.#file.readSync(buf.subarray(count));
        if (n === null) {
          eof = true;
          break;
        }
        count += n;
      }
    } finally {
      if (this.#position !== undefined) this.#position += BigInt(count);
    }
    return { count, eof };
  }

  /** Writes all of `data`, looping over short writes. */
  // deno-lint-ignore require-await
  async writeFully(data: Uint8Array): Promise<void> {
    let done = 0;
    try {
      while (done < data.length) {
        const n = this.#file.writeSync(data.subarray(done));
        if (n <= 0) throw OsError.of("EIO");
        done += n;
      }
    } finally {
      if (this.#append) this.#position = undefined;
      else if (this.#position !== undefined) this.#position += BigInt(done);
    }
  }

  /**
   * Seeks; the reported offset is exact even where Deno's double result is not. Deno passes the
   * requested offset as a double too, so offsets beyond ±(2^53-1) are refused with EINVAL (what
   * ext4, capped at 16 TiB, answers for them anyway) rather than silently rounded.
   */
  async seek(offset: bigint, whence: Whence): Promise<bigint> {
    if (offset > MAX_SAFE || offset < -MAX_SAFE) throw OsError.of("EINVAL");
    const before = this.#position;
    this.#position = undefined;
    const result = await this.#file.seek(offset, whence);
    let position: bigint;
    if (Number.isSafeInteger(result)) position = BigInt(result);
    else if (whence === 0) position = offset;
    else if (whence === 1 && before !== undefined) position = before + offset;
    // Rounded up to 2^63 only from [2^63-512, 2^63-1]: e.g. SEEK_END on an ext4 directory.
    else position = BigInt(result) > INT64_MAX ? INT64_MAX : BigInt(result);
    this.#position = position;
    return position;
  }

  /** Closes the file. */
  close(): void {
    this.#file.close();
  }
}

/** A non-blocking FIFO, character device or socket opened through `node:fs`. */
export class StreamFileIo implements FileIo {
  #fs: typeof NodeFs;
  #fd: number;

  /** Wraps a file descriptor returned by `fs.openSync()` of the `node:fs` module `fs`. */
  constructor(fs: typeof NodeFs, fd: number) {
    this.#fs = fs;
    this.#fd = fd;
  }

  /** Reads until full or EOF; `EAGAIN` (no data yet) fails the whole read, as in qemu-ga. */
  readFully(buf: Uint8Array): Promise<{ count: number; eof: boolean }> {
    let count = 0;
    while (count < buf.length) {
      const n = this.#fs.readSync(this.#fd, buf, count, buf.length - count, null);
      if (n === 0) return Promise.resolve({ count, eof: true });
      count += n;
    }
    return Promise.resolve({ count, eof: false });
  }

  /** Writes all of `data`; `EAGAIN` (pipe full) fails the write. */
  writeFully(data: Uint8Array): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const n = this.#fs.writeSync(this.#fd, data, done, data.length - done);
      if (n <= 0) throw OsError.of("EIO");
      done += n;
    }
    return Promise.resolve();
  }

  /** Streams cannot seek: fails with `ESPIPE` like `lseek(2)` on a pipe. */
  seek(): Promise<bigint> {
    return Promise.reject(OsError.of("ESPIPE"));
  }

  /** Closes the descriptor. */
  close(): void {
    this.#fs.closeSync(this.#fd);
  }
}

/** True for file types whose `open()`/`read()` may block without O_NONBLOCK. */
async function isStreamPath(path: string): Promise<boolean> {
  try {
    const info = await Deno.stat(path);
    return info.isFifo === true || info.isCharDevice === true || info.isSocket === true;
  } catch {
    // Missing, or not readable under the agent's permissions: Deno.open() reports it.
    return false;
  }
}

async function openStream(path: string, mode: FileAccess): Promise<StreamFileIo> {
  const fs = nodeFs ??= await import("node:fs");
  const c = fs.constants;
  let flags = c.O_NONBLOCK | c.O_NOCTTY;
  flags |= mode.read && mode.write ? c.O_RDWR : mode.write ? c.O_WRONLY : c.O_RDONLY;
  if (mode.append) flags |= c.O_APPEND;
  if (mode.truncate) flags |= c.O_TRUNC;
  return new StreamFileIo(fs, fs.openSync(path, flags));
}

async function openDeno(path: string, mode: FileAccess): Promise<DenoFileIo> {
  const access = { read: mode.read, write: mode.write && !mode.append, append: mode.append };
  let file: Deno.FsFile | undefined;
  if (mode.create) {
    try {
      file = await Deno.open(path, { ...access, createNew: true, mode: NEW_FILE_MODE });
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
    }
  }
  file ??= await Deno.open(path, { ...access, truncate: mode.truncate });
  return new DenoFileIo(file, mode.append);
}

/**
 * Opens `path` as qemu-ga's `safe_open_or_create()` does, after resolving its symbolic links
 * and checking the target against the agent's permissions ({@link confineOpenPath}): for
 * creating modes `O_CREAT|O_EXCL` first (new files get {@link NEW_FILE_MODE} minus the umask),
 * on "already exists" a plain reopen that keeps the existing permissions. Throws the Deno/node
 * error unchanged (`./files.ts` turns it into an `OsError`).
 */
export async function openFileIo(path: string, mode: FileAccess): Promise<FileIo> {
  // open(2) answers ENOENT for ""; Deno refuses it with its own wording before the syscall.
  if (path === "") throw OsError.of("ENOENT");
  const target = await confineOpenPath(path, mode);
  if (await isStreamPath(target)) return await openStream(target, mode);
  return await openDeno(target, mode);
}
