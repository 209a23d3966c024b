/**
 * In-process guest-exec sessions for the handler tests: the real dispatcher and handlers over a
 * fake `Sys` (no program is ever started), a log that records its lines, and `ask()`, which
 * parses one request and returns the exact reply text.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { CommandLog } from "../../../src/commands/context.ts";
import {
  type ExecLimits,
  type ExecTable,
  execTableOf,
} from "../../../src/commands/exec/records.ts";
import type { Dispatcher } from "../../../src/dispatch/dispatch.ts";
import { JsonMessageStream } from "../../../src/stream/json_stream.ts";
import { testDispatcher } from "../../helpers/command_context.ts";
import { FakeSys, type FakeSysOptions } from "../../helpers/fake_sys/fake_sys.ts";

/** A log that keeps `level: message` lines. */
export class RecordingLog implements CommandLog {
  /** Every line, in order. */
  readonly lines: string[] = [];
  /** {@inheritDoc CommandLog.audit} */
  audit(message: string): void {
    this.lines.push(`audit: ${message}`);
  }
  /** {@inheritDoc CommandLog.debug} */
  debug(message: string): void {
    this.lines.push(`debug: ${message}`);
  }
  /** {@inheritDoc CommandLog.warning} */
  warning(message: string): void {
    this.lines.push(`warning: ${message}`);
  }
  /** {@inheritDoc CommandLog.error} */
  error(message: string): void {
    this.lines.push(`error: ${message}`);
  }
}

/** A dispatcher over a fake `Sys`, with its log and exec table. */
export interface ExecSession {
  /** The fake operating system. */
  readonly sys: FakeSys;
  /** The recorded log. */
  readonly log: RecordingLog;
  /** The agent's exec record table. */
  readonly table: ExecTable;
  /** The dispatcher. */
  readonly dispatcher: Dispatcher;
  /** Sends one request (text) and returns the reply text without its newline. */
  ask(request: string): Promise<string>;
}

/** Starts a session; `limits` bound its exec table (default: the production bounds). */
export function execSession(options: FakeSysOptions = {}, limits?: ExecLimits): ExecSession {
  const sys = new FakeSys(options);
  const log = new RecordingLog();
  const table = execTableOf(sys.processes, limits);
  const dispatcher = testDispatcher({ context: { sys, log } });
  return {
    sys,
    log,
    table,
    dispatcher,
    async ask(request: string): Promise<string> {
      const events = new JsonMessageStream().feed(new TextEncoder().encode(request));
      assert.equal(events.length, 1, request);
      const event = events[0]!;
      assert.ok("value" in event, request);
      const reply = await dispatcher.dispatch(event.value);
      assert.ok(reply, request);
      return new TextDecoder().decode(reply).replace(/\n$/, "");
    },
  };
}

/** `{"execute":"guest-exec","arguments":<args>}`. */
export function exec(args: Record<string, unknown>): string {
  return JSON.stringify({ execute: "guest-exec", arguments: args });
}

/** `{"execute":"guest-exec-status","arguments":{"pid":<pid>}}`. */
export function status(pid: number | bigint | string): string {
  return `{"execute":"guest-exec-status","arguments":{"pid":${pid}}}`;
}

/** Lets queued stream reads and promise callbacks run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setTimeout(resolve, 0));
}

/** A GenericError reply with `desc`. */
export function genericError(desc: string): string {
  return JSON.stringify({ error: { class: "GenericError", desc } }).replace(/":/g, '": ')
    .replace(/,"/g, ', "');
}
