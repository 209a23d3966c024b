/**
 * A user's `~/.ssh/authorized_keys`, read and replaced without ever leaving the home directory —
 * qemu-ga 7.2's file steps and error texts (GLib's `g_file_get_contents`/`g_file_set_contents`
 * wording inside them), with what a hostile host or user could abuse refused:
 *
 * - the home directory (from the passwd database, which root controls) is the only path opened
 *   as a path; `.ssh` and `authorized_keys` are opened relative to it with `O_NOFOLLOW`, so a
 *   symbolic link there is refused (`refused: '<path>' is a symbolic link`), never followed;
 * - `.ssh` and `authorized_keys` must be owned by the user or by root, a file owned by root (not
 *   the user) must have a single hard link, and `authorized_keys` must be a regular file (a FIFO
 *   would hang qemu-ga) of at most 16 MiB;
 * - a new `.ssh` is made with `mkdirat` and owned/moded through its descriptor;
 * - the new file is written to `authorized_keys.XXXXXX` created with `O_EXCL | O_NOFOLLOW` and
 *   mode 0600, synced, `fchown`ed and `fchmod`ed *before* `renameat` puts it in place (qemu-ga
 *   does `chown`/`chmod` by path after the rename, which follows a link swapped in meanwhile);
 *   afterwards the name must still be that file, else the write is reported as failed.
 *
 * @module
 */

import type { FileStatus, PasswdEntry, Users } from "../../sys/users.ts";
import { OsError } from "../../sys/os_error.ts";
import { Errno } from "../../sys/errno.ts";
import {
  buildFilename,
  glibQuoted as q,
  KEYS_FILE,
  osText,
  SshFileError,
  type SshPaths,
  SshStepError,
} from "./ssh_paths.ts";

/** Largest `authorized_keys` read (GLib's "too large" text beyond it). */
export const KEYS_FILE_LIMIT = 16 << 20;

/** The descriptors of one command's work in one home directory; {@link close} releases them. */
export class HomeSsh {
  readonly #users: Users;
  readonly #user: PasswdEntry;
  readonly #userName: string;
  readonly #paths: SshPaths;
  readonly #fds: number[] = [];

  /**
   * Opens nothing yet.
   *
   * @param users The users domain.
   * @param user The passwd entry.
   * @param userName The name as the host sent it (for refusal texts).
   * @param paths The paths as qemu-ga prints them.
   */
  constructor(users: Users, user: PasswdEntry, userName: string, paths: SshPaths) {
    this.#users = users;
    this.#user = user;
    this.#userName = userName;
    this.#paths = paths;
  }

  /** Closes every descriptor opened so far. */
  close(): void {
    for (const fd of this.#fds.splice(0).reverse()) this.#users.close(fd);
  }

  #keep(fd: number): number {
    this.#fds.push(fd);
    return fd;
  }

  /**
   * Opens the home directory.
   *
   * @throws OsError when it cannot be opened.
   */
  openHome(): number {
    return this.#keep(this.#users.openHome(this.#user.home));
  }

  /**
   * Opens `.ssh` in the home directory and checks its owner.
   *
   * @throws OsError when it cannot be opened; SshFileError (refused) for a symbolic link or a
   *   foreign owner.
   */
  openSshDir(homeFd: number): number {
    let fd: number;
    try {
      fd = this.#keep(this.#users.openDirectoryAt(homeFd, ".ssh"));
    } catch (error) {
      // With O_DIRECTORY the kernel answers ENOTDIR for a symbolic link: say which it was.
      if (error instanceof OsError && error.errno === Errno.ENOTDIR) {
        const link = this.#isSymlink(homeFd, ".ssh");
        if (link) throw this.#refuse(`'${this.#paths.sshDir}' is a symbolic link`);
      }
      throw error;
    }
    this.#checkOwner(this.#users.status(fd), this.#paths.sshDir);
    return fd;
  }

