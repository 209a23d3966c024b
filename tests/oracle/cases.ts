/**
 * The oracle table: named request sequences whose exact reply bytes were recorded from Debian's
 * qemu-ga 7.2 (`record.ts` → `tests/fixtures/oracle/replies.json`) and which qga-deno must
 * reproduce (`differential_test.ts`).
 *
 * Requests are *byte strings*: JS strings in which every code unit is one byte (0x00..0xFF), so
 * `"\xff"` is the single byte 0xFF and `"\xc3\xa9"` is UTF-8 `é`. A code unit above 0xFF is a
 * table bug and throws. Use {@linkcode utf8} to turn text into a byte string. Huge inputs are
 * {@linkcode Repeat} parts, generated at run time.
 *
 * Every synced step is followed by the marker (0xFF + `guest-sync-delimited`), which also throws
 * away any half-sent request, so cases never affect each other's parsing. `@DIR@` in a request
 * stands for a fresh per-case temporary directory; the same placeholder replaces that directory
 * in the replies.
 *
 * SAFETY: requests may only run read-only commands or guest-file-* on `@DIR@`. Anything else
 * (shutdown, set-time, set-vcpus, freeze, exec, ...) must be rejected by argument validation
 * *before* it runs: give it a missing required member or a wrongly-typed member.
 *
 * @module
 */

import { COMMANDS, runsWithoutArguments } from "../../src/schema/schema.ts";
import { QEMU_GA_72_COMMANDS } from "./differences.ts";

/** Case groups. `file` cases each get a fresh agent; the others share one agent per group. */
export type Group = "protocol" | "limits" | "validation" | "file" | "info" | "exec";

/** All groups, in run order. */
export const GROUPS: readonly Group[] = [
  "protocol",
  "validation",
  "info",
  "exec",
  "file",
  "limits",
];

/** A run-time generated part of a request: `unit` repeated `times` times. */
export interface Repeat {
  /** The repeated byte string. */
  readonly repeat: string;
  /** How many times. */
  readonly times: number;
}

/** The bytes of one request: a byte string, or parts to concatenate. */
export type Payload = string | readonly (string | Repeat)[];

/** Sends a payload; with `sync: false` no marker follows (its replies join the next step's). */
export interface SendStep {
  /** What to send. */
  readonly send: Payload;
  /** Follow with the marker and record the replies (default true). */
  readonly sync?: boolean;
  /**
   * Send again (each time with the marker) until the reply contains this text, at most
   * {@linkcode UNTIL_ATTEMPTS} times {@linkcode UNTIL_PAUSE_MS} apart; only the last reply is
   * recorded (guest-exec-status until the child has exited).
   */
  readonly until?: string;
}

/** How often an `until` step is sent at most. */
export const UNTIL_ATTEMPTS = 400;
/** The pause between two sends of an `until` step (ms). */
export const UNTIL_PAUSE_MS = 25;

/** Stands for the pid of the last `{"pid": N}` reply of the session, in requests. */
export const PID_PLACEHOLDER = "@PID@";

/** Closes the connection and opens a new one (the agent keeps its parser state). */
export interface ReconnectStep {
  /** Always true. */
  readonly reconnect: true;
}

/** One step of a case; a plain string is a synced {@linkcode SendStep}. */
export type Step = string | SendStep | ReconnectStep;

/** Reply normalisations, applied to recorded and observed replies alike (see record.ts). */
export type Normalizer = "time" | "netstats" | "cpustats" | "diskstats" | "fsinfo" | "pid";

/** One oracle case. */
export interface OracleCase {
  /** Unique name, `<group>/<short-name>`. */
  readonly name: string;
  /** The group (decides agent sharing). */
  readonly group: Group;
  /** The steps, in order. */
  readonly steps: readonly Step[];
  /** Normalisations of variable reply parts. */
  readonly normalize?: readonly Normalizer[];
  /** Replies depend on this machine (CPUs, interfaces): compared against a live oracle run. */
  readonly machineDependent?: boolean;
  /** Per-step timeout in ms (default 10 s). */
  readonly timeoutMs?: number;
  /** Sends tens of MiB; skipped when `QGA_ORACLE_SKIP_SLOW=1`. */
  readonly slow?: boolean;
  /** Why the case exists / what it shows. */
  readonly note?: string;
}

/**
 * Commands that must never run on the recording host. They may appear only in `validation`
 * cases, with arguments that fail validation (checked by `record.ts` before sending, and
 * against the recorded replies by `harness_test.ts`) — except guest-exec and guest-exec-status
 * in `exec` cases, where guest-exec may start only {@linkcode HARMLESS_EXEC} programs.
 */
export const DANGEROUS_COMMANDS: readonly string[] = [
  "guest-set-time",
  "guest-shutdown",
  "guest-suspend-disk",
  "guest-suspend-ram",
  "guest-suspend-hybrid",
  "guest-fsfreeze-freeze",
  "guest-fsfreeze-freeze-list",
  "guest-fsfreeze-thaw",
  "guest-fstrim",
  "guest-set-vcpus",
  "guest-set-user-password",
  "guest-set-memory-blocks",
  "guest-exec",
  "guest-ssh-add-authorized-keys",
  "guest-ssh-remove-authorized-keys",
];

/**
 * The only `path`s guest-exec may name in `exec` cases: programs that print, sleep or exit
 * (`/bin/sh` runs the table's own short scripts: echo, exit, kill itself, head of /dev/zero),
 * and paths that cannot start at all.
 */
export const HARMLESS_EXEC: readonly string[] = [
  "/bin/echo",
  "/bin/sh",
  "/bin/true",
  "/bin/sleep",
  "echo",
  "/nonexistent/qga-oracle-never",
  "qga-oracle-no-such-program",
  "@DIR@",
  "",
];

/**
 * Why a request text may not be sent outside `validation` cases, if it may not: a dangerous
 * command, unless it is guest-exec-status or a guest-exec of a {@linkcode HARMLESS_EXEC} path
 * in an `exec` case.
 *
 * @param group The case's group.
 * @param text The request text (see `describePayload`).
 * @returns The reason, or undefined when the text is safe.
 */
export function unsafeRequest(group: Group, text: string): string | undefined {
  if (group === "validation") return undefined;
  for (const m of text.matchAll(/"execute"\s*:\s*["']([^"']*)["']/g)) {
    const command = m[1]!;
    if (!DANGEROUS_COMMANDS.includes(command)) continue;
    if (group === "exec" && command === "guest-exec-status") continue;
    if (group === "exec" && command === "guest-exec") {
      const path = /"path":"((?:[^"\\]|\\.)*)"/.exec(text)?.[1];
      if (path !== undefined && HARMLESS_EXEC.includes(path)) continue;
      return `guest-exec of ${path ?? "(no path)"} is not in HARMLESS_EXEC`;
    }
    return `${command} may only be sent in validation cases`;
  }
  return undefined;
}

/** The placeholder for the per-case temporary directory in requests and replies. */
export const DIR_PLACEHOLDER = "@DIR@";

/**
 * Encodes text as a UTF-8 byte string (one code unit per byte).
 *
 * @param text Any text.
 * @returns The byte string.
 */
export function utf8(text: string): string {
  let out = "";
  for (const b of new TextEncoder().encode(text)) out += String.fromCharCode(b);
  return out;
}

