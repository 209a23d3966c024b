/**
 * Opening a guest file beneath one root descriptor (confined profiles), with no check-then-open
 * window: every lookup is one `openat2(…, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS)` from the
 * root's descriptor (`./openat2.ts`), and every check is made on a descriptor, not a path.
 *
 * An existing file is first opened with `O_PATH` (which opens no device, FIFO or socket and has
 * no side effect) and checked there: a regular file ({@link checkObject}), not on a pseudo file
 * system (`./pseudo_fs.ts`), not one of the agent's own files (same device and inode). Only
 * then is it opened for I/O, with the mode's flags (`O_NONBLOCK | O_NOCTTY` included, so an
 * object swapped in meanwhile cannot block), and that descriptor must be the same file as the
 * checked one. `O_TRUNC` is applied only after every check, with `ftruncate`, so a refused open
 * never truncates anything.
 *
 * Creating modes do qemu-ga's `O_CREAT | O_EXCL` first, beneath the root like every other
 * lookup, relative to the parent directory's descriptor, after checking that the parent is not
 * on a pseudo file system (some create on `open`: mqueue, efivarfs): a file made by `O_EXCL` is
 * a new regular file in that directory, so a refused creating open has created nothing. On
 * `EEXIST` the existing file is opened as above.
 *
 * @module
 */

import { Errno } from "../errno.ts";
import { statFd, statPath } from "../fd.ts";
import { check, closeFd, libc } from "../libc.ts";
import { OsError } from "../os_error.ts";
import { FileType, OpenFlags, type StatxFields } from "../structs.ts";
import type { FileAccess } from "./files.ts";
import { accessFlags, NEW_FILE_MODE } from "./open_flags.ts";
import { openat2, RESOLVE_CONFINED } from "./openat2.ts";
import { pseudoFileSystem } from "./pseudo_fs.ts";
import { GuestFileRefusal } from "./refusal.ts";
import { splitLast } from "./root_paths.ts";

const TYPE_NAMES: Readonly<Record<number, string>> = {
  [FileType.S_IFIFO]: "FIFO",
  [FileType.S_IFCHR]: "character device",
  [FileType.S_IFDIR]: "directory",
  [FileType.S_IFBLK]: "block device",
  [FileType.S_IFLNK]: "symbolic link",
  [FileType.S_IFSOCK]: "socket",
};

/** Why `openat2` refused a lookup, for the errors that mean "the path tried to leave". */
const RESOLVE_REFUSALS: Readonly<Record<number, string>> = {
  [Errno.EXDEV]: "the path leaves its file root (EXDEV)",
  [Errno.ELOOP]: "a procfs magic link or a symbolic link loop (ELOOP)",
  [Errno.EAGAIN]: "a rename raced with the lookup (EAGAIN)",
};

/** A descriptor from {@link openat2}, or the error: resolution refusals become `EACCES`. */
function resolved(result: number): number {
  if (result >= 0) return result;
  const reason = RESOLVE_REFUSALS[-result];
  if (reason !== undefined) throw new GuestFileRefusal("EACCES", reason);
  throw new OsError(-result, "openat2");
}

function sameFile(a: StatxFields, b: StatxFields): boolean {
  return a.ino === b.ino && a.dev[0] === b.dev[0] && a.dev[1] === b.dev[1];
}

/**
 * Refuses unless the object open at `fd` (with status `stat`) is a regular file on an ordinary
 * file system and none of `ownFiles` (paths, followed now; missing ones are skipped).
 *
 * @throws GuestFileRefusal (`EACCES`) naming the reason.
 */
export function checkObject(fd: number, stat: StatxFields, ownFiles: readonly string[]): void {
  const type = stat.mode & FileType.S_IFMT;
  if (type !== FileType.S_IFREG) {
    const name = TYPE_NAMES[type] ?? `file type 0o${type.toString(8)}`;
    throw new GuestFileRefusal("EACCES", `not a regular file (${name})`);
  }
  const pseudo = pseudoFileSystem(fd);
  if (pseudo !== undefined) {
    throw new GuestFileRefusal("EACCES", `on a pseudo file system (${pseudo})`);
  }
  for (const own of ownFiles) {
    let theirs: StatxFields;
    try {
      theirs = statPath(own);
    } catch (error) {
      if (error instanceof OsError) continue;
      throw error;
    }
    if (sameFile(stat, theirs)) {
      throw new GuestFileRefusal("EACCES", `one of the agent's own files (${own})`);
    }
  }
}

/** Opens the existing `name` beneath `dirFd`: `O_PATH`, checks, the real open, same file. */
function openExisting(
  dirFd: number,
  name: string,
  access: FileAccess,
  ownFiles: readonly string[],
): number {
  const pathFd = resolved(
    openat2(dirFd, name, {
      flags: OpenFlags.O_PATH | OpenFlags.O_CLOEXEC,
      resolve: RESOLVE_CONFINED,
    }),
  );
  let fd = -1;
  try {
    const checked = statFd(pathFd);
    checkObject(pathFd, checked, ownFiles);
    fd = resolved(openat2(dirFd, name, { flags: accessFlags(access), resolve: RESOLVE_CONFINED }));
    if (!sameFile(statFd(fd), checked)) {
      throw new GuestFileRefusal("EACCES", "the file was replaced while it was opened");
    }
    if (access.truncate) check("ftruncate", libc().ftruncate(fd, 0n));
    const opened = fd;
    fd = -1;
    return opened;
  } finally {
    closeFd(fd);
    closeFd(pathFd);
  }
}

/**
 * Creates `relative` beneath `rootFd` with `O_CREAT | O_EXCL`, after checking that its directory
 * is not on a pseudo file system.
 *
 * @returns The new file's descriptor, or `undefined` when something exists there (`EEXIST`).
 */
function createNew(rootFd: number, relative: string, access: FileAccess): number | undefined {
  const [parent, name] = splitLast(relative);
  const directory = OpenFlags.O_PATH | OpenFlags.O_DIRECTORY | OpenFlags.O_CLOEXEC;
  const parentFd = resolved(
    openat2(rootFd, parent, { flags: directory, resolve: RESOLVE_CONFINED }),
  );
  let fd: number;
  try {
    const pseudo = pseudoFileSystem(parentFd);
    if (pseudo !== undefined) {
      throw new GuestFileRefusal("EACCES", `on a pseudo file system (${pseudo})`);
    }
    const flags = accessFlags(access) | OpenFlags.O_CREAT | OpenFlags.O_EXCL;
    fd = openat2(parentFd, name, { flags, mode: NEW_FILE_MODE, resolve: RESOLVE_CONFINED });
  } finally {
    closeFd(parentFd);
  }
  return fd === -Errno.EEXIST ? undefined : resolved(fd);
}

/**
 * Opens `relative` beneath the root open at `rootFd` for `access`, as described above.
 *
 * @param rootFd The root's `O_PATH` descriptor.
 * @param relative The path relative to the root (`.` for the root itself).
 * @param access The mode's access (its `write` must already be allowed by the root).
 * @param ownFiles The agent's own files, refused by device and inode.
 * @returns The descriptor, open for I/O.
 * @throws GuestFileRefusal (`EACCES`) when the agent refuses; OsError when the kernel does.
 */
export function openBeneath(
  rootFd: number,
  relative: string,
  access: FileAccess,
  ownFiles: readonly string[],
): number {
  if (access.create) {
    const fd = createNew(rootFd, relative, access);
    if (fd !== undefined) return fd;
  }
  return openExisting(rootFd, relative, access, ownFiles);
}
