/**
 * The disks domain of `Sys` (`../sys.ts`): block devices and the filesystems on them — the sysfs
 * disk topology (`/sys/block`, `/sys/dev/block`, `/sys/devices/...`), udev's database
 * (`/run/udev/data`), `statvfs()` of mount points and `/proc/diskstats` — for guest-get-disks,
 * guest-get-fsinfo and guest-get-diskstats.
 *
 * The interface offers the file-level calls qemu-ga makes (`realpath`, `readlink`,
 * `opendir`/`readdir` with `d_type`, whole-file reads, `stat`, `statvfs`); what qemu-ga and its
 * libudev compute from them lives in `src/commands/disks/`. {@link LinuxDisks} makes the calls
 * through libc under a root (`/` in production, a fixture tree in tests): every fixed path
 * (`/sys/...`, `/run/...`, `/proc/...`) is read under it, and `realpath` answers relative to it,
 * so a fixture tree behaves exactly like the real `/sys`. Mount points given to `statvfs` are
 * never rooted.
 *
 * @module
 */

import { readSmallFile, statPath, underRoot } from "../fd.ts";
import { FileType } from "../structs.ts";
import {
  listDirectoryTyped,
  readlinkBytes,
  readUntilError,
  realpathBytes,
  type StatvfsFields,
  statvfsPath,
} from "./path_calls.ts";
import type { OsError } from "../os_error.ts";

export type { StatvfsFields } from "./path_calls.ts";

/** Where the kernel's disk I/O counters are. */
export const DISKSTATS_PATH = "/proc/diskstats";

/** One directory entry. */
export interface DirectoryEntry {
  /** The entry's name. */
  readonly name: string;
  /** Its `d_type` (`DT_DIR` 4, `DT_LNK` 10, `DT_UNKNOWN` 0, ...). */
  readonly type: number;
}

/** A directory's entries in `readdir()` order (without `.` and `..`). */
export interface DirectoryListing {
  /** The entries read. */
  readonly entries: readonly DirectoryEntry[];
  /** Set when a `readdir()` failed before the end of the directory. */
  readonly readError?: OsError;
}

/** A file's content as far as it could be read. */
export interface PartialRead {
  /** The bytes read. */
  readonly bytes: Uint8Array;
  /** Set when a `read()` failed before the end of the file. */
  readonly error?: OsError;
}

/** OS access of the disks commands; every path is an absolute guest path. */
export interface Disks {
  /**
   * `realpath(path)`.
   *
   * @throws OsError (call `realpath`) when it fails.
   */
  realpath(path: string): string;
  /**
   * `readlink(path)`: the link's target as stored.
   *
   * @throws OsError (call `readlink`) when it fails.
   */
  readlink(path: string): string;
  /**
   * Lists a directory (`opendir` + `readdir`).
   *
   * @throws OsError (call `opendir`) when it cannot be opened.
   */
  listDirectory(path: string): DirectoryListing;
  /**
   * Reads a whole file.
   *
   * @throws OsError (call `open` or `read`) when it fails.
   */
  readFile(path: string): Uint8Array;
  /**
   * `stat(path)` (following links): whether it is a directory.
   *
   * @throws OsError (call `statx`) when it fails.
   */
  isDirectory(path: string): boolean;
  /**
   * `statvfs(path)` of a mount point (never under the root).
   *
   * @throws OsError (call `statvfs`) when it fails.
   */
  statvfs(path: Uint8Array): StatvfsFields;
  /**
   * Reads {@link DISKSTATS_PATH}; a failing `read()` ends the content early.
   *
   * @throws OsError (call `open`) when it cannot be opened.
   */
  readDiskstats(): PartialRead;
}

const decoder = new TextDecoder();

/** {@link Disks} of the running Linux system, its fixed paths read under a root. */
export class LinuxDisks implements Disks {
  #root: string;
  #realRoot: string | undefined;

  /** Creates the domain; `root` prefixes every fixed path (default `/`). */
  constructor(root = "/") {
    this.#root = root;
  }

  /** The root fixed paths are read under. */
  get root(): string {
    return this.#root;
  }

  #path(path: string): string {
    return underRoot(this.#root, path);
  }

  /** {@inheritDoc Disks.realpath} */
  realpath(path: string): string {
    const real = decoder.decode(realpathBytes(this.#path(path)));
    if (this.#root.replace(/\/+$/, "") === "") return real;
    this.#realRoot ??= decoder.decode(realpathBytes(this.#root));
    if (real === this.#realRoot) return "/";
    return real.startsWith(`${this.#realRoot}/`) ? real.slice(this.#realRoot.length) : real;
  }

  /** {@inheritDoc Disks.readlink} */
  readlink(path: string): string {
    return decoder.decode(readlinkBytes(this.#path(path)));
  }

  /** {@inheritDoc Disks.listDirectory} */
  listDirectory(path: string): DirectoryListing {
    const listing = listDirectoryTyped(this.#path(path));
    const entries = listing.entries.map((e) => ({ name: decoder.decode(e.name), type: e.type }));
    return listing.readError ? { entries, readError: listing.readError } : { entries };
  }

  /** {@inheritDoc Disks.readFile} */
  readFile(path: string): Uint8Array {
    return readSmallFile(this.#path(path));
  }

  /** {@inheritDoc Disks.isDirectory} */
  isDirectory(path: string): boolean {
    return (statPath(this.#path(path)).mode & FileType.S_IFMT) === FileType.S_IFDIR;
  }

  /** {@inheritDoc Disks.statvfs} */
  statvfs(path: Uint8Array): StatvfsFields {
    return statvfsPath(path);
  }

  /** {@inheritDoc Disks.readDiskstats} */
  readDiskstats(): PartialRead {
    return readUntilError(this.#path(DISKSTATS_PATH));
  }
}
