/**
 * The command and type schema of qga-deno, as data.
 *
 * This is QEMU's `qga/qapi-schema.json` idea without a generator: argument validation and its
 * error texts (`../dispatch/validate.ts`), reply shaping (`../dispatch/shape.ts`), `guest-info`,
 * the `-b help` list, the handlers' TypeScript types (`./types.ts`) and the completeness of the
 * handler table (`../commands/mod.ts`) are all derived from the two tables — commands in
 * `./command_table.ts`, types in `./type_table.ts` (shapes in `./defs.ts`); so are the test
 * suites' lists of commands (which may run on a host, which the VM compares with qemu-ga) and
 * the README's command table. This module looks them up. Adding a command: README, "Adding a
 * command".
 *
 * @module
 */

import { COMMANDS } from "./command_table.ts";
import type { CommandDef, CommandEffect, TypeDef } from "./defs.ts";
import { TYPES } from "./type_table.ts";

export { COMMANDS } from "./command_table.ts";
export type {
  BuiltinType,
  CommandDef,
  CommandEffect,
  MemberDef,
  TypeDef,
  TypeRef,
} from "./defs.ts";
export { TYPES } from "./type_table.ts";

/** Wire name of a command in {@link COMMANDS}. */
export type CommandName = (typeof COMMANDS)[number]["name"];

/** The schema entry of command `N` (of any command by default), with its literal types. */
export type Command<N extends CommandName = CommandName> = Extract<
  (typeof COMMANDS)[number],
  { readonly name: N }
>;

/** The commands allowed while filesystems are frozen (qemu-ga's freeze allow-list). */
export const FROZEN_ALLOWED: ReadonlySet<string> = new Set([
  "guest-ping",
  "guest-info",
  "guest-sync",
  "guest-sync-delimited",
  "guest-fsfreeze-status",
  "guest-fsfreeze-thaw",
]);

const byName: ReadonlyMap<string, Command> = new Map(COMMANDS.map((c) => [c.name, c]));

/** Looks up a command definition by its exact (case-sensitive) wire name. */
export function findCommand(name: string): Command | undefined {
  return byName.get(name);
}

/** True when success sends a reply (false for shutdown and suspend). */
export function sendsSuccessReply(command: CommandDef): boolean {
  return command.successResponse !== false;
}

/** True when a command needs no argument: it can be sent as `{"execute": "<name>"}`. */
export function runsWithoutArguments(command: CommandDef): boolean {
  return !(command.args ?? []).some((member) => member.optional !== true);
}

/** The commands with effect `effect`, in schema order. */
export function commandsWith(effect: CommandEffect): CommandName[] {
  return COMMANDS.filter((c) => c.effect === effect).map((c) => c.name);
}

/** Looks up a named type; throws for a name the schema does not define (a schema bug). */
export function namedType(name: string): TypeDef {
  const t = (TYPES as Record<string, TypeDef>)[name];
  if (!t) throw new TypeError(`Schema names unknown type '${name}'`);
  return t;
}
