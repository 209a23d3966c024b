/**
 * Where qga-deno deliberately does not reply like Debian's qemu-ga 7.2, and the comparison
 * rules the differential test applies on top of the recorded normalisations (`runner.ts`).
 *
 * - {@linkcode INTENTIONAL_DIFFERENCES}: per case, text rewrites of the *recorded* replies
 *   that turn them into what qga-deno is meant to send, each with its reason.
 * - {@linkcode ABSENT_COMMANDS}: the commands qemu-ga 7.2 registers and qga-deno does not, each
 *   row with its reason. They are the only difference between the two command lists:
 *   {@linkcode expectedCommandNames} (what `-b help` must print) and
 *   {@linkcode expectedInfoReply} (what `guest-info` must answer: every other entry, its order,
 *   `enabled` and `success-response` exactly as recorded) are derived from qemu-ga's recorded
 *   list and these rows only — never from the code under test. The `version` string is
 *   compared exactly: qga-deno reports `7.2.22` on purpose (`src/config/version.ts`).
 *
 * @module
 */

/** The config-oracle recording: qemu-ga 7.2's `-V` line and its `-b help` list. */
const CONFIG_RECORDING_URL = new URL("../fixtures/config/oracle_7_2.json", import.meta.url);

/**
 * qemu-ga 7.2's commands in registration order, as its `-b help` prints them (recorded by
 * `tests/config/record_oracle.ts`; `guest-info` lists the same names in reverse).
 */
export const QEMU_GA_72_COMMANDS: readonly string[] = JSON.parse(
  Deno.readTextFileSync(CONFIG_RECORDING_URL),
).commandNames;

/**
 * qemu-ga's `ga_freeze_allowlist` (spec §2.9, §3.6): the only commands enabled while
 * filesystems are frozen, written out from qemu-ga's source, never taken from the agent's tables.
 */
export const QEMU_GA_FREEZE_ALLOWLIST: ReadonlySet<string> = new Set([
  "guest-ping",
  "guest-info",
  "guest-sync",
  "guest-sync-delimited",
  "guest-fsfreeze-status",
  "guest-fsfreeze-thaw",
]);

/** Commands qemu-ga 7.2 registers and qga-deno deliberately does not (yet). */
export interface AbsentCommands {
  /** The command names, as qemu-ga 7.2 lists them. */
  readonly commands: readonly string[];
  /** Why qga-deno does not register them. */
  readonly reason: string;
}

/**
 * Every command of qemu-ga 7.2 that qga-deno does not register. Such a command is missing from
 * qga-deno's `-b help` and `guest-info` lists and answers `The command X has not been found`
 * (lookup comes before argument validation). Implementing one means removing it here; a
 * command qemu-ga 7.2 does not have is a row of {@linkcode ADDED_COMMANDS}.
 */
export const ABSENT_COMMANDS: readonly AbsentCommands[] = [
  {
    commands: ["guest-get-devices"],
    reason: "7.2 registers commands a platform lacks and disables them for good (listed with " +
      "enabled: false); upstream and qga-deno do not register them at all, so " +
      "guest-get-devices is unknown on Linux (spec §5.2, README).",
  },
];

const absentNames: ReadonlySet<string> = new Set(ABSENT_COMMANDS.flatMap((row) => row.commands));

/** A command qga-deno registers that qemu-ga 7.2 does not. */
export interface AddedCommand {
  /** The command name. */
  readonly name: string;
  /** A command of qemu-ga 7.2 that is enabled exactly when this one is (same filters). */
  readonly enabledLike: string;
  /** Why qga-deno has it. */
  readonly reason: string;
}

/**
 * The commands qga-deno registers beyond qemu-ga 7.2's, in registration order; they come after
 * qemu-ga 7.2's last command, as in newest upstream (which registers them last). Like qemu-ga's
 * other read-only commands, they are disabled only by `-b`/`-a` or a freeze.
 */
export const ADDED_COMMANDS: readonly AddedCommand[] = [
  {
    name: "guest-get-load",
    enabledLike: "guest-get-cpustats",
    reason: "newest upstream (10.0) has it; libvirt ≥ 11.2 asks for it (virsh guestinfo --load)",
  },
  {
    name: "guest-network-get-route",
    enabledLike: "guest-get-cpustats",
    reason: "newest upstream (9.1) has it",
  },
];

