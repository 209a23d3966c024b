/**
 * The host domain of `Sys` (`./sys.ts`): the machine as a whole: host name, `uname`, os-release, the local time zone, load averages and the login records (`/var/run/utmp`) — guest-get-host-name, guest-get-osinfo, guest-get-timezone, guest-get-users, guest-get-load.
 *
 * @module
 */

/** OS access of the host commands. */
export interface Host {}

/** {@link Host} of the running Linux system, its fixed paths read under a root. */
export class LinuxHost implements Host {
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
