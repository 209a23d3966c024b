/**
 * The subset of GLib's `GKeyFile` (GLib 2.74, as in Debian 12) that qemu-ga uses for its config
 * file, its state file and os-release (guest-get-osinfo parses the file as a key file after an
 * `[os-release]` line): loading with flags 0, reading raw values, strings and booleans, and
 * escaping values for `-D`. Pure text processing, in `sys/` so that config, agent and commands
 * can all use it.
 *
 * Parsing rules reproduced: lines split on `\n` (one `\r` before it dropped); leading
 * whitespace ignored; blank and `#` lines are comments; `[name]` groups (trailing blanks
 * allowed, duplicates merge); `key = value` pairs (spaces around `=` dropped, trailing
 * whitespace of the value kept, the last duplicate wins); `Encoding` in the first group must be
 * `UTF-8`. Error texts are GLib's, e.g.
 * `Key file contains line “garbage” which is not a key-value pair, group, or comment`.
 *
 * Not reproduced: the check that string values are valid UTF-8 (the text arrives decoded: callers
 * that need GLib's whole-file UTF-8 check make it before decoding) and dropping translations
 * (`key[locale]`), which are kept but never read.
 *
 * @module
 */

/** A loaded key file: group name → key → raw (still escaped) value. */
export type KeyFile = Map<string, Map<string, string>>;

/** The result of {@linkcode parseKeyFile}: the groups, or GLib's error message. */
export type KeyFileResult = { ok: true; file: KeyFile } | { ok: false; message: string };

const SPACE_REGEXP = /^[ \t\n\v\f\r]*/;
const TRAILING_SPACE_REGEXP = /[ \t\n\v\f\r]*$/;
const UTF8_REGEXP = /^UTF-8$/i;
const LOCALE_CHAR_REGEXP = /^[\p{L}\p{N}_.@-]$/u;

/**
 * Parses key-file text like `g_key_file_load_from_file(..., 0, ...)`.
 *
 * @param text The file contents.
 * @returns The groups, or the first GLib error message.
 */
export function parseKeyFile(text: string): KeyFileResult {
  const file: KeyFile = new Map();
  let current: Map<string, string> | undefined;
  let startGroup: Map<string, string> | undefined;
  const lines = text.split("\n");
  const last = lines.pop()!;
  const all = lines.map((line) => line.endsWith("\r") ? line.slice(0, -1) : line);
  if (last !== "") all.push(last);
  for (const line of all) {
    const start = line.replace(SPACE_REGEXP, "");
    if (start === "" || start.startsWith("#")) continue;
    if (isGroupLine(start)) {
      const name = start.slice(1, start.lastIndexOf("]"));
      if (!isGroupName(name)) return { ok: false, message: `Invalid group name: ${name}` };
      current = file.get(name);
      if (current === undefined) {
        current = new Map();
        file.set(name, current);
      }
      startGroup ??= current;
      continue;
    }
    if (!start.includes("=") || start.startsWith("=")) {
      return {
        ok: false,
        message:
          `Key file contains line “${line}” which is not a key-value pair, group, or comment`,
      };
    }
    if (current === undefined) {
      return { ok: false, message: "Key file does not start with a group" };
    }
    const equals = start.indexOf("=");
    const key = start.slice(0, equals).replace(TRAILING_SPACE_REGEXP, "");
    if (!isKeyName(key)) return { ok: false, message: `Invalid key name: ${key}` };
    const value = start.slice(equals + 1).replace(SPACE_REGEXP, "");
    if (current === startGroup && key === "Encoding" && !UTF8_REGEXP.test(value)) {
      return { ok: false, message: `Key file contains unsupported encoding “${value}”` };
    }
    current.delete(key);
    current.set(key, value);
  }
  return { ok: true, file };
}

/**
 * Unescapes a raw value like `g_key_file_get_string`: `\s \n \t \r \\` are understood; any
 * other escape, or a `\` at the end, makes the value one that "cannot be interpreted".
 *
 * @param raw The raw value as stored in the file.
 * @returns The unescaped text, or `undefined` when GLib would report an invalid value.
 */
export function keyFileString(raw: string): string | undefined {
  let out = "";
  for (let at = 0; at < raw.length; at++) {
    const char = raw[at]!;
    if (char !== "\\") {
      out += char;
      continue;
    }
    const next = raw[++at];
    const mapped = next === undefined ? undefined : ESCAPES[next];
    if (mapped === undefined) return undefined;
    out += mapped;
  }
  return out;
}

const ESCAPES: Record<string, string> = { s: " ", n: "\n", t: "\t", r: "\r", "\\": "\\" };

/**
 * Reads a raw value like `g_key_file_get_boolean`: exactly `true`, `1`, `false` or `0`,
 * optionally followed by whitespace (so `TRUE`, `yes` or an empty value are errors).
 *
 * @param raw The raw value as stored in the file.
 * @returns The boolean, or `undefined` when GLib would report an invalid value.
 */
export function keyFileBoolean(raw: string): boolean | undefined {
  const word = raw.replace(TRAILING_SPACE_REGEXP, "");
  if (word === "true" || word === "1") return true;
  if (word === "false" || word === "0") return false;
  return undefined;
}

/**
 * Escapes a string like `g_key_file_set_string`: backslash, newline and carriage return always,
 * spaces and tabs only before the first other character. `;` and `,` are left alone.
 *
 * @param value The text to store.
 * @returns The value as written after `key=`.
 */
export function escapeKeyFileValue(value: string): string {
  let out = "";
  let leading = true;
  for (const char of value) {
    if (char === " " || char === "\t") {
      out += leading ? (char === " " ? "\\s" : "\\t") : char;
    } else if (char === "\n") {
      out += "\\n";
    } else if (char === "\r") {
      out += "\\r";
    } else {
      out += char === "\\" ? "\\\\" : char;
      leading = false;
    }
  }
  return out;
}

function isGroupLine(line: string): boolean {
  if (!line.startsWith("[")) return false;
  const close = line.indexOf("]");
  return close >= 0 && /^[ \t]*$/.test(line.slice(close + 1));
}

function isGroupName(name: string): boolean {
  // deno-lint-ignore no-control-regex
  return name !== "" && !/[[\]\x00-\x1f\x7f]/.test(name);
}

function isKeyName(key: string): boolean {
  const chars = Array.from(key);
  let at = 0;
  while (at < chars.length && !"=[]\0".includes(chars[at]!)) at++;
  if (at === 0 || chars[0] === " " || chars[at - 1] === " ") return false;
  if (chars[at] === "[") {
    at++;
    while (at < chars.length && LOCALE_CHAR_REGEXP.test(chars[at]!)) at++;
    if (chars[at] !== "]") return false;
    at++;
  }
  return at >= chars.length;
}
