/**
 * TypeScript types of arguments and return values, computed from the schema data in
 * `./schema.ts` — so a handler's signature cannot drift from what dispatch validates.
 *
 * Mapping: `int`/`uint64` → `bigint` (never a double), `str` → `string`, `bool` → `boolean`,
 * `number` → `number`, lists → arrays, structs → objects with the wire member names, enums →
 * string literal unions, alternates → the union of their branches; a `plain` return member →
 * `PlainText` or `Base64Data`.
 *
 * @module
 */

import type { Base64Data, PlainText } from "../qobject/value.ts";
import type { COMMANDS } from "./command_table.ts";
import type { TYPES } from "./type_table.ts";

type Types = typeof TYPES;
type Commands = (typeof COMMANDS)[number];

interface Member {
  readonly name: string;
  readonly type: unknown;
  readonly optional?: boolean;
  readonly plain?: boolean;
}

/**
 * The type of one member: its schema type, or for `plain` members {@link PlainText} (or
 * {@link Base64Data}: file data written as base64).
 */
type MemberType<E extends Member> = E["plain"] extends true ? PlainText | Base64Data
  : TypeOf<E["type"]>;

type Simplify<T> = { [K in keyof T]: T[K] } & unknown;

/** The object type of a member list (required members required, optional ones optional). */
export type StructType<M extends readonly Member[]> = Simplify<
  & { [E in M[number] as E["optional"] extends true ? never : E["name"]]: MemberType<E> }
  & { [E in M[number] as E["optional"] extends true ? E["name"] : never]?: MemberType<E> }
>;

type NamedType<D> = D extends { kind: "struct"; members: infer M extends readonly Member[] }
  ? StructType<M>
  : D extends { kind: "enum"; values: readonly (infer V)[] } ? V
  : D extends { kind: "alternate"; branches: infer B } ? TypeOf<B[keyof B]>
  : never;

/** The TypeScript type of a schema type reference. */
export type TypeOf<T> = T extends "int" | "uint64" ? bigint
  : T extends "str" ? string
  : T extends "bool" ? boolean
  : T extends "number" ? number
  : T extends { list: infer E } ? TypeOf<E>[]
  : T extends keyof Types ? NamedType<Types[T]>
  : never;

/** The validated arguments a command's handler receives. */
export type ArgsOf<N extends Commands["name"]> = Extract<Commands, { name: N }> extends
  { args: infer M extends readonly Member[] } ? StructType<M>
  : Record<string, never>;

/** What a command's handler returns (`void` for commands without a declared return type). */
export type ReturnOf<N extends Commands["name"]> = Extract<Commands, { name: N }> extends
  { returns: infer R } ? TypeOf<R>
  : void;

/** The TypeScript type of a named schema type, e.g. `Named<"GuestFileRead">`. */
export type Named<N extends keyof Types> = NamedType<Types[N]>;
