/**
 * What every command handler receives, and the handler type derived from the schema.
 *
 * @module
 */

import type { AgentState } from "../agent/agent_state.ts";
import type { Logger } from "../agent/log.ts";
import type { CommandName } from "../schema/schema.ts";
import type { ArgsOf, ReturnOf } from "../schema/types.ts";
import type { Sys } from "../sys/sys.ts";
import type { FileHandleTable } from "./file/handles.ts";
import type { FsfreezeService } from "./freeze/service.ts";

/** Services of the dispatcher that some commands need. */
export interface ReplyControl {
  /** Makes the next reply start with 0xFF (`guest-sync-delimited`). */
  delimitNextReply(): void;
  /** True when a command is registered, enabled and implemented (for `guest-info`). */
  isAvailable(name: string): boolean;
}

/** The context handed to every handler. */
export interface CommandContext {
  /** Version string reported by `guest-info`. */
  readonly version: string;
  /** Frozen flag and persistent counters. */
  readonly state: AgentState;
  /** The agent's logger (audit lines go through `log.audit`). */
  readonly log: Logger;
  /** Operating-system access. */
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

/** A table of handlers by wire name. */
export type HandlerTable = { readonly [N in CommandName]?: Handler<N> };
