/**
 * Test fixtures for the guest-file-* handlers: a real `AgentState` on a temporary state
 * directory, a capturing logger, a handle table and a byte-exact dispatcher over them.
 *
 * @module
 */

import { AgentState } from "../../../src/agent/agent_state.ts";
import { Logger } from "../../../src/agent/log.ts";
import type { AsyncHandler, CommandContext } from "../../../src/commands/context.ts";
import { HANDLERS } from "../../../src/commands/mod.ts";
import { commandsWith } from "../../../src/schema/schema.ts";
import {
  FileHandleTable,
  type FileHandleTableOptions,
} from "../../../src/commands/file/handles.ts";
import type { QDict, QValue } from "../../../src/qobject/value.ts";
import { PlainText } from "../../../src/qobject/value.ts";
import type { GuestFiles } from "../../../src/sys/files/files.ts";
import { linuxSys } from "../../../src/sys/linux.ts";
import { testContext, testDispatcher } from "../../helpers/command_context.ts";

type FileCommand =
  | "guest-file-open"
  | "guest-file-close"
  | "guest-file-read"
  | "guest-file-write"
  | "guest-file-seek"
  | "guest-file-flush";

/** The six guest-file handlers of the agent's table (all asynchronous), by wire name. */
export const FILE_HANDLERS = Object.fromEntries(
  commandsWith("file").map((name) => [name, HANDLERS[name]]),
) as { readonly [N in FileCommand]: AsyncHandler<N> };

/** A temporary directory, a context over it and the file handlers bound to a fresh table. */
export interface Fixture extends AsyncDisposable {
  /** Temporary directory holding `state/` and any test files. */
  readonly dir: string;
  /** The state directory (`<dir>/state`). */
  readonly statedir: string;
  /** The handler context. */
  readonly ctx: CommandContext;
  /** The handle table the handlers use. */
  readonly table: FileHandleTable;
  /** The six file handlers. */
  readonly h: typeof FILE_HANDLERS;
  /** Audit messages logged so far (text after `info: `). */
  readonly audit: string[];
  /** Sends one request (plain data) through a dispatcher; resolves to the reply text. */
  request(request: Record<string, unknown>): Promise<string>;
}

/** A logger that records audit lines (text after `info: `) into `audit`. */
function auditLog(audit: string[]): Logger {
  const log = new Logger(() => {}, true);
  log.setAuditSink((line) => audit.push(line.replace(/^info: /, "")));
  return log;
}

/**
 * Builds a context around `state` (real files, `linuxSys()`: guest files anywhere unless
 * `guestFiles` says otherwise) recording audit lines.
 */
export function makeContext(
  state: AgentState,
  audit: string[],
  files: FileHandleTable = new FileHandleTable(),
  guestFiles?: GuestFiles,
): CommandContext {
  const sys = linuxSys("/", guestFiles ? { files: guestFiles } : {});
  return testContext({ sys, state, log: auditLog(audit), files });
}

/** Turns plain data into the parser's value model (objects → Maps, numbers → bigint). */
export function q(v: unknown): QValue {
  if (Array.isArray(v)) return v.map(q);
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  if (v !== null && typeof v === "object" && !(v instanceof Uint8Array)) {
    return new Map(Object.entries(v).map(([k, x]) => [k, q(x)])) as QDict;
  }
  return v as QValue;
}

/**
 * Creates a fixture; dispose it (`await using`) to close handles and delete the directory.
 *
 * @param options The handle table's options.
 * @param guestFiles Given a directory (the fixture's), the guest-file domain to use (default:
 *   anywhere, as profile `full`).
 */
export async function fixture(
  options: FileHandleTableOptions = {},
  guestFiles?: (dir: string) => GuestFiles,
): Promise<Fixture> {
  const dir = await Deno.makeTempDir({ prefix: "qga-file-test-" });
  const statedir = `${dir}/state`;
  await Deno.mkdir(statedir);
  const audit: string[] = [];
  const state = AgentState.load(statedir, new Logger(() => {}));
  const table = new FileHandleTable(options);
  const ctx = makeContext(state, audit, table, guestFiles?.(dir));
  const h = FILE_HANDLERS;
  const dispatcher = testDispatcher({ context: ctx });
  const decoder = new TextDecoder();
  return {
    dir,
    statedir,
    ctx,
    table,
    h,
    audit,
    async request(request) {
      const reply = await dispatcher.dispatch(q(request));
      return reply === null ? "" : decoder.decode(reply);
    },
    async [Symbol.asyncDispose]() {
      await table.closeAll();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** A `guest-file-read` result's `buf-b64` as the handler returns it. */
export function plain(base64: string): PlainText {
  return new PlainText(base64);
}

/** Base64 of a string's UTF-8 bytes. */
export function b64(text: string): string {
  return new TextEncoder().encode(text).toBase64();
}

/** Expected `QgaError` shape for `assert.rejects`. */
export function qgaError(desc: string): { name: string; message: string } {
  return { name: "QgaError", message: desc };
}

/** Permission bits of a path. */
export function permBits(path: string): number {
  return Deno.statSync(path).mode! & 0o7777;
}
