/**
 * Request dispatch: checks the request envelope in qemu-ga's order, looks the command up,
 * applies the filter, validates arguments against the schema, runs the handler and serialises
 * the reply byte-exactly (or sends nothing for `success-response: false` commands).
 *
 * @module
 */

import type { CommandContext, HandlerTable } from "../commands/context.ts";
import { qdictOrder } from "../qobject/qdict_order.ts";
import { isQDict, JoinedText, type QValue } from "../qobject/value.ts";
import { toJsonParts } from "../qobject/writer.ts";
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
import { shapeValue } from "./shape.ts";
import { validateArgs } from "./validate.ts";

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

const encoder = new TextEncoder();
const DELIMITER = 0xFF;
/** The length of the longest command name. */
const LONGEST_COMMAND_NAME = Math.max(...COMMANDS.map((command) => command.name.length));
/** Replies with a piece at least this long are encoded piece by piece. */
const BIG_PART = 64 * 1024;

/** Encodes one reply line: qemu-ga's JSON text plus `\n`, optionally after a 0xFF byte. */
export function encodeReply(reply: QValue, delimited = false): Uint8Array {
  // The writer's output is pure ASCII (one byte per UTF-16 unit), so lengths are byte counts.
  const parts = toJsonParts(reply);
  let length = 0;
  let largest = 0;
  for (const part of parts) {
    length += part.length;
    if (part.length > largest) largest = part.length;
  }
  const skip = delimited ? 1 : 0;
  const out = new Uint8Array(skip + length + 1);
  if (delimited) out[0] = DELIMITER;
  if (largest < BIG_PART) {
    encoder.encodeInto(parts.join(""), skip === 0 ? out : out.subarray(skip));
  } else {
    // A large piece (file data) is copied straight into place: joining would copy it once more.
    let at = skip;
    for (const part of parts) {
      if (part.length < 64) {
        for (let i = 0; i < part.length; i++) out[at + i] = part.charCodeAt(i);
      } else {
        encoder.encodeInto(part, out.subarray(at, at + part.length));
      }
      at += part.length;
    }
  }
  out[out.length - 1] = 0x0a;
  return out;
}

/** Encodes an error reply, with the request's `id` when one was seen. */
export function encodeError(error: QgaError, id?: QValue): Uint8Array {
  // A text joined around a piece of input is written piece by piece.
  const pieces = error.descPieces;
  const desc = pieces === undefined ? error.desc : new JoinedText(pieces);
  const body = { class: error.errorClass, desc };
  return encodeReply(id === undefined ? { error: body } : { error: body, id });
}

function checkEnvelope(request: QValue): { name: string; args: Map<string, QValue> } {
  if (!isQDict(request)) throw new QgaError("QMP input must be a JSON object");
  let name: string | undefined;
  let args: Map<string, QValue> | undefined;
  for (const key of qdictOrder([...request.keys()])) {
    const v = request.get(key)!;
    if (key === "execute") {
      if (typeof v !== "string") throw new QgaError("QMP input member 'execute' must be a string");
      name = v;
    } else if (key === "arguments") {
      if (!isQDict(v)) throw new QgaError("QMP input member 'arguments' must be an object");
      args = v;
    } else if (key !== "id") {
      throw QgaError.joined(["QMP input member '", key, "' is unexpected"]);
    }
  }
  if (name === undefined) throw new QgaError("QMP input lacks member 'execute'");
  return { name, args: args ?? new Map() };
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

  /** Handles one parsed request; resolves to the reply bytes, or null when none is due. */
  async dispatch(request: QValue): Promise<Uint8Array | null> {
    const id = isQDict(request) ? request.get("id") : undefined;
    try {
      const { name, args } = checkEnvelope(request);
      const command = this.#lookup(name);
      const result = await this.#run(command, args);
      if (!sendsSuccessReply(command)) return null;
      const delimited = this.#delimitNextReply;
      this.#delimitNextReply = false;
      return encodeReply(id === undefined ? { return: result } : { return: result, id }, delimited);
    } catch (error) {
      this.#delimitNextReply = false;
      return encodeError(this.#asQgaError(request, error), id);
    }
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

  async #run<N extends CommandName>(
    command: Command<N>,
    argsDict: Map<string, QValue>,
  ): Promise<QValue> {
    const args: ArgsOf<N> = validateArgs(command, argsDict);
    const handler = this.#options.handlers[command.name];
    const value = await handler(args, this.#options.context);
    return "returns" in command ? shapeValue(command.returns, value) : {};
  }

  #asQgaError(request: QValue, error: unknown): QgaError {
    if (error instanceof QgaError) return error;
    const name = isQDict(request) ? String(request.get("execute")) : "?";
    this.#options.onInternalError?.(name, error);
    const detail = error instanceof Error ? error.message : String(error);
    return new QgaError(`internal error in ${name}: ${detail}`);
  }
}