/**
 * Whether qemu-ga 7.2 has a command that qga-deno deliberately does not register.
 *
 * @param name A command name.
 * @returns True for a name of {@linkcode ABSENT_COMMANDS}.
 */
export function isAbsentCommand(name: string): boolean {
  return absentNames.has(name);
}

/** Throws unless every name of {@linkcode ABSENT_COMMANDS} is one of qemu-ga's `names`. */
function checkAbsentRows(names: readonly string[], where: string): void {
  const known = new Set(names);
  const stale = [...absentNames].filter((name) => !known.has(name));
  if (stale.length > 0) {
    throw new Error(`ABSENT_COMMANDS names commands ${where} lacks: ${stale.join(", ")}`);
  }
}

/**
 * The commands qga-deno must register, in registration order (what its `-b help` prints):
 * qemu-ga 7.2's list without {@linkcode ABSENT_COMMANDS}, then {@linkcode ADDED_COMMANDS}.
 *
 * @param qemuGaNames qemu-ga 7.2's `-b help` list (default: the recording).
 * @returns The expected names.
 * @throws Error if a row names a command qemu-ga does not list (a stale row).
 */
export function expectedCommandNames(
  qemuGaNames: readonly string[] = QEMU_GA_72_COMMANDS,
): string[] {
  checkAbsentRows(qemuGaNames, "qemu-ga's -b help list");
  return [
    ...qemuGaNames.filter((name) => !absentNames.has(name)),
    ...ADDED_COMMANDS.map((c) => c.name),
  ];
}

/** A deliberate difference from the oracle. */
export interface IntentionalDifference {
  /** Names of the affected cases. */
  readonly cases: readonly string[];
  /** Why qga-deno differs. */
  readonly reason: string;
  /** `[from, to]` text replacements applied to the recorded replies of those cases. */
  readonly rewrite: readonly (readonly [from: string, to: string])[];
}

/** The table of deliberate differences (applied only when testing qga-deno). */
export const INTENTIONAL_DIFFERENCES: readonly IntentionalDifference[] = [
  {
    cases: ["file/two-handles-same-file"],
    reason:
      "qemu-ga keeps written data in a stdio buffer until flush/close/seek; qga-deno writes " +
      "through to the kernel at once, so another handle (or any guest process) sees the bytes " +
      "before guest-file-flush. Nothing a client can do relies on not seeing its own data.",
    // The two reads swap: ours sees "abc" before the flush and nothing after it.
    rewrite: [
      ['{"return": {"count": 0, "buf-b64": "", "eof": true}}\n', "@SWAP@"],
      [
        '{"return": {"count": 3, "buf-b64": "YWJj", "eof": true}}\n',
        '{"return": {"count": 0, "buf-b64": "", "eof": true}}\n',
      ],
      ["@SWAP@", '{"return": {"count": 3, "buf-b64": "YWJj", "eof": true}}\n'],
    ],
  },
  {
    cases: [
      "validation/disabled-guest-get-devices",
      "validation/disabled-guest-get-devices-with-args",
    ],
    reason: "7.2 registers commands a platform lacks and disables them for good; upstream (and " +
      "qga-deno) does not register them at all, so guest-get-devices is unknown on Linux " +
      "(spec §5.2). guest-info's list differs accordingly (ABSENT_COMMANDS).",
    rewrite: [[
      '"desc": "Command guest-get-devices has been disabled"',
      '"desc": "The command guest-get-devices has not been found"',
    ]],
  },
  {
    cases: ["validation/args-exec-capture-output-string"],
    reason: "guest-exec's capture-output is newest upstream's alternate (a bool or one of the " +
      "modes none/stdout/stderr/separated/merged), not 7.2's bool: a string that names no mode " +
      "is refused with upstream's enum text, as the schema says (spec §2.22, §5.2).",
    rewrite: [[
      "Invalid parameter type for 'capture-output', expected: boolean",
      "Parameter 'capture-output' does not accept value 'yes'",
    ]],
  },
];

/**
 * Applies the intentional differences of a case to a recorded reply.
 *
 * @param caseName The case.
 * @param reply The recorded reply (byte string).
 * @returns The reply qga-deno is expected to send.
 */
export function applyIntentionalDifferences(caseName: string, reply: string): string {
  let out = reply;
  for (const d of INTENTIONAL_DIFFERENCES) {
    if (!d.cases.includes(caseName)) continue;
    for (const [from, to] of d.rewrite) out = out.replaceAll(from, to);
  }
  return out;
}

