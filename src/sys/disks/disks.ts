/**
 * The disks domain of `Sys` (`../sys.ts`): block devices and the filesystems on them: sysfs disk topology, udev data, `statvfs`, `/proc/diskstats` — guest-get-disks, guest-get-fsinfo, guest-get-diskstats.
 *
 * @module
 */

/** OS access of the disks commands. */
export interface Disks {}

/** {@link Disks} of the running Linux system, its fixed paths read under a root. */
export class LinuxDisks implements Disks {
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
