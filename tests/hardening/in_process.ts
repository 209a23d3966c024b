/**
 * The agent's request pipeline in-process, for fuzzing at volume: one persistent
 * {@linkcode JsonMessageStream} (as the serve loop keeps one across clients) feeding a real
 * {@linkcode Dispatcher} with the real handlers of the harmless commands, and the checks every
 * reply must pass.
 *
 * The harmless commands are the schema's `read` and `file` ones ({@linkcode SAFE_COMMANDS}),
 * with the real `Sys` and `guest-file-open` confined to one directory (a path outside it answers
 * a GenericError as a sandbox denial would). Every `change` command (shutdown, suspend, set-time,
 * freeze, fstrim, set-vcpus) and every `exec` one (guest-exec, guest-exec-status: a fuzzed path
 * could name a real program) gets a handler that only answers an error, so its arguments are
 * still validated and then nothing runs.
 *
 * @module
 */

import { AgentState } from "../../src/agent/agent_state.ts";
import { Logger } from "../../src/agent/log.ts";
import type { CommandContext } from "../../src/commands/context.ts";
import { FileHandleTable } from "../../src/commands/file/handles.ts";
import { HANDLERS } from "../../src/commands/mod.ts";
import { type Dispatcher, encodeError } from "../../src/dispatch/dispatch.ts";
import { isQDict, type QValue } from "../../src/qobject/value.ts";
import { QgaError } from "../../src/schema/errors.ts";
import { commandsWith } from "../../src/schema/schema.ts";
import { JsonMessageStream, type StreamEvent } from "../../src/stream/json_stream.ts";
import { linuxSys } from "../../src/sys/linux.ts";
import { testDispatcher } from "../helpers/command_context.ts";

/** Commands whose real handlers the in-process agent runs: everything but `change` and `exec`. */
export const SAFE_COMMANDS: readonly string[] = [...commandsWith("read"), ...commandsWith("file")];

/** An in-process agent: stream + dispatcher, and what went wrong inside it. */
export class InProcessAgent {
  /** The message stream (state persists across {@link feed} calls). */
  readonly stream = new JsonMessageStream();
  /** The dispatcher. */
  readonly dispatcher: Dispatcher;
  /** Handler exceptions that were not QgaErrors (bugs): command and error. */
  readonly internalErrors: string[] = [];
  /** The handle table (to close everything at the end). */
  readonly files = new FileHandleTable();

  /** Creates the agent; `dir` is its state directory and the only directory files open in. */
  constructor(readonly dir: string) {
    const log = new Logger(() => {});
    const state = AgentState.load(dir, log);
    const handlers: Record<string, unknown> = {};
    for (const name of [...commandsWith("change"), ...commandsWith("exec")]) {
      handlers[name] = () => {
        throw new QgaError(`${name} is not run by the in-process fuzz`);
      };
    }
    const open = HANDLERS["guest-file-open"];
    handlers["guest-file-open"] = (args: { path: string; mode?: string }, ctx: CommandContext) => {
      if (!args.path.startsWith(`${dir}/`) || args.path.includes("/..")) {
        throw new QgaError(`failed to open file '${args.path}': outside the fuzz directory`);
      }
      return open(args, ctx);
    };
    this.dispatcher = testDispatcher({
      handlers,
      context: { sys: linuxSys(), state, log, files: this.files },
      filter: { isFrozen: () => state.frozen },
      onInternalError: (name, error) =>
        this.internalErrors.push(`${name}: ${error instanceof Error ? error.stack : error}`),
    });
  }

  /** Answers one stream event as the serve loop does: reply bytes, or null for no reply. */
  async answer(event: StreamEvent): Promise<Uint8Array | null> {
    return "value" in event
      ? await this.dispatcher.dispatch(event.value)
      : encodeError(new QgaError(event.error));
  }

  /** Closes every open handle. */
  async close(): Promise<void> {
    await this.files.closeAll();
  }
}

/** Loose equality of two JSON values as the wire shows them (numbers compared by value). */
function sameValue(a: QValue, b: QValue): boolean {
  if (
    (typeof a === "bigint" || typeof a === "number") &&
    (typeof b === "bigint" || typeof b === "number")
  ) {
    return Number(a) === Number(b) || (Number.isNaN(Number(a)) && Number.isNaN(Number(b)));
  }
  if (typeof a !== typeof b) return false;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]!));
  }
  if (isQDict(a)) {
    return isQDict(b) && a.size === b.size &&
      [...a].every(([k, v]) => b.has(k) && sameValue(v, b.get(k)!));
  }
  return a === b;
}

/** True when `v` holds a double that the writer prints as `inf`/`nan` (not JSON). */
function hasNonFinite(v: QValue | undefined): boolean {
  if (typeof v === "number") return !Number.isFinite(v);
  if (Array.isArray(v)) return v.some(hasNonFinite);
  if (isQDict(v)) return [...v.values()].some(hasNonFinite);
  return false;
}

/**
 * Checks one reply against the request event it answers; returns what is wrong, or undefined.
 *
 * A reply is one line of printable ASCII ending in `\n`, preceded by 0xFF only for a successful
 * `guest-sync-delimited`; it parses (with the agent's own parser) to an object with `return` or
 * an `error` of class GenericError/CommandNotFound with a string `desc`; it echoes the request's
 * `id` if and only if the request was an object with one.
 */
export function checkReply(event: StreamEvent, reply: Uint8Array | null): string | undefined {
  if (reply === null) return "no reply";
  let body = reply;
  const delimited = reply[0] === 0xFF;
  if (delimited) body = reply.subarray(1);
  if (body.length === 0 || body[body.length - 1] !== 0x0A) return "reply does not end with \\n";
  for (let i = 0; i < body.length - 1; i++) {
    const b = body[i]!;
    if (b < 0x20 || b > 0x7E) return `reply byte ${i} is 0x${b.toString(16)}`;
  }
  const request = "value" in event ? event.value : undefined;
  const id = isQDict(request) ? request.get("id") : undefined;
  if (hasNonFinite(id)) return undefined; // `inf`/`nan` are echoed as qemu-ga does: not JSON
  const events = new JsonMessageStream().feed(body);
  if (events.length !== 1 || !("value" in events[0]!)) return "reply is not one JSON value";
  const value = events[0].value;
  if (!isQDict(value)) return "reply is not an object";
  const keys = [...value.keys()].filter((k) => k !== "id").join(",");
  if (keys === "error") {
    const error = value.get("error")!;
    if (!isQDict(error) || [...error.keys()].join(",") !== "class,desc") return "bad error body";
    const cls = error.get("class");
    if (cls !== "GenericError" && cls !== "CommandNotFound") return `error class ${cls}`;
    if (typeof error.get("desc") !== "string") return "desc is not a string";
    if (delimited) return "0xFF before an error reply";
  } else if (keys === "return") {
    const name = isQDict(request) ? request.get("execute") : undefined;
    if (delimited !== (name === "guest-sync-delimited")) return "0xFF placement";
  } else {
    return `reply members ${keys}`;
  }
  if (id === undefined) return value.has("id") ? "id echoed without one" : undefined;
  if (!value.has("id")) return "id not echoed";
  return sameValue(id, value.get("id")!) ? undefined : "id echoed differently";
}
