/**
 * The users domain of `Sys` (`./sys.ts`): user accounts — the passwd database and the files of a
 * user's `~/.ssh` (guest-ssh-*-authorized-keys).
 *
 * The file operations are descriptor-based so that the commands can keep every access beneath
 * the user's home directory: only the home directory itself (from the passwd database, which
 * root controls) is opened by path; `.ssh` and `authorized_keys` are single names opened with
 * `O_NOFOLLOW` relative to it, created with `O_EXCL`, owned and moded through the descriptor and
 * replaced with `renameat` (see `./users_fs.ts`). The policy — what is refused, and the texts —
 * is the commands' (`src/commands/accounts/`).
 *
 * Home directories come from the passwd database, not from fixed paths, so nothing here is read
 * under the root of {@link LinuxUsers}; tests point a passwd entry at a temporary home instead.
 *
 * @module
 */

import { lookupPasswd, type PasswdEntry } from "./passwd.ts";
import {
  chmodFd,
  chownFd,
  closeFd,
  createTempFileAt,
  type FileStatus,
  mkdirAt,
  openDirectory,
  openDirectoryAt,
  openFileAt,
  readUpTo,
  renameAt,
  statusAt,
  statusOfFd,
  syncFd,
  unlinkAt,
  writeAll,
} from "./users_fs.ts";

export type { FileStatus, PasswdEntry };

/** OS access of the users commands; every failure is an `OsError`. */
export interface Users {
  /**
   * Looks a user up in the passwd database (`getpwnam_r`, as GLib's
   * `g_unix_get_passwd_entry`).
   *
   * @param name The name's bytes (modified UTF-8 of the wire string, as qemu-ga passes it).
   * @throws OsError with errno 0 (`Success`) when there is no such user.
   */
  lookup(name: Uint8Array): PasswdEntry;
  /** `open(home, O_RDONLY | O_DIRECTORY | O_CLOEXEC)` (links in the path are followed). */
  openHome(home: Uint8Array): number;
  /** `openat(dirFd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)`. */
  openDirectoryAt(dirFd: number, name: string): number;
  /** `openat(dirFd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)`. */
  openFileAt(dirFd: number, name: string): number;
  /** `fstat` of a descriptor. */
  status(fd: number): FileStatus;
  /** `fstatat(dirFd, name, AT_SYMLINK_NOFOLLOW)`. */
  statusAt(dirFd: number, name: string): FileStatus;
  /** Reads to end of file, at most `limit + 1` bytes. */
  read(fd: number, limit: number): Uint8Array;
  /** `mkdirat(dirFd, name, mode)`. */
  mkdirAt(dirFd: number, name: string, mode: number): void;
  /**
   * Creates a new file `<prefix>XXXXXX` in `dirFd` (`O_CREAT | O_EXCL | O_NOFOLLOW`, write-only).
   *
   * @returns Its descriptor and name.
   */
  createTempAt(dirFd: number, prefix: string, mode: number): { fd: number; name: string };
  /** Writes all of `bytes`. */
  write(fd: number, bytes: Uint8Array): void;
  /** `fsync(fd)`. */
  sync(fd: number): void;
  /** `fchown(fd, uid, gid)`. */
  chown(fd: number, uid: number, gid: number): void;
  /** `fchmod(fd, mode)`. */
  chmod(fd: number, mode: number): void;
  /** `renameat(dirFd, from, dirFd, to)`. */
  renameAt(dirFd: number, from: string, to: string): void;
  /** `unlinkat(dirFd, name, 0)`. */
  unlinkAt(dirFd: number, name: string): void;
  /** `close(fd)`, errors ignored. */
  close(fd: number): void;
}

/** Options of {@link LinuxUsers}. */
export interface LinuxUsersOptions {
  /** Replaces the passwd lookup (tests point a user at a temporary home). */
  readonly lookup?: (name: Uint8Array) => PasswdEntry;
}

/** {@link Users} of the running Linux system. */
export class LinuxUsers implements Users {
  #root: string;
  #lookup: (name: Uint8Array) => PasswdEntry;

  /**
   * Creates the domain.
   *
   * @param root Kept for symmetry with the other domains: nothing is read at a fixed path.
   * @param options A replacement passwd lookup.
   */
  constructor(root = "/", options: LinuxUsersOptions = {}) {
    this.#root = root;
    this.#lookup = options.lookup ?? ((name) => lookupPasswd(name));
  }

  /** The root given at construction. */
  get root(): string {
    return this.#root;
  }

  /** {@inheritDoc Users.lookup} */
  lookup(name: Uint8Array): PasswdEntry {
    return this.#lookup(name);
  }

  /** {@inheritDoc Users.openHome} */
  openHome(home: Uint8Array): number {
    return openDirectory(home);
  }

  /** {@inheritDoc Users.openDirectoryAt} */
  openDirectoryAt(dirFd: number, name: string): number {
    return openDirectoryAt(dirFd, name);
  }

  /** {@inheritDoc Users.openFileAt} */
  openFileAt(dirFd: number, name: string): number {
    return openFileAt(dirFd, name);
  }

  /** {@inheritDoc Users.status} */
  status(fd: number): FileStatus {
    return statusOfFd(fd);
  }

  /** {@inheritDoc Users.statusAt} */
  statusAt(dirFd: number, name: string): FileStatus {
    return statusAt(dirFd, name);
  }

  /** {@inheritDoc Users.read} */
  read(fd: number, limit: number): Uint8Array {
    return readUpTo(fd, limit);
  }

  /** {@inheritDoc Users.mkdirAt} */
  mkdirAt(dirFd: number, name: string, mode: number): void {
    mkdirAt(dirFd, name, mode);
  }

  /** {@inheritDoc Users.createTempAt} */
  createTempAt(dirFd: number, prefix: string, mode: number): { fd: number; name: string } {
    return createTempFileAt(dirFd, prefix, mode);
  }

  /** {@inheritDoc Users.write} */
  write(fd: number, bytes: Uint8Array): void {
    writeAll(fd, bytes);
  }

  /** {@inheritDoc Users.sync} */
  sync(fd: number): void {
    syncFd(fd);
  }

  /** {@inheritDoc Users.chown} */
  chown(fd: number, uid: number, gid: number): void {
    chownFd(fd, uid, gid);
  }

  /** {@inheritDoc Users.chmod} */
  chmod(fd: number, mode: number): void {
    chmodFd(fd, mode);
  }

  /** {@inheritDoc Users.renameAt} */
  renameAt(dirFd: number, from: string, to: string): void {
    renameAt(dirFd, from, to);
  }

  /** {@inheritDoc Users.unlinkAt} */
  unlinkAt(dirFd: number, name: string): void {
    unlinkAt(dirFd, name);
  }

  /** {@inheritDoc Users.close} */
  close(fd: number): void {
    closeFd(fd);
  }
}
