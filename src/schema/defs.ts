/**
 * The shapes of the schema's data: type references, members, named types and commands. The
 * tables themselves are `./type_table.ts` and `./command_table.ts`; `./schema.ts` looks them up.
 *
 * Type references: `"int"` (int64), `"uint64"`, `"str"`, `"bool"`, `"number"` (double),
 * `{ list: T }`, or the name of an entry of the type table. A return member marked `plain` is a
 * `str` that the handler hands over as a `PlainText` (written without an escape scan).
 *
 * @module
 */

/** A reference to a builtin type, a list, or a named type of {@link TYPES}. */
export type TypeRef = BuiltinType | string | { readonly list: TypeRef };
/** Builtin scalar types. */
export type BuiltinType = "int" | "uint64" | "str" | "bool" | "number";

/** One member of a struct or of a command's arguments, in schema order. */
export interface MemberDef {
  readonly name: string;
  readonly type: TypeRef;
  readonly optional?: boolean;
  /**
   * Return members only: the handler supplies the string as a `PlainText` (it vouches
   * that no character needs escaping), so the writer does not scan it. The wire type is
   * unchanged.
   */
  readonly plain?: boolean;
}

/** A named type: a struct, an enum, or an alternate (chosen by JSON type). */
export type TypeDef =
  | { readonly kind: "struct"; readonly members: readonly MemberDef[] }
  | { readonly kind: "enum"; readonly values: readonly string[] }
  | {
    readonly kind: "alternate";
    /** Branch per JSON type of the value: a number goes to `int`, a string to `str`, ... */
    readonly branches: { readonly int?: TypeRef; readonly str?: TypeRef; readonly bool?: TypeRef };
  };

/**
 * What a command does to the guest — qga-deno's own classification, not qemu-ga's:
 *
 * - `read`: only reports (time, interfaces, CPUs, users, ...); safe to run anywhere;
 * - `file`: guest-file-* (what it touches is the path the host names);
 * - `exec`: guest-exec and guest-exec-status (runs a program the host names);
 * - `change`: changes the machine (clock, power, freeze, trim, CPUs, memory, passwords, keys):
 *   never run on a host, only in a VM or against the fake `Sys`.
 */
export type CommandEffect = "read" | "file" | "exec" | "change";

/** A command: wire name, arguments, return type and whether success sends a reply. */
export interface CommandDef {
  readonly name: string;
  /** What it does to the guest. */
  readonly effect: CommandEffect;
  /** What it does, in a few words (the README's command table). */
  readonly summary: string;
  /** How it differs from qemu-ga 7.2, when it does (the README's command table). */
  readonly note?: string;
  readonly args?: readonly MemberDef[];
  /** Absent: the command returns `{}`. */
  readonly returns?: TypeRef;
  /** `false` for commands that send nothing on success (shutdown, suspend). */
  readonly successResponse?: boolean;
}
