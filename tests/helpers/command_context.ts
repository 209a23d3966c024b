/**
 * The in-process agent for command and dispatch tests: a `CommandContext` over the fake `Sys`
 * (or any `Sys`), and a `Dispatcher` over the real handler table with some handlers replaced —
 * the one way tests build either.
 *
 * @module
 */

import { Logger } from "../../src/agent/log.ts";
import type {
  CommandContext,
  CommandLog,
  CommandState,
  HandlerTable,
  ReplyControl,
} from "../../src/commands/context.ts";
import { FileHandleTable } from "../../src/commands/file/handles.ts";
import { type FreezeLog, FsfreezeService } from "../../src/commands/freeze/service.ts";
import { HANDLERS } from "../../src/commands/mod.ts";
import { Dispatcher } from "../../src/dispatch/dispatch.ts";
import { CommandFilter, type CommandFilterOptions } from "../../src/dispatch/filter.ts";
import type { Sys } from "../../src/sys/sys.ts";
import { FakeSys } from "./fake_sys/fake_sys.ts";
import { FakeTimers } from "./fake_sys/timers.ts";

/** A `CommandState` kept in memory: not frozen, handle ids from 1000. */
export class MemoryState implements CommandState {
  /** {@inheritDoc CommandState.frozen} */
  frozen = false;
  /** The next handle id. */
  next = 1000n;

  /** {@inheritDoc CommandState.takeHandle} */
  takeHandle(): bigint {
    return this.next++;
  }
}

/** Parts of a test context; the rest gets fakes. */
export interface TestContextOptions {
  /** Operating system (default: a fresh {@link FakeSys}). */
  readonly sys?: Sys;
  /** Frozen flag and handle ids (default: {@link MemoryState}). */
  readonly state?: CommandState;
  /** Log (default: a verbose logger that drops lines). */
  readonly log?: CommandLog;
  /** The guest-file handle table (default: a fresh one). */
  readonly files?: FileHandleTable;
  /** The freeze service (default: one over `sys` with fake timers and no hook). */
  readonly fsfreeze?: FsfreezeService;
  /** Dispatcher services (default: `delimitNextReply` does nothing, every command available). */
  readonly replies?: ReplyControl;
}

/** A context for calling handlers directly, or for a {@link testDispatcher}. */
export function testContext(options: TestContextOptions = {}): CommandContext {
  const sys = options.sys ?? new FakeSys();
  const state = options.state ?? new MemoryState();
  const log = options.log ?? new Logger(() => {}, true);
  const freezeLog: FreezeLog = {
    audit: (m) => log.audit(m),
    debug: (m) => log.debug(m),
    warning: (m) => log.warning(m),
    error: (m) => log.error(m),
    setEnabled: (enabled) => (log as Partial<FreezeLog>).setEnabled?.(enabled),
  };
  const frozen = {
    get frozen() {
      return state.frozen;
    },
    enterFrozen() {},
    leaveFrozen() {},
  };
  return {
    version: "test",
    state,
    log,
    sys,
    replies: options.replies ?? { delimitNextReply() {}, isAvailable: () => true },
    files: options.files ?? new FileHandleTable(),
    fsfreeze: options.fsfreeze ?? new FsfreezeService({
      sys,
      state: frozen,
      log: freezeLog,
      timers: new FakeTimers(),
    }),
  };
}

/** What a {@link testDispatcher} is built from. */
export interface TestDispatcherOptions {
  /** Handlers replacing the real ones (test doubles need not match the schema's types). */
  readonly handlers?: Readonly<Record<string, unknown>>;
  /** Parts of the context ({@link testContext}); its `replies` is always wired to the dispatcher. */
  readonly context?: TestContextOptions;
  /** Block/allow lists and frozen probe (default: everything enabled, not frozen). */
  readonly filter?: Partial<CommandFilterOptions>;
  /** Receives handler exceptions that are not `QgaError`s. */
  readonly onInternalError?: (command: string, error: unknown) => void;
}

/** A dispatcher over the real handler table (with `handlers` replaced) and a test context. */
export function testDispatcher(options: TestDispatcherOptions = {}): Dispatcher {
  const replies: ReplyControl = {
    delimitNextReply: () => dispatcher.delimitNextReply(),
    isAvailable: (name) => dispatcher.isAvailable(name),
  };
  const handlers = { ...HANDLERS, ...options.handlers } as HandlerTable;
  const dispatcher: Dispatcher = new Dispatcher({
    handlers,
    filter: new CommandFilter({ isFrozen: () => false, ...options.filter }),
    context: testContext({ ...options.context, replies }),
    onInternalError: options.onInternalError,
  });
  return dispatcher;
}
