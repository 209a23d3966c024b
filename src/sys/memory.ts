/**
 * The memory domain of `Sys` (`./sys.ts`): `/sys/devices/system/memory` as guest-get-memory-blocks,
 * guest-set-memory-blocks and guest-get-memory-block-info use it, with the same calls as
 * qemu-ga — `opendir`/`readdir` of the memory directory (entry names with their `d_type`),
 * `open(memoryN/, O_DIRECTORY)`, `openat(dirfd, "state" | "removable", O_RDONLY | O_WRONLY)`,
 * `pread` and `pwrite` at offset 0 — so fakes can record exact sequences.
 *
 * {@link LinuxMemory} goes through libc (Deno refuses `/sys` without `-A`) under a root: `/` in
 * production, a fixture tree in tests. Never written on a host's real sysfs in tests: writing
 * `state` takes memory offline.
 *
 * @module
 */

import { underRoot } from "./fd.ts";
import { cString, errno, libc, readCBytes } from "./libc.ts";
import { OsError } from "./os_error.ts";
import { Dirent, OpenFlags } from "./structs.ts";
import { LinuxSysfsFiles, type SysfsFiles } from "./sysfs_files.ts";

/** Where qemu-ga looks for memory blocks, spelled as its messages print it (trailing `/`). */
export const MEMORY_SYSFS_DIR = "/sys/devices/system/memory/";

/** One `readdir()` entry of {@link MEMORY_SYSFS_DIR}. */
export interface MemoryDirEntry {
  /** `d_name`. */
  readonly name: string;
  /** `d_type & DT_DIR` is set (qemu-ga's test; true for directories, and for sockets). */
  readonly dirType: boolean;
}

/** System calls on `/sys/devices/system/memory` (its `memoryN/` files: {@link SysfsFiles}). */
export interface Memory extends SysfsFiles {
  /**
   * `opendir` + `readdir` until NULL + `closedir` of {@link MEMORY_SYSFS_DIR}: its entries in
   * `readdir()` order, `.` and `..` left out.
   *
   * @throws OsError when `opendir()` fails.
   */
  listDirectory(): MemoryDirEntry[];
  /**
   * `opendir` + `closedir` of {@link MEMORY_SYSFS_DIR} (guest-set-memory-blocks' check that
   * the kernel exposes memory blocks at all).
   *
   * @throws OsError when `opendir()` fails.
   */
  probeDirectory(): void;
}

const decoder = new TextDecoder();

/**
 * Lists a directory with raw `readdir()`, keeping each entry's `d_type`.
 *
 * @throws OsError when `opendir()` fails.
 */
function readTypedDirectory(path: string): MemoryDirEntry[] {
  const lib = libc();
  const dir = lib.opendir(cString(path));
  if (dir === null) throw new OsError(errno(), "opendir");
  const entries: MemoryDirEntry[] = [];
  try {
    while (true) {
      const entry = lib.readdir(dir);
      if (entry === null) break;
      // SAFETY: readdir() returned a non-NULL `struct dirent *` valid until the next
      // readdir()/closedir() on `dir`; d_type is one byte and d_name is NUL-terminated (≤ 255
      // bytes); both are copied before the next call.
      const type = new Deno.UnsafePointerView(entry).getUint8(Dirent.TYPE);
      const name = readCBytes(Deno.UnsafePointer.offset(entry, Dirent.NAME)!, Dirent.NAME_MAX);
      const text = decoder.decode(name);
      if (text === "." || text === "..") continue;
      entries.push({ name: text, dirType: (type & Dirent.DT_DIR) !== 0 });
    }
  } finally {
    lib.closedir(dir);
  }
  return entries;
}

/** {@link Memory} on the real sysfs (root `/`) or a fixture tree. */
export class LinuxMemory extends LinuxSysfsFiles implements Memory {
  /** Creates the domain; `root` prefixes every fixed path (default `/`). */
  constructor(root = "/") {
    super(root, OpenFlags.O_WRONLY);
  }

  /** {@inheritDoc Memory.listDirectory} */
  listDirectory(): MemoryDirEntry[] {
    return readTypedDirectory(underRoot(this.root, MEMORY_SYSFS_DIR));
  }

  /** {@inheritDoc Memory.probeDirectory} */
  probeDirectory(): void {
    const lib = libc();
    const dir = lib.opendir(cString(underRoot(this.root, MEMORY_SYSFS_DIR)));
    if (dir === null) throw new OsError(errno(), "opendir");
    lib.closedir(dir);
  }
}
