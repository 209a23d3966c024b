/**
 * What every command handler receives, the handler type derived from the schema, and the table
 * type that makes the handler table complete.
 *
 * The context names only what commands need — narrow interfaces that the agent
 * (`src/agent/`) implements — so that `commands/` never imports from `agent/`.
 *
 * @module
 */

import type { CommandName } from "../schema/schema.ts";
import type { ArgsOf, ReturnOf } from "../schema/types.ts";
import type { Sys } from "../sys/sys.ts";
import type { FileHandleTable } from "./file/handles.ts";
import type { FsfreezeService } from "./freeze/service.ts";

/** Services of the dispatcher that some commands need. */
export interface ReplyControl {
  /** Makes the next reply start with 0xFF (`guest-sync-delimited`). */
  delimitNextReply(): void;
  /** True when a command is registered and enabled now (for `guest-info`). */
  isAvailable(name: string): boolean;
}

/** The agent's log as commands use it (the agent's `Logger` implements it). */
export interface CommandLog {
  /** Audit trail (qemu-ga's `slog`): syslog, and the log at debug level. */
  audit(message: string): void;
  /** Debug level. */
  debug(message: string): void;
  /** Warning level. */
  warning(message: string): void;
  /** Error level. */
  error(message: string): void;
}

/** The agent's persistent state as commands use it (the agent's `AgentState` implements it). */
export interface CommandState {
  /** True while filesystems are frozen by this agent (or a previous instance). */
  readonly frozen: boolean;
  /**
   * Takes the next guest-file handle id, persisting the counter first.
   *
   * @throws Error when the counter cannot be written.
   */
  takeHandle(): bigint;
}

/** The context handed to every handler. */
export interface CommandContext {
  /** Version string reported by `guest-info`. */
  readonly version: string;
  /** Frozen flag and persistent handle counter. */
  readonly state: CommandState;
  /** The agent's log (audit lines go through `log.audit`). */
  readonly log: CommandLog;
  /** Operating-system access: the only way a command reaches the OS. */
  readonly sys: Sys;
  /** Dispatcher services. */
  readonly replies: ReplyControl;
  /** Open guest-file handles. */
  readonly files: FileHandleTable;
  /** Freeze/thaw state machine, fsfreeze hook and auto-thaw watchdog. */
  readonly fsfreeze: FsfreezeService;
}

/** A handler for command `N`: validated arguments in, the schema's return type out. */
export type Handler<N extends CommandName> = (
  args: ArgsOf<N>,
  context: CommandContext,
) => ReturnOf<N> | Promise<ReturnOf<N>>;

/** A handler that always answers asynchronously (assignable to {@link Handler}). */
export type AsyncHandler<N extends CommandName> = (
  args: ArgsOf<N>,
  context: CommandContext,
) => Promise<ReturnOf<N>>;

/** One handler for every command of the schema, by wire name (a missing one does not compile). */
export type HandlerTable = { readonly [N in CommandName]: Handler<N> };
