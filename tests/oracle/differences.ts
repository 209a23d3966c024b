/**
 * Where qga-deno deliberately does not reply like Debian's qemu-ga 7.2, and the comparison
 * rules the differential test applies on top of the recorded normalisations (`runner.ts`).
 *
 * - {@linkcode INTENTIONAL_DIFFERENCES}: per case, text rewrites of the *recorded* replies
 *   that turn them into what qga-deno is meant to send, each with its reason.
 * - {@linkcode normalizeInfoPair}: `guest-info` lists every command the agent registers;
 *   qga-deno may register fewer (or, later, upstream-only ones). Both lists are reduced to the
 *   commands both agents have, keeping each list's order, so order, `enabled` and
 *   `success-response` are still compared byte-exactly for the shared commands. The
 *   `version` string is compared exactly: qga-deno reports `7.2.22` on purpose
 *   (`src/agent/version.ts`).
 *
 * @module
 */

import { findCommand } from "../../src/schema/schema.ts";

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
      "(spec §5.2). guest-info's list differs accordingly (handled by normalizeInfoPair).",
    rewrite: [[
      '"desc": "Command guest-get-devices has been disabled"',
      '"desc": "The command guest-get-devices has not been found"',
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
 * qga-deno registers only the commands of its schema; a command outside it is unknown, as in an
 * upstream build without it. For a request whose envelope is valid but whose command qga-deno
 * does not register, the argument-validation error qemu-ga recorded becomes
 * `The command X has not been found` (lookup happens before argument validation).
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
  if (typeof name !== "string" || findCommand(name) || !PARAMETER_ERROR_REGEXP.test(reply)) {
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

/** What {@linkcode normalizeInfoPair} returns. */
export interface InfoPair {
  /** The expected reply, reduced to the shared commands. */
  expected: string;
  /** The actual reply, reduced to the shared commands. */
  actual: string;
  /** Commands only the oracle lists. */
  onlyExpected: string[];
  /** Commands only the tested agent lists. */
  onlyActual: string[];
}

/**
 * Reduces two `guest-info` replies to the commands both list. Replies that do not have the
 * exact `guest-info` shape are returned unchanged (and will then be compared as they are).
 *
 * @param expected The (recorded) oracle reply.
 * @param actual The tested agent's reply.
 * @returns Both replies reduced, plus the commands only one side lists.
 */
export function normalizeInfoPair(expected: string, actual: string): InfoPair {
  const e = parseInfo(expected);
  const a = parseInfo(actual);
  if (!e || !a) return { expected, actual, onlyExpected: [], onlyActual: [] };
  const eNames = new Set(e.entries.map((x) => x.name));
  const aNames = new Set(a.entries.map((x) => x.name));
  const rebuild = (r: InfoReply, other: Set<string>) =>
    r.head + r.entries.filter((x) => other.has(x.name)).map((x) => x.text).join(", ") + r.tail;
  return {
    expected: rebuild(e, aNames),
    actual: rebuild(a, eNames),
    onlyExpected: [...eNames].filter((n) => !aNames.has(n)),
    onlyActual: [...aNames].filter((n) => !eNames.has(n)),
  };
}