const PARAMETER_ERROR_REGEXP =
  /^(\{"id": .*, )?\{?"error": \{"class": "GenericError", "desc": "(Parameter '|Invalid parameter type for ')/;

/**
 * For a request to a command of {@linkcode ABSENT_COMMANDS} (valid envelope), the
 * argument-validation error qemu-ga recorded becomes `The command X has not been found`:
 * qga-deno does not register the command, and lookup happens before argument validation.
 *
 * @param request The request bytes of the step (one JSON object), if known.
 * @param reply The recorded reply.
 * @returns The reply qga-deno is expected to send.
 */
export function expectUnregistered(request: string | undefined, reply: string): string {
  if (request === undefined) return reply;
  let parsed: unknown;
  try {
    parsed = JSON.parse(request);
  } catch {
    return reply;
  }
  const name = (parsed as { execute?: unknown })?.execute;
  if (typeof name !== "string" || !isAbsentCommand(name) || !PARAMETER_ERROR_REGEXP.test(reply)) {
    return reply;
  }
  const body =
    `"error": {"class": "CommandNotFound", "desc": "The command ${name} has not been found"}`;
  const id = /^\{"id": (.*), "error": /.exec(reply)?.[1];
  return id === undefined ? `{${body}}\n` : `{"id": ${id}, ${body}}\n`;
}

const INFO_REPLY_REGEXP =
  /^(\{"return": \{"version": "[^"\\]*", "supported_commands": \[)(.*?)(\]\}(?:, "id": .*)?\}\n)$/s;
const INFO_ENTRY_REGEXP =
  /\{"enabled": (?:true|false), "name": "([^"\\]*)", "success-response": (?:true|false)\}/y;

interface InfoReply {
  head: string;
  entries: { name: string; text: string }[];
  tail: string;
}

function parseInfo(reply: string): InfoReply | undefined {
  const m = INFO_REPLY_REGEXP.exec(reply);
  if (!m) return undefined;
  const list = m[2]!;
  const entries: { name: string; text: string }[] = [];
  let at = 0;
  while (at < list.length) {
    if (entries.length > 0) {
      if (!list.startsWith(", ", at)) return undefined;
      at += 2;
    }
    INFO_ENTRY_REGEXP.lastIndex = at;
    const e = INFO_ENTRY_REGEXP.exec(list);
    if (!e) return undefined;
    entries.push({ name: e[1]!, text: e[0] });
    at += e[0].length;
  }
  return { head: m[1]!, entries, tail: m[3]! };
}

/**
 * The command names of a `guest-info` success reply, in the reply's order.
 *
 * @param reply A reply line.
 * @returns The names, or undefined when the line is not a `guest-info` success reply.
 */
export function infoCommandNames(reply: string): string[] | undefined {
  return parseInfo(reply)?.entries.map((e) => e.name);
}

/**
 * Turns qemu-ga 7.2's `guest-info` reply into the one qga-deno must send: the entries of
 * {@linkcode ABSENT_COMMANDS} are removed, those of {@linkcode ADDED_COMMANDS} come first
 * (guest-info lists the newest registration first), each enabled like its `enabledLike`;
 * everything else — version, the remaining entries, their order, `enabled` and
 * `success-response`, the id — stays byte for byte. Any other reply is returned unchanged.
 *
 * @param reply The oracle's reply line.
 * @returns The expected reply line.
 * @throws Error if a row of {@linkcode ABSENT_COMMANDS} is not in the oracle's list.
 */
export function expectedInfoReply(reply: string): string {
  const info = parseInfo(reply);
  if (!info) return reply;
  checkAbsentRows(info.entries.map((e) => e.name), "qemu-ga's guest-info reply");
  const added = [...ADDED_COMMANDS].reverse().map((c) => {
    const like = info.entries.find((e) => e.name === c.enabledLike);
    if (!like) throw new Error(`qemu-ga's guest-info reply lacks ${c.enabledLike}`);
    return like.text.replace(`"name": "${c.enabledLike}"`, `"name": "${c.name}"`);
  });
  const kept = info.entries.filter((e) => !absentNames.has(e.name)).map((e) => e.text);
  return info.head + [...added, ...kept].join(", ") + info.tail;
}
