/**
 * Argument validation driven by the schema, with qemu-ga's exact messages and visiting order.
 *
 * Members are visited in schema order and the first problem wins; unknown members are reported
 * only after every declared member was read. Paths name nested members as qemu-ga does:
 * `id`, `a.b`, `vcpus[0].online`.
 *
 * @module
 */

import { firstLeftOver } from "../qobject/ghash_order.ts";
import { qdictOrder } from "../qobject/qdict_order.ts";
import { INT64_MAX, INT64_MIN, isQDict, type QDict, type QValue } from "../qobject/value.ts";
import {
  type Command,
  type CommandDef,
  type CommandName,
  type MemberDef,
  namedType,
  type TypeRef,
} from "../schema/schema.ts";
import type { ArgsOf } from "../schema/types.ts";
import { QgaError } from "../schema/errors.ts";

const UINT64_MOD = 2n ** 64n;
/** What a handler without arguments receives (one frozen object, no allocation per request). */
const NO_ARGS: Record<string, never> = Object.freeze({});

function typeError(path: string, expected: string): QgaError {
  return new QgaError(`Invalid parameter type for '${path}', expected: ${expected}`);
}

function jsonTypeOf(v: QValue): "int" | "str" | "bool" | "other" {
  if (typeof v === "bigint" || typeof v === "number") return "int";
  if (typeof v === "string") return "str";
  if (typeof v === "boolean") return "bool";
  return "other";
}

function visitType(type: TypeRef, v: QValue, path: string): unknown {
  if (typeof type === "object") {
    if (!Array.isArray(v)) throw typeError(path, "array");
    return v.map((item, i) => visitType(type.list, item, `${path}[${i}]`));
  }
  switch (type) {
    case "int":
      if (typeof v !== "bigint" || v < INT64_MIN || v > INT64_MAX) throw typeError(path, "integer");
      return v;
    case "uint64":
      if (typeof v !== "bigint") throw new QgaError(`Parameter '${path}' expects uint64`);
      return v < 0n ? v + UINT64_MOD : v;
    case "str":
      if (typeof v !== "string") throw typeError(path, "string");
      return v;
    case "bool":
      if (typeof v !== "boolean") throw typeError(path, "boolean");
      return v;
    case "number":
      if (typeof v === "bigint") return Number(v);
      if (typeof v !== "number") throw typeError(path, "number");
      return v;
  }
  const def = namedType(type);
  switch (def.kind) {
    case "struct":
      if (!isQDict(v)) throw typeError(path, "object");
      return visitMembers(def.members, v, `${path}.`);
    case "enum":
      if (typeof v !== "string") throw typeError(path, "string");
      if (!def.values.includes(v)) {
        throw new QgaError(`Parameter '${path}' does not accept value '${v}'`);
      }
      return v;
    case "alternate": {
      const branch = def.branches[jsonTypeOf(v) as "int" | "str" | "bool"];
      if (branch === undefined) throw typeError(path, type);
      return visitType(branch, v, path);
    }
  }
}

/**
 * Validates the members of an object against a member list and returns a plain object with
 * converted values (`prefix` is `""` at top level, `"a."` inside member `a`).
 *
 * With several unexpected members, the one named is the one qemu-ga names: the first left in
 * its GLib hash table after it inserted every member name (in QDict order) and removed those it
 * read (in schema order). One unexpected member needs no such replay.
 */
export function visitMembers(
  members: readonly MemberDef[],
  dict: QDict,
  prefix = "",
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let present = 0;
  for (const m of members) {
    const v = dict.get(m.name);
    if (v === undefined) {
      if (m.optional) continue;
      throw new QgaError(`Parameter '${prefix}${m.name}' is missing`);
    }
    out[m.name] = visitType(m.type, v, prefix + m.name);
    present++;
  }
  if (dict.size > present) {
    throw new QgaError(
      `Parameter '${prefix}${unexpectedMember(members, dict, present)}' is unexpected`,
    );
  }
  return out;
}

/** The unexpected member qemu-ga names, given that `dict` has `present` declared members. */
function unexpectedMember(members: readonly MemberDef[], dict: QDict, present: number): string {
  const isDeclared = (key: string) => members.some((m) => m.name === key);
  if (dict.size - present === 1) {
    for (const key of dict.keys()) if (!isDeclared(key)) return key;
  }
  const read = members.filter((m) => dict.has(m.name)).map((m) => m.name);
  return firstLeftOver(qdictOrder([...dict.keys()]), read)!;
}

/**
 * Validates a request's `arguments` against command `N`'s schema entry.
 *
 * @returns The arguments as its handler receives them.
 * @throws QgaError with qemu-ga's text for the first problem.
 */
export function validateArgs<N extends CommandName>(command: Command<N>, dict: QDict): ArgsOf<N> {
  const def: CommandDef = command;
  if (def.args === undefined && dict.size === 0) return NO_ARGS as ArgsOf<N>;
  // visitMembers() has just checked every member against this very list, which is what
  // `ArgsOf<N>` is computed from: the one place where a runtime check establishes a static type.
  return visitMembers(def.args ?? [], dict) as ArgsOf<N>;
}
