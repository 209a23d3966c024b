/**
 * The guest-file domain of `Sys` (`../sys.ts`): files whose paths the host names
 * (guest-file-open), opened and used by libc with qemu-ga's semantics.
 *
 * How far the host reaches is the {@link GuestFileScope}, fixed at start-up by the profile:
 *
 * - `anywhere` (profile `full`): `open()` exactly as qemu-ga 7.2 (`./anywhere.ts`) — every path
 *   the agent's user can open, `/proc`, `/sys` and `/dev` included. Equivalent to root.
 * - `roots` (profiles `files`, `readonly`): only regular files on ordinary file systems beneath
 *   the file roots, never the agent's own files, opened by `openat2(RESOLVE_BENEATH |
 *   RESOLVE_NO_MAGICLINKS)` from root descriptors opened at start-up (`./roots.ts`,
 *   `./beneath.ts`). Refusals are `EACCES` (`EROFS` for a write mode on a read-only root) and
 *   carry the reason for the agent's log (`./refusal.ts`).
 *
 * I/O on the descriptor is unbuffered libc `read`/`write`/`lseek` (`./fd_file_io.ts`). Every
 * failure is an `OsError`.
 *
 * @module
 */

import { anywhereFiles } from "./anywhere.ts";
import { openRoots, RootFiles, type UnusableRoot } from "./roots.ts";

export { openat2Available } from "./openat2.ts";
export { GuestFileRefusal } from "./refusal.ts";
export type { UnusableRoot } from "./roots.ts";

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

/** `lseek` origins, numbered like SEEK_SET/SEEK_CUR/SEEK_END. */
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
   * Opens `path` as qemu-ga's `safe_open_or_create()` does (non-blocking, no controlling
   * terminal; new files mode 0644 minus the umask), within the scope's reach.
   *
   * @throws OsError when the OS refuses, or `GuestFileRefusal` (an `OsError`) when the scope does.
   */
  open(path: string, access: FileAccess): Promise<FileIo>;
}

/** A directory beneath which guest files may be opened. */
export interface FileRoot {
  /** Absolute path (the operator's: it may go through symbolic links). */
  readonly path: string;
  /** Whether write modes are allowed beneath it. */
  readonly writable: boolean;
}

/** How guest-file-open reaches files. */
export type GuestFileScope =
  | { readonly kind: "anywhere" }
  | {
    readonly kind: "roots";
    readonly roots: readonly FileRoot[];
    /** Paths of the agent's own files; an open that lands on one of them is refused. */
    readonly ownFiles: readonly string[];
  };

/**
 * Opens the roots (`O_PATH`) now and returns the guest-file domain for that scope.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { openGuestFiles } from "./files.ts";
 * const { unusable } = openGuestFiles({
 *   kind: "roots",
 *   roots: [{ path: "/nonexistent/qga-root", writable: false }],
 *   ownFiles: [],
 * });
 * assert.equal(unusable[0]?.error, "No such file or directory");
 * ```
 */
export function openGuestFiles(scope: GuestFileScope): {
  readonly files: GuestFiles;
  /** Roots that could not be opened (missing, not a directory, …), with strerror text. */
  readonly unusable: readonly UnusableRoot[];
} {
  if (scope.kind === "anywhere") return { files: anywhereFiles, unusable: [] };
  const { open, components, unusable } = openRoots(scope.roots);
  return { files: new RootFiles(open, components, [...scope.ownFiles]), unusable };
}
