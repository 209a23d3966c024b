/**
 * The guest-file domain of `Sys` (`../sys.ts`): files whose paths the host names
 * (guest-file-open), opened and used with stdio-like semantics.
 *
 * These paths are reached only through Deno's permission-checked APIs (never libc), so an agent
 * built with narrow `--allow-read`/`--allow-write` lists cannot be used to touch other paths; see
 * `./file_io.ts` for how files are opened and `./confine.ts` for how symbolic links are kept
 * inside those lists. Every OS failure is thrown as an `OsError`; a path outside the agent's
 * permissions is refused with Deno's `NotCapable`.
 *
 * @module
 */

import { OsError } from "../os_error.ts";
import { openFileIo } from "./file_io.ts";

/** The access a guest-file-open mode asks for (qemu-ga's `O_*` flags, as booleans). */
export interface FileAccess {
  /** O_RDONLY or O_RDWR. */
  readonly read: boolean;
  /** O_WRONLY or O_RDWR (also set for append modes). */
  readonly write: boolean;
  /** O_APPEND: every write goes to the end of the file. */
  readonly append: boolean;
  /** O_TRUNC. */
  readonly truncate: boolean;
  /** O_CREAT (done as O_CREAT|O_EXCL first, then a plain reopen). */
  readonly create: boolean;
}

/** `lseek` origins, numbered like SEEK_SET/SEEK_CUR/SEEK_END and Deno.SeekMode. */
export type Whence = 0 | 1 | 2;

/** Unbuffered I/O on one open file; every method throws an `OsError` on failure. */
export interface FileIo {
  /** Reads until `buf` is full or end of file; `eof` is true iff end of file stopped it. */
  readFully(buf: Uint8Array): Promise<{ count: number; eof: boolean }>;
  /** Writes all of `data`. */
  writeFully(data: Uint8Array): Promise<void>;
  /** Repositions like `lseek(2)` and returns the new offset, exact as int64. */
  seek(offset: bigint, whence: Whence): Promise<bigint>;
  /** Closes the file. */
  close(): void;
}

/** Opening guest files. */
export interface GuestFiles {
  /**
   * Opens `path` as qemu-ga's `safe_open_or_create()` does (non-blocking for FIFOs and devices;
   * new files mode 0644 minus the umask).
   *
   * @throws OsError when the OS refuses; `Deno.errors.NotCapable` when the agent's permissions do.
   */
  open(path: string, access: FileAccess): Promise<FileIo>;
}

/** Throws `error` as an {@link OsError} when it is an OS failure, else unchanged. */
function rethrow(error: unknown): never {
  throw OsError.from(error) ?? error;
}

/** A {@link FileIo} whose failures are all `OsError`s. */
class OsErrorFileIo implements FileIo {
  #io: FileIo;

  constructor(io: FileIo) {
    this.#io = io;
  }

  async readFully(buf: Uint8Array): Promise<{ count: number; eof: boolean }> {
    try {
      return await this.#io.readFully(buf);
    } catch (error) {
      rethrow(error);
    }
  }

  async writeFully(data: Uint8Array): Promise<void> {
    try {
      return await this.#io.writeFully(data);
    } catch (error) {
      rethrow(error);
    }
  }

  async seek(offset: bigint, whence: Whence): Promise<bigint> {
    try {
      return await this.#io.seek(offset, whence);
    } catch (error) {
      rethrow(error);
    }
  }

  close(): void {
    try {
      this.#io.close();
    } catch (error) {
      rethrow(error);
    }
  }
}

/** {@link GuestFiles} through Deno's permission-checked file APIs. */
export const denoGuestFiles: GuestFiles = {
  async open(path: string, access: FileAccess): Promise<FileIo> {
    try {
      return new OsErrorFileIo(await openFileIo(path, access));
    } catch (error) {
      rethrow(error);
    }
  },
};
