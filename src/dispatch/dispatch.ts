/**
 * Request dispatch: checks the request envelope in qemu-ga's order, looks the command up,
 * applies the filter, validates arguments against the schema, runs the handler and serialises
 * the reply byte-exactly (or sends nothing for `success-response: false` commands).
 *
 * @module
 */

import type { CommandContext, HandlerTable } from "../commands/context.ts";
import { qdictOrder } from "../qobject/qdict_order.ts";
import { isQDict, type QValue } from "../qobject/value.ts";
import { QgaError } from "../schema/errors.ts";
import {
  type Command,
  type CommandName,
  COMMANDS,
  findCommand,
  sendsSuccessReply,
} from "../schema/schema.ts";
import type { ArgsOf } from "../schema/types.ts";
import type { CommandFilter } from "./filter.ts";
import { emptyReturn, errorReply, type Reply, replyBytes, replyOf } from "./reply.ts";
import { shapeValue } from "./shape.ts";
import { validateArgs } from "./validate.ts";

export { encodeError, encodeReply, type Reply, replyBytes, replyOf } from "./reply.ts";

/** What a {@link Dispatcher} needs. */
export interface DispatcherOptions {
  /** One handler per schema command, by wire name. */
  readonly handlers: HandlerTable;
  /** The block/allow/frozen filter. */
  readonly filter: CommandFilter;
  /** The context handed to every handler. */
  readonly context: CommandContext;
  /** Called for a handler exception that is not a {@link QgaError} (a bug). */
  readonly onInternalError?: (command: string, error: unknown) => void;
}

/** The length of the longest command name. */
const LONGEST_COMMAND_NAME = Math.max(...COMMANDS.map((command) => command.name.length));
/** The value of a command without a return type: `{}`. */
const EMPTY: QValue = {};

/** The `arguments` of a request without any (read only). */
const NO_ARGS: Map<string, QValue> = new Map();

/**
 * Checks the request envelope as qemu-ga does; returns the command name. A request made of
 * `execute` (a string), `arguments` (an object) and `id` alone cannot fail, in any member order:
 * that common case is told apart without ordering the members.
 */
function checkEnvelope(request: QValue): string {
  if (!isQDict(request)) throw new QgaError("QMP input must be a JSON object");
  const execute = request.get("execute");
  const args = request.get("arguments");
  const known = (execute === undefined ? 0 : 1) + (args === undefined ? 0 : 1) +
    (request.has("id") ? 1 : 0);
  if (
    known === request.size && typeof execute === "string" && (args === undefined || isQDict(args))
  ) {
    return execute;
  }
  let name: string | undefined;
  for (const key of qdictOrder([...request.keys()])) {
    const v = request.get(key)!;
    if (key === "execute") {
      if (typeof v !== "string") throw new QgaError("QMP input member 'execute' must be a string");
      name = v;
    } else if (key === "arguments") {
      if (!isQDict(v)) throw new QgaError("QMP input member 'arguments' must be an object");
    } else if (key !== "id") {
      throw QgaError.joined(["QMP input member '", key, "' is unexpected"]);
    }
  }
  if (name === undefined) throw new QgaError("QMP input lacks member 'execute'");
  return name;
}

/** The `arguments` of a request {@link checkEnvelope} accepted. */
function envelopeArgs(request: Map<string, QValue>): Map<string, QValue> {
  return (request.get("arguments") as Map<string, QValue> | undefined) ?? NO_ARGS;
}

/** Runs requests one at a time and produces their reply bytes. */
export class Dispatcher {
  #options: DispatcherOptions;
  #delimitNextReply = false;

  /** Creates a dispatcher over a handler table, a filter and a handler context. */
  constructor(options: DispatcherOptions) {
    this.#options = options;
  }

  /** Makes the next reply written start with 0xFF (used by `guest-sync-delimited`). */
  delimitNextReply(): void {
    this.#delimitNextReply = true;
  }

  /** True when `name` is registered and enabled by the filter. */
  isAvailable(name: string): boolean {
    return findCommand(name) !== undefined && this.#options.filter.isEnabled(name);
  }

  /**
   * Handles one parsed request: the reply bytes, or null when none is due — at once when the
   * handler answered at once, else a promise of them. The bytes are the caller's to write, not
   * to change (`{"return": {}}` is one shared array). See {@link answer} for the serve loop's
   * form, which keeps large replies in pieces.
   */
  dispatch(request: QValue): Uint8Array | null | Promise<Uint8Array | null> {
    const reply = this.answer(request);
    if (reply instanceof Promise) return reply.then((r) => (r === null ? null : replyBytes(r)));
    return reply === null ? null : replyBytes(reply);
  }

  /**
   * Handles one parsed request: its {@link Reply} (a large one in pieces), or null when none is
   * due — at once when the handler answered at once (no promise on the path of `guest-ping`),
   * else a promise of it.
   */
  answer(request: QValue): Reply | null | Promise<Reply | null> {
    const id = isQDict(request) ? request.get("id") : undefined;
    try {
      const command = this.#lookup(checkEnvelope(request));
      const result = this.#call(command, envelopeArgs(request as Map<string, QValue>));
      if (result instanceof Promise) return this.#replyLater(command, request, id, result);
      return this.#reply(command, id, result);
    } catch (error) {
      return this.#errorReply(request, error, id);
    }
  }

  /** Validates the arguments and runs the handler: its value, or its promise. */
  #call<N extends CommandName>(command: Command<N>, argsDict: Map<string, QValue>): unknown {
    const args: ArgsOf<N> = validateArgs(command, argsDict);
    return this.#options.handlers[command.name](args, this.#options.context);
  }

  /** The reply to a command whose handler answered `value`. */
  #reply(command: Command, id: QValue | undefined, value: unknown): Reply | null {
    const result = "returns" in command ? shapeValue(command.returns, value) : EMPTY;
    if (!sendsSuccessReply(command)) return null;
    const delimited = this.#delimitNextReply;
    this.#delimitNextReply = false;
    if (id === undefined && result === EMPTY) return emptyReturn(delimited);
    return replyOf(id === undefined ? { return: result } : { return: result, id }, delimited);
  }

  async #replyLater(
    command: Command,
    request: QValue,
    id: QValue | undefined,
    pending: Promise<unknown>,
  ): Promise<Reply | null> {
    try {
      return this.#reply(command, id, await pending);
    } catch (error) {
      return this.#errorReply(request, error, id);
    }
  }

  #errorReply(request: QValue, error: unknown, id: QValue | undefined): Reply {
    this.#delimitNextReply = false;
    return errorReply(this.#asQgaError(request, error), id);
  }

  #lookup(name: string): Command {
    // A name longer than any command's is not looked up: V8 would copy a large one to hash it.
    const command = name.length <= LONGEST_COMMAND_NAME ? findCommand(name) : undefined;
    if (!command) {
      throw QgaError.joined(["The command ", name, " has not been found"], "CommandNotFound");
    }
    const reason = this.#options.filter.disabledReason(name);
    if (reason !== undefined) {
      const suffix = reason ? `: ${reason}` : "";
      throw new QgaError(`Command ${name} has been disabled${suffix}`, "CommandNotFound");
    }
    return command;
  }

  #asQgaError(request: QValue, error: unknown): QgaError {
    if (error instanceof QgaError) return error;
    const name = isQDict(request) ? String(request.get("execute")) : "?";
    this.#options.onInternalError?.(name, error);
    const detail = error instanceof Error ? error.message : String(error);
    return new QgaError(`internal error in ${name}: ${detail}`);
  }
}
