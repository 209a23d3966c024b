/**
 * The users domain of `Sys` (`./sys.ts`): user accounts: the passwd database and a user's `~/.ssh/authorized_keys` — guest-ssh-*-authorized-keys.
 *
 * @module
 */

/** OS access of the users commands. */
export interface Users {}

/** {@link Users} of the running Linux system, its fixed paths read under a root. */
export class LinuxUsers implements Users {
  #root: string;

  /** Creates the domain; `root` prefixes every fixed path (default `/`). */
  constructor(root = "/") {
    this.#root = root;
  }

  /** The root fixed paths are read under. */
  get root(): string {
    return this.#root;
  }
}