/**
 * Converts a byte string to bytes.
 *
 * @param s A string whose code units are all ≤ 0xFF.
 * @returns The bytes.
 * @throws RangeError for a code unit above 0xFF.
 */
export function byteStringToBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new RangeError(`Cannot use code unit ${c} in a byte string at ${i}`);
    out[i] = c;
  }
  return out;
}

/**
 * Converts bytes to a byte string (one code unit per byte).
 *
 * @param bytes The bytes.
 * @returns The byte string.
 */
export function bytesToByteString(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return out;
}

/**
 * Builds the bytes of a payload, with `@DIR@` replaced by `dir`.
 *
 * @param payload The payload.
 * @param dir The per-case temporary directory (ASCII).
 * @returns The request bytes.
 */
export function payloadBytes(payload: Payload, dir: string): Uint8Array {
  const parts = typeof payload === "string" ? [payload] : payload;
  const chunks = parts.map((part) => {
    if (typeof part === "string") {
      return byteStringToBytes(part.replaceAll(DIR_PLACEHOLDER, dir));
    }
    const unit = byteStringToBytes(part.repeat);
    const out = new Uint8Array(unit.length * part.times);
    if (unit.length === 1) out.fill(unit[0]!);
    else for (let i = 0; i < part.times; i++) out.set(unit, i * unit.length);
    return out;
  });
  const all = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return all;
}

/**
 * A short readable description of a payload for the fixture file (repeats are summarised).
 *
 * @param payload The payload.
 * @returns A byte string of at most about 300 code units.
 */
export function describePayload(payload: Payload): string {
  const parts = typeof payload === "string" ? [payload] : payload;
  const text = parts.map((p) => typeof p === "string" ? p : `<${p.times} x ${p.repeat}>`)
    .join("");
  return text.length > 300 ? `${text.slice(0, 300)}<... ${text.length} chars>` : text;
}

/**
 * Normalises a step into a {@linkcode SendStep} or {@linkcode ReconnectStep}.
 *
 * @param step A step.
 * @returns The step as an object.
 */
export function stepObject(step: Step): SendStep | ReconnectStep {
  return typeof step === "string" ? { send: step } : step;
}

/**
 * Number of synced steps (recorded replies) of a case.
 *
 * @param c The case.
 * @returns How many reply records the case has.
 */
export function syncedSteps(c: OracleCase): number {
  return c.steps.map(stepObject).filter((s) => "send" in s && s.sync !== false).length;
}

// ---------------------------------------------------------------------------------------------
// Builders.

const cases: OracleCase[] = [];

function add(
  group: Group,
  name: string,
  steps: Step | readonly Step[],
  extra: Partial<Omit<OracleCase, "name" | "group" | "steps">> = {},
): void {
  const full = `${group}/${name}`;
  if (cases.some((c) => c.name === full)) throw new Error(`Duplicate oracle case ${full}`);
  const list: readonly Step[] = Array.isArray(steps) ? steps : [steps as Step];
  cases.push({ name: full, group, steps: list, ...extra });
}

/** `{"execute":"<cmd>"}` or `{"execute":"<cmd>","arguments":<args>}`, plus `\n`. */
function exec(cmd: string, args?: string): string {
  return args === undefined
    ? `{"execute":"${cmd}"}\n`
    : `{"execute":"${cmd}","arguments":${args}}\n`;
}

/** guest-ping with the given raw `id` text. */
function pingId(id: string): string {
  return `{"execute":"guest-ping","id":${id}}\n`;
}

/** Base64 of a byte string. */
function b64(bytes: string): string {
  return btoa(bytes);
}

const PING = exec("guest-ping");
const MAX_TOKEN = 67108864;

// ---------------------------------------------------------------------------------------------
// protocol: lexer (spec §1.2 table and more).

add("protocol", "ping", PING);
add("protocol", "ping-no-newline", `{"execute":"guest-ping"}`);
add("protocol", "ping-with-id", pingId("1"));
add("protocol", "two-requests-one-write", `${pingId("1")} ${pingId("2")}`);
add("protocol", "three-requests-no-separator", `${pingId("1")}${pingId("2")}{"execute":"x"}`);
add("protocol", "lexer-ff", "\xff");
add("protocol", "lexer-nul", "\x00");
add("protocol", "lexer-soh", "\x01");
add("protocol", "lexer-vt", "\x0b");
add("protocol", "lexer-ff-formfeed", "\x0c");
add("protocol", "lexer-del", "\x7f");
add("protocol", "lexer-fe", "\xfe");
add("protocol", "lexer-high-byte-80", "\x80");
add("protocol", "lexer-whitespace-only", " \t\r\n");
add("protocol", "lexer-at-recovery", `@@@{"execute":"guest-ping"}`);
add("protocol", "lexer-at-abc-ff", `@abc \xff {"execute":"guest-ping"}`);
add("protocol", "lexer-recovery-tab-kept", `@ab\tcd ${PING}`);
add("protocol", "lexer-recovery-ends-at-control", `@ab\x01cd ${PING}`);
add("protocol", "lexer-recovery-ends-at-newline", `@ab\ncd ${PING}`);
add("protocol", "lexer-recovery-ends-at-colon", `@ab:cd ${PING}`);
add("protocol", "lexer-leading-zero-id", pingId("01"));
add("protocol", "lexer-minus-brace", pingId("-"));
add("protocol", "lexer-one-dot-brace", pingId("1."));
add("protocol", "lexer-tab-in-string", pingId('"a\tb"'));
add("protocol", "lexer-newline-in-string", pingId('"a\nb"'));
add("protocol", "lexer-nul-in-string", pingId('"a\x00b"'));
add("protocol", "lexer-ff-in-string", pingId('"ab\xffcd"'));
add("protocol", "lexer-fe-in-string", pingId('"ab\xfecd"'));
add("protocol", "lexer-del-in-string", pingId('"a\x7fb"'));
add("protocol", "lexer-escape-then-ff", '"abc\\\xff');
add("protocol", "lexer-half-string-at-marker", '"abc\\', {
  note: "the marker's 0xFF hits the half-lexed string: the resync line shows it",
});
add("protocol", "lexer-half-sq-string-at-marker", "'abc");
add("protocol", "lexer-escape-ctrl", pingId('"a\\\x01"'));
add("protocol", "lexer-upper-true", pingId("TRUE"));
add("protocol", "lexer-percent", pingId("%d"));
add("protocol", "lexer-plus-one", pingId("+1"));
add("protocol", "lexer-dot-five", pingId(".5"));
add("protocol", "lexer-hex", pingId("0x10"));
add("protocol", "lexer-double-zero", pingId("00"));
add("protocol", "lexer-minus-zero-one", pingId("-01"));
add("protocol", "lexer-exp-no-digits", pingId("1e"));
add("protocol", "lexer-exp-sign-no-digits", pingId("1e+"));
add("protocol", "lexer-two-dots", pingId("1.5.5"));
add("protocol", "lexer-number-then-letter", pingId("12abc"));
add("protocol", "lexer-top-level-number-newline", "42\n");
add("protocol", "lexer-top-level-number-at-marker", "42", {
  note: "a number needs a lookahead byte: the marker's 0xFF ends it",
});
add("protocol", "lexer-top-level-keyword-at-marker", "tru");
add("protocol", "lexer-top-level-float", "1.5 ");
add("protocol", "lexer-top-level-neg-exp", "-2.5E-3\n");

