/**
 * The agent's mutable state shared by commands: the frozen flag (mirrored by the
 * `qga.state.isfrozen` marker) and the persistent file-handle counter.
 *
 * @module
 */

import type { CommandState } from "../commands/context.ts";
import type { Logger } from "./log.ts";
import {
  createFrozenMarker,
  frozenMarkerExists,
  readStateFile,
  removeFrozenMarker,
  type StatePaths,
  statePaths,
  writeStateFile,
} from "./state_file.ts";

/**
 * Frozen flag and handle counter, backed by the state directory (the `CommandState` that
 * commands see, `src/commands/context.ts`).
 */
export class AgentState implements CommandState {
  readonly paths: StatePaths;
  #frozen: boolean;
  #counter: bigint;
  #log: Logger;

  private constructor(paths: StatePaths, frozen: boolean, counter: bigint, log: Logger) {
    this.paths = paths;
    this.#frozen = frozen;
    this.#counter = counter;
    this.#log = log;
  }

  /**
   * Loads the state of `statedir` as qemu-ga does at start-up: frozen if the marker exists;
   * the counter from `qga.state`, which is created when missing (unless starting frozen).
   * Throws Error with qemu-ga's message when the state cannot be loaded or created.
   */
  static load(statedir: string, log: Logger): AgentState {
    const paths = statePaths(statedir);
    const frozen = frozenMarkerExists(paths);
    let counter: bigint;
    let existed: boolean;
    try {
      ({ counter, existed } = readStateFile(paths));
    } catch (error) {
      const detail = error instanceof Error ? error.message : String(error);
      throw new Error(`error loading persistent state from path: ${paths.stateFile}, ${detail}`);
    }
    if (!existed && !frozen) {
      try {
        writeStateFile(paths, counter);
      } catch (error) {
        const detail = error instanceof Error ? error.message : String(error);
        log.critical(`failed to write persistent state to ${paths.stateFile}: ${detail}`);
        throw new Error(`unable to create state file at path ${paths.stateFile}`);
      }
    }
    return new AgentState(paths, frozen, counter, log);
  }

  /** True while filesystems are frozen by this agent (or a previous instance). */
  get frozen(): boolean {
    return this.#frozen;
  }

  /** Takes the next file handle and persists the counter first; throws on failure. */
  takeHandle(): bigint {
    const handle = this.#counter;
    try {
      writeStateFile(this.paths, handle + 1n);
    } catch (error) {
      this.#log.error(`failed to write persistent state: ${error}`);
      throw new Error("failed to commit persistent state to disk");
    }
    this.#counter = handle + 1n;
    return handle;
  }

  /** Enters frozen state: creates the marker (failure only warns; an existing one is kept). */
  enterFrozen(): void {
    this.#frozen = true;
    try {
      createFrozenMarker(this.paths);
    } catch {
      this.#log.warning(
        `unable to create ${this.paths.frozenMarker}, fsfreeze may not function properly`,
      );
    }
  }

  /** Leaves frozen state: removes the marker (failure only warns). */
  leaveFrozen(): void {
    this.#frozen = false;
    try {
      removeFrozenMarker(this.paths);
    } catch {
      this.#log.warning(
        `unable to delete ${this.paths.frozenMarker}, fsfreeze may not function properly`,
      );
    }
  }
}
