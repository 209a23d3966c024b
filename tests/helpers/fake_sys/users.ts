/**
 * A fake of the users domain ({@link Users}): a passwd database of test users whose homes are
 * temporary directories, and the real descriptor operations of `LinuxUsers` on those homes —
 * every call recorded (`openat ~ .ssh O_DIRECTORY|O_NOFOLLOW`, `fchown ~/.ssh/authorized_keys.FAKE01
 * 1000:1000`, …, with `~` for the looked-up user's home), with injectable failures and a hook that
 * runs before each call (to swap a file for a symbolic link in the middle of a command).
 *
 * Temporary names are deterministic (`authorized_keys.FAKE01`, `FAKE02`, …). Nothing outside
 * the homes the tests create is ever touched.
 *
 * @module
 */

import type { ErrnoName } from "../../../src/sys/errno.ts";
import { OsError } from "../../../src/sys/os_error.ts";
import {
  type FileStatus,
  LinuxUsers,
  type PasswdEntry,
  type Users,
} from "../../../src/sys/users.ts";
import { createFileAt } from "../../../src/sys/users_fs.ts";

/** A test user. */
export interface FakeUser {
  /** User id (default: the test process's, so `fchown` works without root). */
  readonly uid?: number;
  /** Group id (default: the test process's). */
  readonly gid?: number;
  /** Home directory (a temporary directory of the test). */
  readonly home: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A fake {@link Users}; see the module documentation. */
export class FakeUsers implements Users {
  /** Every call, in order. */
  readonly calls: string[] = [];
  /** Runs before each call with its record (after recording it). */
  before: ((call: string) => void) | undefined;
  /** errno for a user that is not in the database (glibc: 0, `Success`). */
  lookupErrno = 0;
  readonly #users = new Map<string, PasswdEntry>();
  readonly #failures = new Map<string, ErrnoName>();
  readonly #labels = new Map<number, string>();
  readonly #real = new LinuxUsers();
  #home: string | undefined;
  #temps = 0;

  /** Adds (or replaces) a user; returns its passwd entry. */
  addUser(name: string, user: FakeUser): PasswdEntry {
    const entry = {
      uid: user.uid ?? Deno.uid() ?? 0,
      gid: user.gid ?? Deno.gid() ?? 0,
      home: encoder.encode(user.home),
    };
    this.#users.set(name, entry);
    return entry;
  }

  /** Makes every call whose record starts with `prefix` fail with `errno` (before running it). */
  fail(prefix: string, errno: ErrnoName): void {
    this.#failures.set(prefix, errno);
  }

  /** Number of descriptors opened and not closed. */
  get openFds(): number {
    return this.#labels.size;
  }

  #call(record: string): void {
    this.calls.push(record);
    this.before?.(record);
    for (const [prefix, errno] of this.#failures) {
      if (record.startsWith(prefix)) throw OsError.of(errno);
    }
  }

  #label(fd: number): string {
    return this.#labels.get(fd) ?? `fd${fd}`;
  }

  #opened(fd: number, label: string): number {
    this.#labels.set(fd, label);
    return fd;
  }

  /** {@inheritDoc Users.lookup} */
  lookup(name: Uint8Array): PasswdEntry {
    const text = decoder.decode(name);
    this.#call(`lookup ${text}`);
    const entry = this.#users.get(text);
    if (!entry) throw new OsError(this.lookupErrno, "getpwnam_r");
    this.#home = decoder.decode(entry.home);
    return entry;
  }

  /** {@inheritDoc Users.openHome} */
  openHome(home: Uint8Array): number {
    const path = decoder.decode(home);
    const label = path === this.#home ? "~" : path;
    this.#call(`open ${label} O_DIRECTORY`);
    return this.#opened(this.#real.openHome(home), label);
  }

  /** {@inheritDoc Users.openDirectoryAt} */
  openDirectoryAt(dirFd: number, name: string): number {
    const dir = this.#label(dirFd);
    this.#call(`openat ${dir} ${name} O_DIRECTORY|O_NOFOLLOW`);
    return this.#opened(this.#real.openDirectoryAt(dirFd, name), `${dir}/${name}`);
  }

  /** {@inheritDoc Users.openFileAt} */
  openFileAt(dirFd: number, name: string): number {
    const dir = this.#label(dirFd);
    this.#call(`openat ${dir} ${name} O_NOFOLLOW|O_NONBLOCK`);
    return this.#opened(this.#real.openFileAt(dirFd, name), `${dir}/${name}`);
  }

  /** {@inheritDoc Users.status} */
  status(fd: number): FileStatus {
    this.#call(`fstat ${this.#label(fd)}`);
    return this.#real.status(fd);
  }

  /** {@inheritDoc Users.statusAt} */
  statusAt(dirFd: number, name: string): FileStatus {
    this.#call(`fstatat ${this.#label(dirFd)} ${name}`);
    return this.#real.statusAt(dirFd, name);
  }

  /** {@inheritDoc Users.read} */
  read(fd: number, limit: number): Uint8Array {
    this.#call(`read ${this.#label(fd)}`);
    return this.#real.read(fd, limit);
  }

  /** {@inheritDoc Users.mkdirAt} */
  mkdirAt(dirFd: number, name: string, mode: number): void {
    this.#call(`mkdirat ${this.#label(dirFd)} ${name} 0${mode.toString(8)}`);
    this.#real.mkdirAt(dirFd, name, mode);
  }

  /** {@inheritDoc Users.createTempAt} */
  createTempAt(dirFd: number, prefix: string, mode: number): { fd: number; name: string } {
    const dir = this.#label(dirFd);
    this.#call(`create ${dir} ${prefix}XXXXXX 0${mode.toString(8)}`);
    const name = `${prefix}FAKE${String(++this.#temps).padStart(2, "0")}`;
    const fd = createFileAt(dirFd, name, mode);
    return { fd: this.#opened(fd, `${dir}/${name}`), name };
  }

  /** {@inheritDoc Users.write} */
  write(fd: number, bytes: Uint8Array): void {
    this.#call(`write ${this.#label(fd)} ${JSON.stringify(decoder.decode(bytes))}`);
    this.#real.write(fd, bytes);
  }

  /** {@inheritDoc Users.sync} */
  sync(fd: number): void {
    this.#call(`fsync ${this.#label(fd)}`);
    this.#real.sync(fd);
  }

  /** {@inheritDoc Users.chown} */
  chown(fd: number, uid: number, gid: number): void {
    this.#call(`fchown ${this.#label(fd)} ${uid}:${gid}`);
    this.#real.chown(fd, uid, gid);
  }

  /** {@inheritDoc Users.chmod} */
  chmod(fd: number, mode: number): void {
    this.#call(`fchmod ${this.#label(fd)} 0${mode.toString(8)}`);
    this.#real.chmod(fd, mode);
  }

  /** {@inheritDoc Users.renameAt} */
  renameAt(dirFd: number, from: string, to: string): void {
    this.#call(`renameat ${this.#label(dirFd)} ${from} ${to}`);
    this.#real.renameAt(dirFd, from, to);
  }

  /** {@inheritDoc Users.unlinkAt} */
  unlinkAt(dirFd: number, name: string): void {
    this.#call(`unlinkat ${this.#label(dirFd)} ${name}`);
    this.#real.unlinkAt(dirFd, name);
  }

  /** {@inheritDoc Users.close} */
  close(fd: number): void {
    this.calls.push(`close ${this.#label(fd)}`);
    this.#labels.delete(fd);
    this.#real.close(fd);
  }
}