// protocol: parser.
add("protocol", "parse-true", "true ");
add("protocol", "parse-null", "null\n");
add("protocol", "parse-string", '"hello"');
add("protocol", "parse-array", "[1,2,3]");
add("protocol", "parse-empty-object", "{}");
add("protocol", "parse-empty-array", "[]");
add("protocol", "parse-stray-close-brace", "}");
add("protocol", "parse-stray-close-bracket", "]");
add("protocol", "parse-stray-colon", ":");
add("protocol", "parse-stray-comma", ",");
add("protocol", "parse-key-not-string", "{1:2}");
add("protocol", "parse-missing-colon", '{"a" 1}');
add("protocol", "parse-separator-in-dict", '{"a":1 "b":2}');
add("protocol", "parse-separator-in-list", "[1 2]");
add("protocol", "parse-trailing-comma-dict", '{"execute":"guest-ping",}');
add("protocol", "parse-trailing-comma-list", "[1,]");
add("protocol", "parse-lone-comma-dict", "{,}");
add("protocol", "parse-lone-comma-list", "[,]");
add("protocol", "parse-duplicate-execute", '{"execute":"guest-ping","execute":"guest-ping"}');
add("protocol", "parse-duplicate-id", '{"execute":"guest-ping","id":1,"id":2}');
add("protocol", "parse-duplicate-nested", '{"execute":"guest-ping","id":{"a":1,"a":1}}');
add("protocol", "parse-garbage-after-request", `{"execute":"guest-ping"}garbage\n`);
add("protocol", "parse-invalid-keyword-nul", pingId("nul"));
add("protocol", "parse-invalid-keyword-abc", pingId("abc"));
add("protocol", "parse-keyword-run-together", pingId("truefalse"));
add("protocol", "parse-mismatch-bracket-brace", "[}");
add("protocol", "parse-mismatch-brace-bracket", "{]");
add("protocol", "parse-mismatch-value-bracket", '{"a":]');
add("protocol", "parse-mismatch-list-brace", '["a"}');
add("protocol", "parse-mismatch-dict-bracket", '{"a":1]');
add("protocol", "parse-extra-close", `${PING.trimEnd()}}`);
add("protocol", "single-quotes", "{'execute':'guest-ping'}");
add("protocol", "single-quotes-id-with-double-quote", `{'execute':'guest-ping','id':'a"b'}`);
add("protocol", "single-quotes-escaped-quote", `{'execute':'guest-ping','id':'a\\'b'}`);

// protocol: string escapes and UTF-8 (spec §1.4).
add("protocol", "escape-simple", pingId('"\\"\\\\\\/\\b\\f\\n\\r\\t"'));
add("protocol", "escape-single-quote-in-dq", pingId(`"a\\'b"`));
add("protocol", "escape-invalid-x", pingId('"\\x41"'));
add("protocol", "escape-invalid-upper-u", pingId('"\\U0041"'));
add("protocol", "escape-u-ascii", pingId('"\\u0041\\u007f\\u0080"'));
add("protocol", "escape-u-nul", pingId('"a\\u0000b"'));
add("protocol", "escape-u-upper-hex", pingId('"\\u00E9\\uD83D\\uDE00"'));
add("protocol", "escape-u-e9-emoji-raw", pingId(`"\\u00e9\\ud83d\\ude00 ${utf8("é")}"`));
add("protocol", "escape-u-lone-high", pingId('"\\ud800"'));
add("protocol", "escape-u-lone-low", pingId('"\\udc00"'));
add("protocol", "escape-u-high-then-ascii", pingId('"\\ud800\\u0041"'));
add("protocol", "escape-u-high-then-char", pingId('"\\ud800x"'));
add("protocol", "escape-u-high-then-high", pingId('"\\ud800\\ud800"'));
add("protocol", "escape-u-ffff", pingId('"\\uffff"'));
add("protocol", "escape-u-fffe", pingId('"\\ufffe"'));
add("protocol", "escape-u-fdd0", pingId('"\\ufdd0"'));
add("protocol", "escape-u-fdef", pingId('"\\ufdef"'));
add("protocol", "escape-u-fdcf-ok", pingId('"\\ufdcf\\ufdf0"'));
add("protocol", "escape-u-pair-noncharacter", pingId('"\\ud83f\\udffe"'));
add("protocol", "escape-u-pair-max", pingId('"\\udbff\\udffd"'));
add("protocol", "escape-u-short", pingId('"\\u12"'));
add("protocol", "escape-u-short-at-end", pingId('"ab\\u1"'));
add("protocol", "escape-u-not-hex", pingId('"\\uZZZZ"'));
add("protocol", "utf8-two-byte", pingId(`"${utf8("é")}"`));
add("protocol", "utf8-four-byte", pingId('"\xf0\x9f\x98\x80"'));
add("protocol", "utf8-c0-80", pingId('"\xc0\x80"'));
add("protocol", "utf8-c2-80", pingId('"\xc2\x80"'));
add("protocol", "utf8-ef-bf-bf", pingId('"\xef\xbf\xbf"'));
add("protocol", "utf8-ef-bf-be", pingId('"\xef\xbf\xbe"'));
add("protocol", "utf8-fdd0", pingId('"\xef\xb7\x90"'));
add("protocol", "utf8-surrogate", pingId('"\xed\xa0\x80"'));
add("protocol", "utf8-overlong-c1", pingId('"\xc1\x81"'));
add("protocol", "utf8-overlong-e0", pingId('"\xe0\x80\x80"'));
add("protocol", "utf8-overlong-f0", pingId('"\xf0\x80\x80\x80"'));
add("protocol", "utf8-truncated-c3", pingId('"\xc3"'));
add("protocol", "utf8-truncated-e2-82", pingId('"\xe2\x82"'));
add("protocol", "utf8-truncated-then-ascii", pingId('"\xe2\x82x"'));
add("protocol", "utf8-above-10ffff", pingId('"\xf4\x90\x80\x80"'));
add("protocol", "utf8-f5", pingId('"\xf5\x80\x80\x80"'));
add("protocol", "utf8-lone-continuation", pingId('"\x80"'));
add("protocol", "utf8-1ffff", pingId('"\xf0\x9f\xbf\xbf"'));
add("protocol", "utf8-10ffff", pingId('"\xf4\x8f\xbf\xbf"'));
add("protocol", "utf8-10fffd", pingId('"\xf4\x8f\xbf\xbd"'));
add("protocol", "utf8-in-key", `{"execute":"guest-ping","\xc3":1}`);
add("protocol", "utf8-c0-80-in-command", `{"execute":"guest-ping\xc0\x80"}`);