  #isSymlink(dirFd: number, name: string): boolean {
    try {
      return this.#users.statusAt(dirFd, name).type === "symlink";
    } catch {
      return false;
    }
  }

  #refuse(what: string): SshFileError {
    return new SshFileError(`refused: ${what}`, true);
  }

  #checkOwner(status: FileStatus, path: string): void {
    const uid = this.#user.uid;
    if (status.uid !== uid && status.uid !== 0) {
      throw this.#refuse(
        `'${path}' is owned by uid ${status.uid}, not by '${this.#userName}' or root`,
      );
    }
    if (status.type !== "directory" && status.uid !== uid && status.nlink > 1) {
      throw this.#refuse(
        `'${path}' has ${status.nlink} hard links and is not owned by '${this.#userName}'`,
      );
    }
  }

  /** True when `authorized_keys` exists in `sshFd` (as itself, links not followed). */
  keysFileExists(sshFd: number): boolean {
    try {
      this.#users.statusAt(sshFd, KEYS_FILE);
      return true;
    } catch (error) {
      osText(error);
      return false;
    }
  }

  /**
   * Reads `authorized_keys` in `sshFd`.
   *
   * @returns Its bytes.
   * @throws SshFileError with GLib's text (`Failed to open file “…”: …`), or refused.
   */
  readKeys(sshFd: number): Uint8Array {
    const path = this.#paths.keysFile;
    let fd: number;
    try {
      fd = this.#keep(this.#users.openFileAt(sshFd, KEYS_FILE));
    } catch (error) {
      if (error instanceof OsError && error.errno === Errno.ELOOP) {
        throw this.#refuse(`'${path}' is a symbolic link`);
      }
      throw new SshFileError(`Failed to open file ${q(path)}: ${osText(error)}`);
    }
    let status: FileStatus;
    try {
      status = this.#users.status(fd);
    } catch (error) {
      throw new SshFileError(
        `Failed to get attributes of file ${q(path)}: fstat() failed: ${osText(error)}`,
      );
    }
    if (status.type === "directory") {
      throw new SshFileError(`Error reading file ${q(path)}: Is a directory`);
    }
    if (status.type !== "file") throw this.#refuse(`'${path}' is not a regular file`);
    this.#checkOwner(status, path);
    let bytes: Uint8Array;
    try {
      bytes = this.#users.read(fd, KEYS_FILE_LIMIT);
    } catch (error) {
      const text = osText(error);
      throw new SshFileError(
        status.size > 0n
          ? `Failed to read from file ${q(path)}: ${text}`
          : `Error reading file ${q(path)}: ${text}`,
      );
    }
    if (bytes.length > KEYS_FILE_LIMIT) throw new SshFileError(`File ${q(path)} is too large`);
    return bytes;
  }

  /**
   * Creates `.ssh` (0700, owned by the user) as qemu-ga's `mkdir_for_user()`.
   *
   * @returns The new directory's descriptor.
   * @throws SshStepError with qemu-ga's text.
   */
  createSshDir(homeFd: number): number {
    const dir = this.#paths.sshDir;
    const step = <T>(text: string, fn: () => T): T => {
      try {
        return fn();
      } catch (error) {
        throw new SshStepError(`${text} '${dir}': ${osText(error)}`);
      }
    };
    step("failed to create directory", () => this.#users.mkdirAt(homeFd, ".ssh", 0o700));
    const fd = step(
      "failed to create directory",
      () => this.#keep(this.#users.openDirectoryAt(homeFd, ".ssh")),
    );
    step(
      "failed to set ownership of directory",
      () => this.#users.chown(fd, this.#user.uid, this.#user.gid),
    );
    step("failed to set permissions of directory", () => this.#users.chmod(fd, 0o700));
    return fd;
  }

  /**
   * Replaces `authorized_keys` in `sshFd` with `contents`, owned by the user, mode 0600.
   *
   * @throws SshFileError (`failed to write to '…': ` follows) or SshStepError (complete text).
   */
  writeKeys(sshFd: number, contents: Uint8Array): void {
    const path = this.#paths.keysFile;
    if (this.#isSymlink(sshFd, KEYS_FILE)) throw this.#refuse(`'${path}' is a symbolic link`);
    const users = this.#users;
    let temp: { fd: number; name: string };
    try {
      temp = users.createTempAt(sshFd, `${KEYS_FILE}.`, 0o600);
    } catch (error) {
      throw new SshFileError(`Failed to create file ${q(`${path}.XXXXXX`)}: ${osText(error)}`);
    }
    this.#keep(temp.fd);
    const tempPath = buildFilename(this.#paths.sshDir, temp.name);
    let renamed = false;
    try {
      const step = <T>(fn: () => T, text: (os: string) => Error): T => {
        try {
          return fn();
        } catch (error) {
          throw text(osText(error));
        }
      };
      const identity = step(
        () => users.status(temp.fd).identity,
        (os) =>
          new SshFileError(
            `Failed to get attributes of file ${q(tempPath)}: fstat() failed: ${os}`,
          ),
      );
      step(
        () => users.write(temp.fd, contents),
        (os) => new SshFileError(`Failed to write file ${q(tempPath)}: write() failed: ${os}`),
      );
      step(
        () => users.sync(temp.fd),
        (os) => new SshFileError(`Failed to write file ${q(tempPath)}: fsync() failed: ${os}`),
      );
      step(
        () => users.chown(temp.fd, this.#user.uid, this.#user.gid),
        (os) => new SshStepError(`failed to set ownership of directory '${path}': ${os}`),
      );
      step(
        () => users.chmod(temp.fd, 0o600),
        (os) => new SshStepError(`failed to set permissions of '${path}': ${os}`),
      );
      step(
        () => users.renameAt(sshFd, temp.name, KEYS_FILE),
        (os) =>
          new SshFileError(
            `Failed to rename file ${q(tempPath)} to ${q(path)}: g_rename() failed: ${os}`,
          ),
      );
      renamed = true;
      let placed = false;
      try {
        placed = users.statusAt(sshFd, KEYS_FILE).identity === identity;
      } catch (error) {
        osText(error);
      }
      if (!placed) throw new SshFileError(`'${path}' was replaced while it was being written`);
    } catch (error) {
      // Before the rename the temporary name is ours to remove; after it, it is gone.
      if (!renamed) {
        try {
          users.unlinkAt(sshFd, temp.name);
        } catch (unlinkError) {
          osText(unlinkError);
        }
      }
      throw error;
    }
  }
}
