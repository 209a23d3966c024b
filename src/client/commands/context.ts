/**
 * What a subcommand gets ({@linkcode CommandContext}) and what it is ({@linkcode ClientCommand}):
 * its name, usage, options and `run`, which returns the exit code.
 *
 * @module
 */

import type { OptionSpec, Parsed } from "../command_line.ts";
import { UsageError } from "../errors.ts";
import { type ClientIo, writeLines, writeText } from "../io.ts";
import { type Json, toJsonText } from "../json.ts";
import type { Session } from "../session.ts";

/** What a subcommand can use. */
export interface CommandContext {
  /** The process's streams and environment. */
  readonly io: ClientIo;
  /** `--json`: print the agent's return values as JSON instead of human output. */
  readonly json: boolean;
  /** The subcommand's options and operands. */
  readonly parsed: Parsed;
  /** The reply timeout: the user's `--timeout`, else `defaultMs`. */
  timeout(defaultMs: number): number;
  /** The session with the agent (connected and synchronised on first use). */
  session(): Promise<Session>;
}

/** A subcommand of the client. */
export interface ClientCommand {
  /** The word that selects it. */
  readonly name: string;
  /** Operands as shown in help, e.g. `HOST_PATH guest:PATH`. */
  readonly usage: string;
  /** One line of help. */
  readonly summary: string;
  /** Its own options (the global ones are accepted too). */
  readonly options?: readonly OptionSpec[];
  /** Option parsing stops at the first operand (the guest program of `exec`). */
  readonly stopAtOperand?: boolean;
  /** Runs it; resolves to the exit code. */
  run(ctx: CommandContext): Promise<number>;
}

/** The default reply timeout of ordinary commands. */
export const DEFAULT_TIMEOUT_MS = 30_000;

/** The default timeout of commands that may take long in the guest (freeze, thaw, trim). */
export const LONG_TIMEOUT_MS = 600_000;

/**
 * The operands of a subcommand, checked against a count.
 *
 * @param ctx The context.
 * @param min Fewest operands.
 * @param max Most operands.
 * @returns The operands.
 * @throws UsageError if there are fewer or more.
 */
export function operands(ctx: CommandContext, min: number, max: number = min): string[] {
  const list = ctx.parsed.operands;
  if (list.length < min) throw new UsageError(`Missing operand${min - list.length > 1 ? "s" : ""}`);
  if (list.length > max) throw new UsageError(`Unexpected operand '${list[max]}'`);
  return list;
}

/** Prints lines on stdout. */
export function print(ctx: CommandContext, lines: readonly string[]): Promise<void> {
  return writeLines(ctx.io.stdout, lines);
}

/** Prints a value as (pretty, exact) JSON on stdout. */
export function printJson(ctx: CommandContext, value: unknown): Promise<void> {
  return writeText(ctx.io.stdout, toJsonText(value, 2) + "\n");
}

/** Prints a line on stderr (warnings, notes). */
export function warn(ctx: CommandContext, line: string): Promise<void> {
  return writeText(ctx.io.stderr, line + "\n");
}

/**
 * Runs a command and prints its return value: as JSON with `--json`, else through `human`.
 *
 * @param ctx The context.
 * @param command The agent command.
 * @param human Lines for people from the return value.
 * @param args Its arguments.
 * @param defaultTimeoutMs Its reply timeout unless `--timeout` is given.
 * @returns Exit code 0.
 */
export async function show(
  ctx: CommandContext,
  command: string,
  human: (value: Json) => string[],
  args?: Record<string, unknown>,
  defaultTimeoutMs: number = DEFAULT_TIMEOUT_MS,
): Promise<number> {
  const session = await ctx.session();
  const value = await session.execute(command, args, ctx.timeout(defaultTimeoutMs));
  if (ctx.json) await printJson(ctx, value);
  else await print(ctx, human(value));
  return 0;
}