// protocol: id echo of every JSON type and of doubles (spec §1.6.2).
for (
  const [name, id] of [
    ["null", "null"],
    ["true", "true"],
    ["false", "false"],
    ["string", '"abc"'],
    ["empty-string", '""'],
    ["empty-array", "[]"],
    ["empty-object", "{}"],
    ["nested", '{"a":[1,2]}'],
    ["deep-mixed", '[{"b":[null,true,{"c":"d"}],"a":-1},[[]],1.5]'],
    ["object-order", '{"a":1,"b":2,"c":3,"id":4,"return":5,"error":6}'],
    ["zero", "0"],
    ["minus-one", "-1"],
    ["minus-zero", "-0"],
    ["minus-zero-float", "-0.0"],
    ["zero-float", "0.0"],
    ["0.1", "0.1"],
    ["1.0", "1.0"],
    ["1e5", "1e5"],
    ["1E5", "1E5"],
    ["1e+5", "1e+5"],
    ["1e-5", "1e-5"],
    ["0.0001", "0.0001"],
    ["1.5e-7", "1.5e-7"],
    ["123.456", "123.456"],
    ["1e16", "1e16"],
    ["1e17", "1e17"],
    ["1e400", "1e400"],
    ["-1e400", "-1e400"],
    ["1e-400", "1e-400"],
    ["5e-324", "5e-324"],
    ["dbl-min", "2.2250738585072014e-308"],
    ["dbl-max", "1.7976931348623157e308"],
    ["2^53+1", "9007199254740993"],
    ["2^53+1-float", "9007199254740993.0"],
    ["int64-max", "9223372036854775807"],
    ["int64-min", "-9223372036854775808"],
    ["int64-min-minus-1", "-9223372036854775809"],
    ["2^63", "9223372036854775808"],
    ["12345678901234567890", "12345678901234567890"],
    ["-12345678901234567890", "-12345678901234567890"],
    ["uint64-max", "18446744073709551615"],
    ["2^64", "18446744073709551616"],
    ["huge-integer", "123456789012345678901234567890"],
    ["string-escapes", '"tab\\tnl\\nq\\"bs\\\\sl\\/ctl\\u0001del\\u007f"'],
    ["string-non-bmp", '"\\ud83d\\ude00"'],
  ] as const
) {
  add("protocol", `id-${name}`, pingId(id));
}
add("protocol", "id-with-unknown-command", `{"execute":"nope","id":[1,"x"]}\n`);

// protocol: parser state across reconnects (spec §1.3).
add("protocol", "state-survives-reconnect", [
  { send: `{"execute":"guest-ping"`, sync: false },
  { reconnect: true },
  { send: `{"execute":"guest-ping","id":2}\n`, sync: false },
  "}",
], { note: "a half request from a previous client swallows the next client's request" });
add("protocol", "split-request-across-writes", [
  { send: `{"execute":"gue`, sync: false },
  { send: `st-ping","i`, sync: false },
  `d":3}`,
]);

// ---------------------------------------------------------------------------------------------
// validation: dispatch envelope (spec §1.5) and argument validation (spec §1.5.1).

add("validation", "arguments-null", exec("guest-ping", "null"));
add("validation", "arguments-array", exec("guest-ping", "[]"));
add("validation", "arguments-string", exec("guest-ping", '"x"'));
add("validation", "arguments-empty", exec("guest-ping", "{}"));
add("validation", "execute-number", `{"execute":1}\n`);
add("validation", "execute-number-with-id", `{"execute":1,"id":5}\n`);
add("validation", "execute-null", `{"execute":null}\n`);
add("validation", "execute-object", `{"execute":{}}\n`);
add("validation", "lacks-execute-empty", "{}\n");
add("validation", "lacks-execute-arguments", `{"arguments":{}}\n`);
add("validation", "lacks-execute-with-id", `{"id":"x"}\n`);
add("validation", "extra-member", `{"execute":"guest-ping","extra":1}\n`);
add("validation", "exec-oob", `{"exec-oob":"guest-ping"}\n`);
add("validation", "control-member", `{"execute":"guest-ping","control":{}}\n`);
add("validation", "order-execute-arguments", `{"execute":1,"arguments":[]}\n`);
add("validation", "order-arguments-execute", `{"arguments":[],"execute":1}\n`);
add("validation", "order-execute-extra", `{"execute":1,"extra":1}\n`);
add("validation", "order-arguments-extra", `{"arguments":[],"extra":1}\n`);
add("validation", "order-all-bad", `{"extra":1,"execute":1,"arguments":1,"id":9}\n`);
add("validation", "order-two-extras", `{"foo":1,"bar":2}\n`);
add("validation", "order-extra-before-lacks", `{"id":1,"zzz":2}\n`);
add("validation", "order-arguments-before-lookup", `{"execute":"nope","arguments":[]}\n`);
add("validation", "unknown-command", `{"execute":"guest-nonexistent","id":5}\n`);
add("validation", "unknown-command-empty", `{"execute":""}\n`);
add("validation", "unknown-command-upper", `{"execute":"GUEST-PING"}\n`);
add("validation", "unknown-command-trailing-space", `{"execute":"guest-ping "}\n`);
add("validation", "unknown-command-escapes", `{"execute":"a\\u00e9\\n\\"b"}\n`);
add("validation", "disabled-guest-get-devices", exec("guest-get-devices"));
add(
  "validation",
  "disabled-guest-get-devices-with-args",
  `{"execute":"guest-get-devices",` +
    `"arguments":{"x":1},"id":1}\n`,
);
add("validation", "ping-arguments-foo", exec("guest-ping", '{"foo":42}'));
add("validation", "ping-arguments-two-unknown", exec("guest-ping", '{"b":1,"a":2}'));
add("validation", "ping-arguments-id", exec("guest-ping", '{"id":1}'));
add("validation", "ping-arguments-escaped-name", exec("guest-ping", '{"f\\u00f6o":1}'));

// guest-sync / guest-sync-delimited (spec §1.7, §2.1).
add("validation", "sync", `{"execute":"guest-sync","arguments":{"id":123456789},"id":7}\n`);
for (
  const [name, id] of [
    ["zero", "0"],
    ["negative", "-5"],
    ["minus-zero", "-0"],
    ["int64-max", "9223372036854775807"],
    ["int64-min", "-9223372036854775808"],
    ["2^63", "9223372036854775808"],
    ["uint64-max", "18446744073709551615"],
    ["int64-min-minus-1", "-9223372036854775809"],
    ["float-1.0", "1.0"],
    ["float-1e5", "1e5"],
    ["float-1.5", "1.5"],
    ["string", '"x"'],
    ["null", "null"],
    ["bool", "true"],
    ["array", "[]"],
    ["object", "{}"],
  ] as const
) {
  add("validation", `sync-id-${name}`, exec("guest-sync", `{"id":${id}}`));
}
add("validation", "sync-missing-id", exec("guest-sync"));
add("validation", "sync-id-and-unknown", exec("guest-sync", '{"id":1,"foo":2}'));
add("validation", "sync-unknown-only", exec("guest-sync", '{"foo":2}'));
add("validation", "sync-delimited", exec("guest-sync-delimited", '{"id":42}'));
add("validation", "sync-delimited-ff-prefix", `\xff${exec("guest-sync-delimited", '{"id":42}')}`);
add("validation", "sync-delimited-negative", exec("guest-sync-delimited", '{"id":-1}'));
add(
  "validation",
  "sync-delimited-with-id",
  `{"execute":"guest-sync-delimited",` +
    `"arguments":{"id":3},"id":"x"}\n`,
);
add("validation", "sync-delimited-missing-id", exec("guest-sync-delimited"));
add(
  "validation",
  "sync-delimited-bad-id",
  exec("guest-sync-delimited", '{"id":9223372036854775808}'),
);
add(
  "validation",
  "sync-delimited-twice",
  `${exec("guest-sync-delimited", '{"id":1}')}` +
    `${exec("guest-sync-delimited", '{"id":2}')}`,
);
add(
  "validation",
  "sync-delimited-then-error",
  `${exec("guest-sync-delimited", '{"id":1}')}` +
    `${exec("nope")}`,
);

