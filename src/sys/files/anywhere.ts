/**
 * Guest files anywhere (profile `full`): opened exactly as qemu-ga 7.2's `safe_open_or_create()`
 * does, by libc `open()` with no check of the agent's own — qemu-ga parity, and equivalent to
 * root for the host. `/proc`, `/sys` and `/dev` are reached as qemu-ga reaches them.
 *
 * Creating modes first try `O_CREAT | O_EXCL` (a new file gets {@link NEW_FILE_MODE} minus the
 * umask; qemu-ga forces 0666), and on `EEXIST` reopen without `O_CREAT`, keeping the existing
 * file's permissions. Relative paths are relative to the agent's current directory.
 *
 * @module
 */

import { Errno } from "../errno.ts";
import { cString, errno, libc } from "../libc.ts";
import { OsError } from "../os_error.ts";
import { OpenFlags } from "../structs.ts";
import { FdFileIo } from "./fd_file_io.ts";
import type { FileAccess, FileIo, GuestFiles } from "./files.ts";
import { NEW_FILE_MODE, openFlags } from "./open_flags.ts";

/** `open(2)`, retrying after `EINTR`; returns the descriptor or -errno. */
function openRaw(path: Uint8Array<ArrayBuffer>, flags: number, mode: number): number {
  while (true) {
    const fd = libc().open(path, flags, mode);
    if (fd >= 0) return fd;
    const e = errno();
    if (e !== Errno.EINTR) return -e;
  }
}

/**
 * Opens `path` as qemu-ga's `safe_open_or_create()` does.
 *
 * @returns The descriptor.
 * @throws OsError (call `open`) when the kernel refuses.
 */
export function openAnywhere(path: string, access: FileAccess): number {
  const name = cString(path);
  let flags = openFlags(access);
  if (access.create) {
    const fd = openRaw(name, flags | OpenFlags.O_EXCL, NEW_FILE_MODE);
    if (fd !== -Errno.EEXIST) {
      if (fd < 0) throw new OsError(-fd, "open");
      return fd;
    }
    flags &= ~OpenFlags.O_CREAT;
  }
  const fd = openRaw(name, flags, 0);
  if (fd < 0) throw new OsError(-fd, "open");
  return fd;
}

/** {@link GuestFiles} anywhere, by libc, as qemu-ga. */
export const anywhereFiles: GuestFiles = {
  open(path: string, access: FileAccess): Promise<FileIo> {
    try {
      return Promise.resolve(new FdFileIo(openAnywhere(path, access)));
    } catch (error) {
      return Promise.reject(error);
    }
  },
};
