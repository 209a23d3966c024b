/**
 * The memory domain of `Sys` (`./sys.ts`): `/sys/devices/system/memory`: memory blocks and their state — guest-get-memory-blocks, guest-set-memory-blocks, guest-get-memory-block-info.
 *
 * @module
 */

/** OS access of the memory commands. */
export interface Memory {}

/** {@link Memory} of the running Linux system, its fixed paths read under a root. */
export class LinuxMemory implements Memory {
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