// Argument type errors on commands whose validation rejects before they run.
const NO_USER = "qga-oracle-no-such-user";
const NO_EXEC = "/nonexistent/qga-oracle-never";
for (
  const [name, cmd, args] of [
    ["str-given-int", "guest-file-open", '{"path":1}'],
    ["str-given-null-optional", "guest-file-open", '{"path":"@DIR@/x","mode":null}'],
    ["str-given-array", "guest-file-open", '{"path":[]}'],
    ["int-given-string", "guest-file-close", '{"handle":"1"}'],
    ["int-given-float", "guest-file-close", '{"handle":1.0}'],
    ["int-given-bool", "guest-file-close", '{"handle":false}'],
    ["int-given-2^63", "guest-file-close", '{"handle":9223372036854775808}'],
    ["int-optional-null", "guest-file-read", '{"handle":1,"count":null}'],
    ["missing-required", "guest-file-close", "{}"],
    ["missing-before-unknown", "guest-file-close", '{"foo":1}'],
    ["unknown-after-declared", "guest-file-close", '{"handle":123456,"foo":1}'],
    ["order-schema-first-wins", "guest-file-seek", '{"whence":true,"offset":"y","handle":"x"}'],
    ["order-second-member", "guest-file-seek", '{"handle":1,"whence":true,"offset":"y"}'],
    ["seek-missing-whence", "guest-file-seek", '{"handle":1,"offset":0}'],
    ["seek-missing-offset", "guest-file-seek", '{"handle":1,"whence":0}'],
    ["alternate-bool", "guest-file-seek", '{"handle":1,"offset":0,"whence":true}'],
    ["alternate-null", "guest-file-seek", '{"handle":1,"offset":0,"whence":null}'],
    ["alternate-object", "guest-file-seek", '{"handle":1,"offset":0,"whence":{}}'],
    ["alternate-array", "guest-file-seek", '{"handle":1,"offset":0,"whence":[]}'],
    ["alternate-float", "guest-file-seek", '{"handle":1,"offset":0,"whence":1.5}'],
    [
      "alternate-big-int",
      "guest-file-seek",
      '{"handle":1,"offset":0,"whence":18446744073709551615}',
    ],
    ["enum-bogus", "guest-file-seek", '{"handle":1,"offset":0,"whence":"bogus"}'],
    ["enum-upper", "guest-file-seek", '{"handle":1,"offset":0,"whence":"SET"}'],
    ["enum-escapes", "guest-file-seek", '{"handle":1,"offset":0,"whence":"a\\"b\\u00e9"}'],
    ["enum-empty", "guest-file-seek", '{"handle":1,"offset":0,"whence":""}'],
    ["write-missing-buf", "guest-file-write", '{"handle":1}'],
    ["write-missing-handle", "guest-file-write", '{"buf-b64":"QQ=="}'],
    ["write-buf-int", "guest-file-write", '{"handle":1,"buf-b64":5}'],
    ["set-vcpus-online-missing", "guest-set-vcpus", '{"vcpus":[{"logical-id":0}]}'],
    ["set-vcpus-logical-id-missing", "guest-set-vcpus", '{"vcpus":[{"online":"x"}]}'],
    ["set-vcpus-online-string", "guest-set-vcpus", '{"vcpus":[{"logical-id":0,"online":"yes"}]}'],
    ["set-vcpus-logical-id-string", "guest-set-vcpus", '{"vcpus":[{"logical-id":"0"}]}'],
    ["set-vcpus-not-array", "guest-set-vcpus", '{"vcpus":{}}'],
    ["set-vcpus-element-not-object", "guest-set-vcpus", '{"vcpus":[1]}'],
    ["set-vcpus-missing", "guest-set-vcpus", "{}"],
    ["set-vcpus-online-int", "guest-set-vcpus", '{"vcpus":[{"logical-id":0,"online":0}]}'],
    ["freeze-list-not-array", "guest-fsfreeze-freeze-list", '{"mountpoints":"/"}'],
    ["freeze-list-null", "guest-fsfreeze-freeze-list", '{"mountpoints":null}'],
    ["freeze-list-element-int", "guest-fsfreeze-freeze-list", '{"mountpoints":[1]}'],
    ["shutdown-mode-int", "guest-shutdown", '{"mode":5}'],
    ["shutdown-mode-array", "guest-shutdown", '{"mode":["halt"]}'],
    ["set-time-string", "guest-set-time", '{"time":"now"}'],
    ["set-time-float", "guest-set-time", '{"time":1.5}'],
    ["fstrim-minimum-string", "guest-fstrim", '{"minimum":"x"}'],
    [
      "set-memory-blocks-online-missing",
      "guest-set-memory-blocks",
      '{"mem-blks":[{"phys-index":999999}]}',
    ],
    [
      "set-memory-blocks-uint64-string",
      "guest-set-memory-blocks",
      '{"mem-blks":[{"phys-index":"x"}]}',
    ],
    [
      "set-memory-blocks-uint64-float",
      "guest-set-memory-blocks",
      '{"mem-blks":[{"phys-index":1.5}]}',
    ],
    [
      "set-memory-blocks-uint64-negative",
      "guest-set-memory-blocks",
      '{"mem-blks":[{"phys-index":-1}]}',
    ],
    ["set-memory-blocks-not-array", "guest-set-memory-blocks", '{"mem-blks":true}'],
    ["exec-arg-int", "guest-exec", `{"path":"${NO_EXEC}","arg":[1]}`],
    ["exec-path-missing", "guest-exec", '{"arg":["x"]}'],
    ["exec-path-int", "guest-exec", '{"path":1}'],
    ["exec-env-not-array", "guest-exec", `{"path":"${NO_EXEC}","env":"A=1"}`],
    ["exec-capture-output-string", "guest-exec", `{"path":"${NO_EXEC}","capture-output":"yes"}`],
    ["exec-status-pid-string", "guest-exec-status", '{"pid":"1"}'],
    ["exec-status-pid-missing", "guest-exec-status", "{}"],
    [
      "set-password-crypted-missing",
      "guest-set-user-password",
      `{"username":"${NO_USER}","password":"eA=="}`,
    ],
    ["set-password-username-missing", "guest-set-user-password", '{"crypted":"no"}'],
    [
      "set-password-crypted-string",
      "guest-set-user-password",
      `{"username":"${NO_USER}","password":"eA==","crypted":"no"}`,
    ],
    ["set-password-password-missing", "guest-set-user-password", `{"username":"${NO_USER}"}`],
    [
      "set-password-username-int",
      "guest-set-user-password",
      '{"username":1,"password":"eA==","crypted":false}',
    ],
    [
      "set-password-password-null",
      "guest-set-user-password",
      `{"username":"${NO_USER}","password":null,"crypted":false}`,
    ],
    [
      "set-password-crypted-int",
      "guest-set-user-password",
      `{"username":"${NO_USER}","password":"eA==","crypted":1}`,
    ],
    [
      "set-password-unknown-member",
      "guest-set-user-password",
      `{"username":"${NO_USER}","password":"eA==","crypted":false,"salt":"x"}`,
    ],
    ["exec-env-element-int", "guest-exec", `{"path":"${NO_EXEC}","env":["A=1",2]}`],
    ["exec-input-data-int", "guest-exec", `{"path":"${NO_EXEC}","input-data":1}`],
    ["exec-unknown-member", "guest-exec", `{"path":"${NO_EXEC}","cwd":"/"}`],
    ["exec-status-pid-float", "guest-exec-status", '{"pid":1.5}'],
    ["ssh-get-username-int", "guest-ssh-get-authorized-keys", '{"username":1}'],
    [
      "ssh-add-keys-string",
      "guest-ssh-add-authorized-keys",
      `{"username":"${NO_USER}","keys":"x"}`,
    ],
    [
      "ssh-add-keys-element-int",
      "guest-ssh-add-authorized-keys",
      `{"username":"${NO_USER}","keys":["a",2]}`,
    ],
    ["ssh-remove-keys-missing", "guest-ssh-remove-authorized-keys", `{"username":"${NO_USER}"}`],
    ["no-args-get-osinfo", "guest-get-osinfo", '{"x":1}'],
    ["no-args-get-timezone", "guest-get-timezone", '{"x":1}'],
    ["no-args-get-host-name", "guest-get-host-name", '{"x":1}'],
    ["no-args-get-users", "guest-get-users", '{"x":1}'],
    ["no-args-get-fsinfo", "guest-get-fsinfo", '{"x":1}'],
    ["no-args-get-disks", "guest-get-disks", '{"x":1}'],
    ["no-args-get-memory-blocks", "guest-get-memory-blocks", '{"x":1}'],
    ["no-args-get-memory-block-info", "guest-get-memory-block-info", '{"x":1}'],
    ["no-args-get-diskstats", "guest-get-diskstats", '{"x":1}'],
    ["no-args-get-cpustats", "guest-get-cpustats", '{"x":1}'],
    ["no-args-get-time", "guest-get-time", '{"x":1}'],
    ["no-args-info", "guest-info", '{"x":1}'],
    ["no-args-fsfreeze-status", "guest-fsfreeze-status", '{"x":1}'],
    ["no-args-fsfreeze-thaw", "guest-fsfreeze-thaw", '{"x":1}'],
    ["no-args-get-vcpus", "guest-get-vcpus", '{"x":1}'],
    ["no-args-network-get-interfaces", "guest-network-get-interfaces", '{"x":1}'],
  ] as const
) {
  add("validation", `args-${name}`, exec(cmd, args));
}
add(
  "validation",
  "set-vcpus-optional-member-type",
  exec(
    "guest-set-vcpus",
    '{"vcpus":[{"logical-id":0,"online":true,"can-offline":"x"}]}',
  ),
  { note: "optional member type error inside a list element; rejected before running" },
);

