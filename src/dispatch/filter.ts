/**
 * Which commands may run now: the profile's capability-aware table (commands disabled at
 * start-up, `src/policy/`), the block list (`-b`), the allow list (`-a`) and the freeze state.
 *
 * Follows Debian's qemu-ga 7.2 (the oracle): a command disabled by the block or allow list answers
 * `Command X has been disabled` with no reason and stays disabled while frozen; while frozen every
 * other command outside the freeze allow-list answers `...: the agent is in frozen state`.
 *
 * @module
 */

import { FROZEN_ALLOWED } from "../schema/schema.ts";

/** Options of a {@link CommandFilter}. */
export interface CommandFilterOptions {
  /** `-b`/`--block-rpcs` names (names that are not commands are ignored). */
  readonly blockRpcs?: readonly string[];
  /** `-a`/`--allow-rpcs` names; empty means "allow all". */
  readonly allowRpcs?: readonly string[];
  /**
   * Commands the profile or the process's resources rule out (name → reason). They answer like
   * `-b` ones (no reason on the wire: the agent logs it once at start-up); `-a` cannot enable them.
   */
  readonly unavailable?: ReadonlyMap<string, string>;
  /** Reports the agent's frozen state at the time of the call. */
  readonly isFrozen: () => boolean;
}

/** Decides whether a registered command is enabled, and why not. */
export class CommandFilter {
  #block: ReadonlySet<string>;
  #allow: ReadonlySet<string> | undefined;
  #unavailable: ReadonlyMap<string, string>;
  #isFrozen: () => boolean;

  /** Creates a filter from the configured lists and a frozen-state probe. */
  constructor(options: CommandFilterOptions) {
    this.#block = new Set(options.blockRpcs ?? []);
    this.#allow = options.allowRpcs?.length ? new Set(options.allowRpcs) : undefined;
    this.#unavailable = options.unavailable ?? new Map();
    this.#isFrozen = options.isFrozen;
  }

  /**
   * `undefined` when `name` is enabled; otherwise the disabling reason appended to
   * `Command <name> has been disabled` (`""` for none).
   */
  disabledReason(name: string): string | undefined {
    if (this.#unavailable.has(name) || this.#block.has(name)) return "";
    if (this.#allow && !this.#allow.has(name)) return "";
    if (this.#isFrozen() && !FROZEN_ALLOWED.has(name)) return "the agent is in frozen state";
    return undefined;
  }

  /** True when `name` may run now. */
  isEnabled(name: string): boolean {
    return this.disabledReason(name) === undefined;
  }
}
