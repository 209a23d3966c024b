/**
 * os-release as qemu-ga 7.2 reads it for guest-get-osinfo (`ga_parse_osrelease` and
 * `ga_osrelease_replace_special`):
 *
 * - the file's content up to its first NUL byte must be valid UTF-8 (`g_utf8_validate`), else the
 *   whole file is unusable;
 * - it is loaded as a GLib key file after an `[os-release]` line is put in front
 *   (`../../sys/key_file.ts`), so one malformed line (`garbage`, ` =x`, `I D[x=1`, a bad
 *   `[group]`, `Encoding=latin1`) makes the whole file unusable; keys after a `[group]` line of
 *   the file's own belong to that group; the last duplicate wins; values are raw
 *   (`g_key_file_get_value`: `\s`, `\n` … stay as they are), leading whitespace dropped;
 * - a value is then post-processed: one that does not start with `"` is cut at its first space
 *   and then at its first `;` (single quotes are not special: `'a b'` → `'a`); one that does is
 *   taken up to the next unescaped `"`, a backslash before `$ ' " \ `` ` `` being dropped. Without
 *   a closing quote the value is shifted left in place and not terminated again, so its last
 *   bytes appear twice (`"abc` → `abcc`, `"é` → `é` plus a stray byte): reproduced on bytes.
 *
 * @module
 */

import { type KeyFile, parseKeyFile } from "../../sys/key_file.ts";

/** The os-release group qemu-ga puts in front of the file. */
const GROUP = "os-release";

/** The result of {@linkcode parseOsRelease}: the `[os-release]` raw values, or why not. */
export type OsReleaseResult =
  | { ok: true; values: ReadonlyMap<string, string> }
  | { ok: false; message: string };

const fatalUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Parses an os-release file's bytes as qemu-ga does.
 *
 * @param content The file's contents.
 * @returns The raw values of the `os-release` group, or the reason the file is unusable (the
 *   text qemu-ga logs: `file is not utf-8 encoded` or GLib's key-file error).
 */
export function parseOsRelease(content: Uint8Array): OsReleaseResult {
  const nul = content.indexOf(0);
  let text: string;
  try {
    text = fatalUtf8.decode(nul < 0 ? content : content.subarray(0, nul));
  } catch {
    return { ok: false, message: "file is not utf-8 encoded" };
  }
  const parsed = parseKeyFile(`[${GROUP}]\n${text}`);
  if (!parsed.ok) return parsed;
  const file: KeyFile = parsed.file;
  return { ok: true, values: file.get(GROUP) ?? new Map() };
}

const QUOTE = 0x22;
const BACKSLASH = 0x5C;
/** The characters a backslash escapes in a quoted value: `$ ' " \ `` ` ``. */
const ESCAPED = new Set([0x24, 0x27, 0x22, 0x5C, 0x60]);

/**
 * `ga_osrelease_replace_special()` on a value's UTF-8 bytes, quirks included.
 *
 * @param raw The raw value (`g_key_file_get_value`).
 * @returns The value's bytes as qemu-ga reports them (possibly invalid UTF-8).
 */
export function replaceSpecial(raw: string): Uint8Array {
  const value = new TextEncoder().encode(raw);
  if (value[0] !== QUOTE) {
    let end = value.indexOf(0x20);
    if (end < 0) end = value.length;
    const semicolon = value.subarray(0, end).indexOf(0x3B);
    return value.slice(0, semicolon < 0 ? end : semicolon);
  }
  let out = 0;
  for (let p = 1; p < value.length; p++) {
    if (value[p] === BACKSLASH) {
      if (ESCAPED.has(value[p + 1]!)) p++;
    } else if (value[p] === QUOTE) {
      return value.slice(0, out);
    }
    value[out++] = value[p]!;
  }
  return value;
}