// ---------------------------------------------------------------------------------------------
// info: read-only commands.

add("info", "guest-info", exec("guest-info"));
add("info", "guest-info-with-id", `{"execute":"guest-info","id":[1]}\n`);
add("info", "guest-get-time", exec("guest-get-time"), { normalize: ["time"] });
add("info", "guest-get-time-with-id", `{"execute":"guest-get-time","id":1}\n`, {
  normalize: ["time"],
});
add("info", "guest-fsfreeze-status", exec("guest-fsfreeze-status"));
add("info", "guest-fsfreeze-status-with-id", `{"execute":"guest-fsfreeze-status","id":0}\n`);
add("info", "guest-get-vcpus", exec("guest-get-vcpus"), { machineDependent: true });
add("info", "guest-get-cpustats", exec("guest-get-cpustats"), {
  machineDependent: true,
  normalize: ["cpustats"],
  note: "CPU time counters move between the oracle's read and ours",
});
add("info", "guest-network-get-interfaces", exec("guest-network-get-interfaces"), {
  machineDependent: true,
  normalize: ["netstats"],
});
add("info", "guest-get-diskstats", exec("guest-get-diskstats"), {
  machineDependent: true,
  normalize: ["diskstats"],
  note: "I/O counters move between the oracle's read and ours",
});
add("info", "guest-get-fsinfo", exec("guest-get-fsinfo"), {
  machineDependent: true,
  normalize: ["fsinfo"],
  note: "used-bytes moves with every write to a mounted filesystem",
});
// Every other read-only command of the schema that needs no argument and that qemu-ga 7.2 has,
// compared with the live qemu-ga (a new command's reply was never recorded, and depends on the
// machine): derived from the schema, so adding a command adds its case.
for (const command of COMMANDS) {
  const name = `info/${command.name}`;
  if (command.effect !== "read" || !runsWithoutArguments(command)) continue;
  if (!QEMU_GA_72_COMMANDS.includes(command.name) || cases.some((c) => c.name === name)) continue;
  add("info", command.name, exec(command.name), { machineDependent: true });
}
add(
  "info",
  "ping-info-sync-pipelined",
  `${PING}${exec("guest-fsfreeze-status")}` +
    exec("guest-sync", '{"id":11}'),
);
// guest-ssh-get-authorized-keys (read-only) for users that do not exist: GLib says "Success"; a
// \u0000 in the name is QEMU's C0 80 (the whole name is looked up and echoed), not its end.
for (
  const [name, user] of [
    ["no-such-user", NO_USER],
    ["empty-user", ""],
    ["nul-in-user", `${NO_USER}\\u0000root`],
  ]
) {
  add(
    "info",
    `ssh-get-keys-${name}`,
    exec("guest-ssh-get-authorized-keys", `{"username":"${user}"}`),
  );
}

// ---------------------------------------------------------------------------------------------
// exec: guest-exec of HARMLESS_EXEC programs only, one request per step, compared with the live
// qemu-ga (pids differ: replies show @PID@, and a request's @PID@ is the child just started).

const execOf = (args: string) => exec("guest-exec", args);
const statusOf = (pid: string = PID_PLACEHOLDER) => exec("guest-exec-status", `{"pid":${pid}}`);
/** guest-exec-status of the last child until it has exited (its reply is the one recorded). */
const collect: SendStep = { send: statusOf(), until: '"exited": true' };
const addExec = (
  name: string,
  steps: Step[],
  options: Partial<Omit<OracleCase, "name" | "group" | "steps">> = {},
) => add("exec", name, steps, { machineDependent: true, normalize: ["pid"], ...options });

