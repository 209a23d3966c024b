/**
 * The command and type schema of qga-deno, as data.
 *
 * This is QEMU's `qga/qapi-schema.json` idea without a generator: argument validation and its
 * error texts (`../dispatch/validate.ts`), reply shaping (`../dispatch/shape.ts`), `guest-info`,
 * the `-b help` list, the handlers' TypeScript types (`./types.ts`) and the completeness of the
 * handler table (`../commands/mod.ts`) are all derived from the two tables below; so are the
 * test suites' lists of commands (which may run on a host, which the VM compares with qemu-ga).
 * Adding a command = an entry in {@link COMMANDS} + a handler + a table entry + a test (README:
 * "Adding a command").
 *
 * Type references: `"int"` (int64), `"uint64"`, `"str"`, `"bool"`, `"number"` (double),
 * `{ list: T }`, or the name of an entry in {@link TYPES}. A return member marked `plain` is a
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
 * - `read`: only reports (time, interfaces, CPUs, freeze state, ...); safe to run anywhere;
 * - `file`: guest-file-* (what it touches is the path the host names);
 * - `change`: changes the machine (clock, power, freeze, trim, CPUs): never run on a host,
 *   only in a VM or against the fake `Sys`.
 */
export type CommandEffect = "read" | "file" | "change";

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

/** Named types used by the seed commands, with members in schema order. */
export const TYPES = {
  GuestAgentCommandInfo: {
    kind: "struct",
    members: [
      { name: "name", type: "str" },
      { name: "enabled", type: "bool" },
      { name: "success-response", type: "bool" },
    ],
  },
  GuestAgentInfo: {
    kind: "struct",
    members: [
      { name: "version", type: "str" },
      { name: "supported_commands", type: { list: "GuestAgentCommandInfo" } },
    ],
  },
  GuestFileRead: {
    kind: "struct",
    members: [
      { name: "count", type: "int" },
      { name: "buf-b64", type: "str", plain: true },
      { name: "eof", type: "bool" },
    ],
  },
  GuestFileWrite: {
    kind: "struct",
    members: [{ name: "count", type: "int" }, { name: "eof", type: "bool" }],
  },
  GuestFileSeek: {
    kind: "struct",
    members: [{ name: "position", type: "int" }, { name: "eof", type: "bool" }],
  },
  QGASeek: { kind: "enum", values: ["set", "cur", "end"] },
  GuestFileWhence: { kind: "alternate", branches: { int: "int", str: "QGASeek" } },
  GuestFsfreezeStatus: { kind: "enum", values: ["thawed", "frozen"] },
  GuestFilesystemTrimResult: {
    kind: "struct",
    members: [
      { name: "path", type: "str" },
      { name: "trimmed", type: "int", optional: true },
      { name: "minimum", type: "int", optional: true },
      { name: "error", type: "str", optional: true },
    ],
  },
  GuestFilesystemTrimResponse: {
    kind: "struct",
    members: [{ name: "paths", type: { list: "GuestFilesystemTrimResult" } }],
  },
  GuestIpAddressType: { kind: "enum", values: ["ipv4", "ipv6"] },
  GuestIpAddress: {
    kind: "struct",
    members: [
      { name: "ip-address", type: "str" },
      { name: "ip-address-type", type: "GuestIpAddressType" },
      { name: "prefix", type: "int" },
    ],
  },
  GuestNetworkInterfaceStat: {
    kind: "struct",
    members: [
      { name: "rx-bytes", type: "uint64" },
      { name: "rx-packets", type: "uint64" },
      { name: "rx-errs", type: "uint64" },
      { name: "rx-dropped", type: "uint64" },
      { name: "tx-bytes", type: "uint64" },
      { name: "tx-packets", type: "uint64" },
      { name: "tx-errs", type: "uint64" },
      { name: "tx-dropped", type: "uint64" },
    ],
  },
  GuestNetworkInterface: {
    kind: "struct",
    members: [
      { name: "name", type: "str" },
      { name: "hardware-address", type: "str", optional: true },
      { name: "ip-addresses", type: { list: "GuestIpAddress" }, optional: true },
      { name: "statistics", type: "GuestNetworkInterfaceStat", optional: true },
    ],
  },
  GuestLogicalProcessor: {
    kind: "struct",
    members: [
      { name: "logical-id", type: "int" },
      { name: "online", type: "bool" },
      { name: "can-offline", type: "bool", optional: true },
    ],
  },
} as const satisfies Record<string, TypeDef>;