addExec("echo-then-unknown-pid", [
  execOf('{"path":"/bin/echo","arg":["hi"],"capture-output":true}'),
  collect,
  statusOf(),
]);
addExec("exit-status-and-both-streams", [
  execOf('{"path":"/bin/sh","arg":["-c","echo out; echo err >&2; exit 3"],"capture-output":true}'),
  collect,
]);
addExec("killed-by-signal", [
  execOf('{"path":"/bin/sh","arg":["-c","kill -9 $$"],"capture-output":true}'),
  collect,
]);
addExec("no-capture", [
  execOf('{"path":"/bin/sh","arg":["-c","echo x; echo y >&2"],"capture-output":false}'),
  collect,
]);
addExec("capture-without-output", [execOf('{"path":"/bin/true","capture-output":true}'), collect]);
addExec("running-then-exited", [
  execOf('{"path":"/bin/sleep","arg":["1"],"capture-output":true}'),
  statusOf(),
  collect,
]);
addExec("input-data-and-env", [
  execOf(
    '{"path":"/bin/sh","arg":["-c","cat; echo \\"PATH=$PATH A=$A B=$B HOME=${HOME-unset}\\""],' +
      '"env":["PATH=/usr/bin:/bin","B=2","A=1"],"input-data":"aGVsbG8K","capture-output":true}',
  ),
  collect,
]);
addExec("empty-input-data", [
  execOf('{"path":"/bin/sh","arg":["-c","cat | wc -c"],"input-data":"","capture-output":true}'),
  collect,
]);
addExec("name-looked-up-in-env-path", [
  execOf('{"path":"echo","arg":["found"],"env":["PATH=/nonexistent:/bin"],"capture-output":true}'),
  collect,
]);
addExec("start-failures", [
  execOf('{"path":"/nonexistent/qga-oracle-never","arg":["x"]}'),
  execOf('{"path":"@DIR@"}'),
  execOf('{"path":""}'),
  execOf('{"path":"qga-oracle-no-such-program"}'),
  execOf('{"path":"echo","env":["PATH=/nonexistent"]}'),
  execOf('{"path":"/bin/true","input-data":"!!"}'),
]);
addExec("status-of-unknown-pids", [statusOf("-1"), statusOf("0"), statusOf("4294967296")]);
addExec("output-of-exactly-16-mib", [
  execOf('{"path":"/bin/sh","arg":["-c","head -c 16777216 /dev/zero"],"capture-output":true}'),
  collect,
], { slow: true, timeoutMs: 60_000 });
addExec("output-over-16-mib-is-truncated", [
  execOf('{"path":"/bin/sh","arg":["-c","head -c 20000000 /dev/zero"],"capture-output":true}'),
  collect,
], { slow: true, timeoutMs: 60_000 });

// ---------------------------------------------------------------------------------------------
// file: guest-file-* on @DIR@ (each case: fresh agent and state dir, so handles start at 1000).

/** A handle number, or its raw JSON text. */
type Handle = number | string;
const HELLO = "Hello World!\n\x00";
const open = (path: string, mode?: string) =>
  exec(
    "guest-file-open",
    mode === undefined ? `{"path":"${path}"}` : `{"path":"${path}","mode":"${mode}"}`,
  );
const read = (h: Handle, count?: number | string) =>
  exec(
    "guest-file-read",
    count === undefined ? `{"handle":${h}}` : `{"handle":${h},"count":${count}}`,
  );
const write = (h: Handle, buf: string, count?: number | string) =>
  exec(
    "guest-file-write",
    count === undefined
      ? `{"handle":${h},"buf-b64":"${buf}"}`
      : `{"handle":${h},"buf-b64":"${buf}","count":${count}}`,
  );
const seek = (h: Handle, offset: number | string, whence: number | string) =>
  exec("guest-file-seek", `{"handle":${h},"offset":${offset},"whence":${whence}}`);
const close = (h: Handle) => exec("guest-file-close", `{"handle":${h}}`);
const flush = (h: Handle) => exec("guest-file-flush", `{"handle":${h}}`);