/** The seed commands in registration (schema) order; `guest-info` lists them in reverse. */
export const COMMANDS = [
  {
    name: "guest-sync-delimited",
    effect: "read",
    summary: "echo an int64 id after a 0xFF byte (resynchronisation)",
    args: [{ name: "id", type: "int" }],
    returns: "int",
  },
  {
    name: "guest-sync",
    effect: "read",
    summary: "echo an int64 id",
    args: [{ name: "id", type: "int" }],
    returns: "int",
  },
  { name: "guest-ping", effect: "read", summary: "liveness" },
  { name: "guest-get-time", effect: "read", summary: "wall clock in ns", returns: "int" },
  {
    name: "guest-set-time",
    effect: "change",
    summary: "set the clock (`settimeofday` + `hwclock -w`), or load it from the RTC",
    args: [{ name: "time", type: "int", optional: true }],
  },
  {
    name: "guest-info",
    effect: "read",
    summary: "version and command list",
    returns: "GuestAgentInfo",
  },
  {
    name: "guest-shutdown",
    effect: "change",
    summary: "powerdown / halt / reboot",
    args: [{ name: "mode", type: "str", optional: true }],
    successResponse: false,
  },
  {
    name: "guest-file-open",
    effect: "file",
    summary: "open a file, get a handle",
    note: "new files 0644 (qemu-ga: 0666); at most 1024 handles",
    args: [{ name: "path", type: "str" }, { name: "mode", type: "str", optional: true }],
    returns: "int",
  },
  {
    name: "guest-file-close",
    effect: "file",
    summary: "close a handle",
    args: [{ name: "handle", type: "int" }],
  },
  {
    name: "guest-file-read",
    effect: "file",
    summary: "read up to 48 MiB, base64",
    args: [{ name: "handle", type: "int" }, { name: "count", type: "int", optional: true }],
    returns: "GuestFileRead",
  },
  {
    name: "guest-file-write",
    effect: "file",
    summary: "write base64 data",
    note: "unbuffered",
    args: [
      { name: "handle", type: "int" },
      { name: "buf-b64", type: "str" },
      { name: "count", type: "int", optional: true },
    ],
    returns: "GuestFileWrite",
  },
  {
    name: "guest-file-seek",
    effect: "file",
    summary: "seek, exact int64 position",
    args: [
      { name: "handle", type: "int" },
      { name: "offset", type: "int" },
      { name: "whence", type: "GuestFileWhence" },
    ],
    returns: "GuestFileSeek",
  },
  {
    name: "guest-file-flush",
    effect: "file",
    summary: "flush",
    note: "nothing left to flush: writes are unbuffered",
    args: [{ name: "handle", type: "int" }],
  },
  {
    name: "guest-fsfreeze-status",
    effect: "read",
    summary: "frozen or thawed",
    returns: "GuestFsfreezeStatus",
  },
  {
    name: "guest-fsfreeze-freeze",
    effect: "change",
    summary: "freeze every local filesystem (hook, marker)",
    note: "optional auto-thaw (`--freeze-timeout`)",
    returns: "int",
  },
  {
    name: "guest-fsfreeze-freeze-list",
    effect: "change",
    summary: "freeze the named mount points",
    args: [{ name: "mountpoints", type: { list: "str" }, optional: true }],
    returns: "int",
  },
  { name: "guest-fsfreeze-thaw", effect: "change", summary: "thaw", returns: "int" },
  {
    name: "guest-fstrim",
    effect: "change",
    summary: "FITRIM every local filesystem",
    args: [{ name: "minimum", type: "int", optional: true }],
    returns: "GuestFilesystemTrimResponse",
  },
  {
    name: "guest-suspend-disk",
    effect: "change",
    summary: "hibernate (systemd, pm-utils, sysfs)",
    successResponse: false,
  },
  {
    name: "guest-suspend-ram",
    effect: "change",
    summary: "suspend to RAM (systemd, pm-utils, sysfs)",
    successResponse: false,
  },
  {
    name: "guest-suspend-hybrid",
    effect: "change",
    summary: "hybrid sleep (systemd, pm-utils)",
    successResponse: false,
  },
  {
    name: "guest-network-get-interfaces",
    effect: "read",
    summary: "interfaces, addresses, MACs, statistics",
    returns: { list: "GuestNetworkInterface" },
  },
  {
    name: "guest-get-vcpus",
    effect: "read",
    summary: "logical CPUs and their state",
    returns: { list: "GuestLogicalProcessor" },
  },
  {
    name: "guest-set-vcpus",
    effect: "change",
    summary: "take CPUs offline / online",
    args: [{ name: "vcpus", type: { list: "GuestLogicalProcessor" } }],
    returns: "int",
  },
] as const satisfies readonly CommandDef[];

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