add("file", "test-qga-file-ops", [
  open("@DIR@/foo", "w+"),
  write(1000, b64(HELLO)),
  flush(1000),
  read(1000),
  seek(1000, 0, 0),
  read(1000, 5),
  read(1000),
  close(1000),
  close(1000),
]);
add("file", "test-qga-file-write-read", [
  open("@DIR@/foo", "w+"),
  write(1000, b64(HELLO)),
  read(1000),
  seek(1000, 0, '"set"'),
  read(1000),
  read(1000),
  close(1000),
]);
add("file", "open-nonexistent", open("@DIR@/nonexist"));
add("file", "open-nonexistent-dir", open("@DIR@/nodir/x", "w"));
add("file", "open-empty-path", open(""));
add("file", "open-dir-write", open("@DIR@", "w"));
add("file", "open-dir-read", [open("@DIR@"), read(1000), close(1000)]);
add("file", "open-default-mode-nonexistent-utf8", open("@DIR@/\\u00e9\\ud83d\\ude00"));
add("file", "open-raw-utf8-name", [
  open(`@DIR@/${utf8("é")}`, "w"),
  close(1000),
  open(`@DIR@/\\u00e9`),
]);
add("file", "open-control-char-name", open("@DIR@/a\\u0001b"));
for (const mode of ["x", "rw", "", "R", "r+x", "wb+x"]) {
  add("file", `open-invalid-mode-${mode || "empty"}`, open("@DIR@/foo", mode));
}
const MODES = [
  "r",
  "rb",
  "w",
  "wb",
  "a",
  "ab",
  "r+",
  "rb+",
  "r+b",
  "w+",
  "wb+",
  "w+b",
  "a+",
  "ab+",
];
add("file", "open-all-modes", [
  open("@DIR@/foo", "r"),
  open("@DIR@/foo", "w"),
  close(1000),
  ...[...MODES, "a+b"].flatMap((mode, i) => [open("@DIR@/foo", mode), close(1001 + i)]),
]);
add("file", "handle-numbering", [
  open("@DIR@/a", "w"),
  open("@DIR@/b", "w"),
  open("@DIR@/c", "w"),
  close(1001),
  open("@DIR@/d", "w"),
  close(1001),
  read(1001),
  close(1000),
  close(1002),
  close(1003),
]);
for (const h of ["999", "0", "-1", "9223372036854775807"]) {
  add("file", `unknown-handle-${h}`, [
    read(h),
    write(h, "QQ=="),
    seek(h, 0, 0),
    flush(h),
    close(h),
  ]);
}
add("file", "read-count-limits", [
  open("@DIR@/f", "w+"),
  write(1000, b64("abcdef")),
  seek(1000, 0, 0),
  read(1000, -1),
  read(1000, 50331649),
  read(1000, 0),
  read(1000, 50331648),
  read(1000, 50331648),
  read(1000, 0),
  close(1000),
]);
add("file", "read-exact-then-eof", [
  open("@DIR@/f", "w+"),
  write(1000, b64("abcd")),
  seek(1000, 0, '"set"'),
  read(1000, 4),
  read(1000, 4),
  read(1000, 4),
  close(1000),
]);
add("file", "read-unknown-handle-before-count", read(4242, -1));
add("file", "write-count-variants", [
  open("@DIR@/f", "w+"),
  write(1000, b64("abcdef"), 3),
  write(1000, b64("abcdef"), 0),
  write(1000, b64("abcdef"), 6),
  write(1000, b64("abcdef"), 7),
  write(1000, b64("abcdef"), -1),
  write(1000, "", 0),
  write(1000, ""),
  seek(1000, 0, 0),
  read(1000, 100),
  close(1000),
]);
add("file", "base64-variants", [
  open("@DIR@/f", "w+"),
  write(1000, "!!!"),
  write(1000, "QUJD RA=="),
  write(1000, "QQ"),
  write(1000, "QUI"),
  write(1000, "QQ="),
  write(1000, "QQ=="),
  write(1000, "QQ==QUI="),
  write(1000, "QU\\nJD"),
  write(1000, "aGVsbG8"),
  write(1000, "=A=="),
  write(1000, "-_"),
  write(1000, "QUJD\\u00e9"),
  seek(1000, 0, 0),
  read(1000, 100),
  close(1000),
]);
add("file", "base64-unknown-handle-first", write(4242, "!!!"));
add("file", "binary-roundtrip", [
  open("@DIR@/bin", "w+"),
  write(1000, b64(Array.from({ length: 256 }, (_, i) => String.fromCharCode(i)).join(""))),
  seek(1000, 0, 0),
  read(1000, 300),
  seek(1000, 250, 0),
  read(1000),
  close(1000),
]);
add("file", "seek-whence-variants", [
  open("@DIR@/s", "w+"),
  write(1000, b64(HELLO)),
  seek(1000, 0, 0),
  seek(1000, 3, 1),
  seek(1000, 0, '"cur"'),
  seek(1000, -2, 2),
  seek(1000, 0, '"end"'),
  seek(1000, 2, '"set"'),
  seek(1000, 100, 2),
  seek(1000, 0, 1),
  seek(1000, 0, 3),
  seek(1000, 0, -1),
  seek(1000, -1, 0),
  seek(1000, -100, 1),
  seek(1000, 0, '"bogus"'),
  seek(1000, 1.5, 0),
  read(1000),
  close(1000),
]);
add("file", "seek-unknown-handle-before-whence", seek(4242, 0, 3));
add("file", "seek-hole", [
  open("@DIR@/h", "w+"),
  write(1000, b64("ab")),
  seek(1000, 4, 0),
  write(1000, b64("cd")),
  seek(1000, 0, 0),
  read(1000),
  close(1000),
]);
add("file", "append-mode", [
  open("@DIR@/ap", "w"),
  write(1000, b64("12345")),
  close(1000),
  open("@DIR@/ap", "a+"),
  seek(1001, 0, 1),
  write(1001, b64("67")),
  seek(1001, 0, 1),
  seek(1001, 0, 0),
  read(1001),
  write(1001, b64("89")),
  seek(1001, 0, 0),
  read(1001),
  close(1001),
]);
add("file", "write-to-read-handle", [
  open("@DIR@/ro", "w"),
  close(1000),
  open("@DIR@/ro", "r"),
  write(1001, b64("x")),
  flush(1001),
  close(1001),
]);
add("file", "read-from-write-handle", [
  open("@DIR@/wo", "w"),
  read(1000),
  write(1000, b64("x")),
  read(1000),
  close(1000),
]);
add("file", "read-after-write-flushes", [
  open("@DIR@/rw", "w+"),
  write(1000, b64("hello")),
  seek(1000, 0, 0),
  write(1000, b64("J")),
  read(1000),
  seek(1000, 0, 0),
  read(1000),
  close(1000),
]);
add("file", "truncate-on-w", [
  open("@DIR@/t", "w"),
  write(1000, b64("long content")),
  close(1000),
  open("@DIR@/t", "r+"),
  read(1001, 4),
  close(1001),
  open("@DIR@/t", "w+"),
  read(1002),
  close(1002),
]);
add("file", "two-handles-same-file", [
  open("@DIR@/two", "w"),
  open("@DIR@/two", "r"),
  write(1000, b64("abc")),
  read(1001),
  flush(1000),
  read(1001),
  close(1000),
  close(1001),
]);
add("file", "handles-survive-reconnect", [
  open("@DIR@/rc", "w+"),
  { reconnect: true },
  write(1000, b64("x")),
  close(1000),
]);
add("file", "with-ids", [
  `{"execute":"guest-file-open","arguments":{"path":"@DIR@/i","mode":"w+"},"id":"o"}\n`,
  `{"execute":"guest-file-write","arguments":{"handle":1000,"buf-b64":"QQ=="},"id":1.5}\n`,
  `{"execute":"guest-file-read","arguments":{"handle":1000},"id":null}\n`,
  `{"execute":"guest-file-close","arguments":{"handle":1000},"id":[]}\n`,
  `{"execute":"guest-file-close","arguments":{"handle":1000},"id":{"x":1}}\n`,
]);

// ---------------------------------------------------------------------------------------------
// limits: nesting, token count and token size (spec §1.3). Large inputs are generated.

const open1024 = { repeat: "[", times: 1024 };
const close1024 = { repeat: "]", times: 1024 };
add("limits", "nesting-1024-top-level", { send: [open1024, close1024] });
add("limits", "nesting-1025-top-level", {
  send: [{ repeat: "[", times: 1025 }, { repeat: "]", times: 1025 }],
});
add("limits", "nesting-1024-in-id", {
  send: [`{"execute":"guest-ping","id":`, { repeat: "[", times: 1023 }, {
    repeat: "]",
    times: 1023,
  }, "}\n"],
});
add("limits", "nesting-1025-in-id", {
  send: [`{"execute":"guest-ping","id":`, open1024, close1024, "}\n"],
});
add("limits", "nesting-1024-objects", {
  send: [{ repeat: '{"a":', times: 1024 }, "1", { repeat: "}", times: 1024 }],
});
add("limits", "nesting-1025-objects", {
  send: [{ repeat: '{"a":', times: 1025 }, "1", { repeat: "}", times: 1025 }],
});
add("limits", "token-count-2097152", {
  send: [`{"execute":"guest-ping","id":[[]`, { repeat: ",0", times: 1048570 }, "]}"],
}, { slow: true, timeoutMs: 120_000, note: "2n+10 tokens with n = 1048571 list elements" });
add("limits", "token-count-2097153", {
  send: [`{"execute":"guest-ping","id":[0`, { repeat: ",0", times: 1048571 }, "]}"],
}, { slow: true, timeoutMs: 120_000, note: "2n+9 tokens with n = 1048572 list elements" });
add("limits", "token-size-67108833", {
  send: [`{"execute":"guest-ping","id":"`, { repeat: "a", times: 67108833 - 2 }, `"}`],
}, { slow: true, timeoutMs: 120_000, note: "string token of L = 67108833 bytes: accepted" });
add("limits", "token-size-67108834", {
  send: [`{"execute":"guest-ping","id":"`, { repeat: "a", times: 67108834 - 2 }, `"}`],
}, { slow: true, timeoutMs: 120_000, note: "string token of L = 67108834 bytes: rejected" });
add("limits", "lexer-token-over-64mib", {
  send: ['"', { repeat: "a", times: MAX_TOKEN + 2 }, '"'],
}, {
  slow: true,
  timeoutMs: 120_000,
  note: "the lexer force-emits a token at 64 MiB and lexes the rest from scratch",
});
add("limits", "many-small-requests", {
  send: [{ repeat: `{"execute":"guest-ping"}`, times: 2000 }],
}, { note: "2000 pipelined requests in one write" });
add("limits", "many-errors", { send: [{ repeat: "}", times: 1000 }] });

/** The oracle table, in group order. */
export const ORACLE_CASES: readonly OracleCase[] = GROUPS.flatMap((g) =>
  cases.filter((c) => c.group === g)
);
