/**
 * The content side of guest-ssh-*-authorized-keys, as qemu-ga 7.2 (`qga/commands-posix-ssh.c`)
 * computes it — on bytes, because the file need not be UTF-8:
 *
 * - the file is a C string split with `g_strsplit(contents, "\n", -1)`: it ends at its first NUL
 *   byte, an empty file has no lines, and a final `\n` leaves an empty last line;
 * - a key is the wire string as QEMU's parser stores it (UTF-8, U+0000 as the modified-UTF-8
 *   pair C0 80), compared with lines byte for byte;
 * - get strips ASCII white space (`g_strstrip`: space, `\t`, `\n`, `\f`, `\r` — not `\v`), drops
 *   empty lines and `#` comments, and lists the rest last line first;
 * - add appends each key that is not already a line (nor added before it), remove drops every
 *   line equal to a key; both join the lines with `\n` and add no final newline.
 *
 * @module
 */

import { quoteBytes } from "../../qobject/writer.ts";

const encoder = new TextEncoder();

/**
 * The bytes qemu-ga holds for a wire string: UTF-8, with U+0000 as C0 80 (QEMU's parser writes
 * modified UTF-8, so a `\u0000` never cuts a C string short).
 *
 * @example
 * ```ts
 * import { wireStringBytes } from "./authorized_keys.ts";
 * wireStringBytes("a\u0000b"); // Uint8Array [0x61, 0xC0, 0x80, 0x62]
 * ```
 */
export function wireStringBytes(text: string): Uint8Array {
  const bytes = encoder.encode(text);
  if (!bytes.includes(0)) return bytes;
  const out: number[] = [];
  for (const b of bytes) b === 0 ? out.push(0xC0, 0x80) : out.push(b);
  return Uint8Array.from(out);
}

/**
 * Raw bytes as the string qemu-ga's JSON writer shows them: invalid UTF-8 as U+FFFD, C0 80 as
 * U+0000 — so a reply built from it is byte for byte qemu-ga's.
 */
export function replyText(bytes: Uint8Array): string {
  let ascii = true;
  for (const b of bytes) if (b >= 0x80) ascii = false;
  return ascii ? binary(bytes) : JSON.parse(quoteBytes(bytes));
}

/** One character per byte (for comparing and hashing byte strings). */
function binary(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    out += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return out;
}

/**
 * qemu-ga's `check_openssh_pub_key()`: the first key that starts with `#` or contains a newline.
 *
 * @returns That key, or undefined when all are acceptable (an empty key is).
 */
export function firstInvalidKey(keys: readonly string[]): string | undefined {
  return keys.find((key) => key.startsWith("#") || key.includes("\n"));
}

/** `g_strsplit(contents, "\n", -1)` of a file read as a C string. */
export function splitLines(contents: Uint8Array): Uint8Array[] {
  const nul = contents.indexOf(0);
  const text = nul < 0 ? contents : contents.subarray(0, nul);
  if (text.length === 0) return [];
  const lines: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    if (text[i] === 0x0A) (lines.push(text.slice(start, i)), start = i + 1);
  }
  lines.push(text.slice(start));
  return lines;
}

/** `g_strjoinv("\n", lines)`. */
export function joinLines(lines: readonly Uint8Array[]): Uint8Array {
  const total = lines.reduce((n, l) => n + l.length, 0) + Math.max(0, lines.length - 1);
  const out = new Uint8Array(total);
  let at = 0;
  lines.forEach((line, i) => {
    if (i > 0) out[at++] = 0x0A;
    out.set(line, at);
    at += line.length;
  });
  return out;
}

/** `g_ascii_isspace()`: space, `\t`, `\n`, `\f` and `\r` (GLib's table leaves out `\v`). */
function isAsciiSpace(b: number): boolean {
  return b === 0x20 || b === 0x09 || b === 0x0A || b === 0x0C || b === 0x0D;
}

/** `g_strstrip()` of one line. */
function strip(line: Uint8Array): Uint8Array {
  let start = 0;
  let end = line.length;
  while (start < end && isAsciiSpace(line[start]!)) start++;
  while (end > start && isAsciiSpace(line[end - 1]!)) end--;
  return line.subarray(start, end);
}

/**
 * The keys guest-ssh-get-authorized-keys lists for a file's contents: stripped lines that are
 * neither empty nor comments, last line first.
 */
export function listedKeys(contents: Uint8Array): string[] {
  const keys: string[] = [];
  for (const line of splitLines(contents)) {
    const key = strip(line);
    if (key.length === 0 || key[0] === 0x23) continue;
    keys.push(replyText(key));
  }
  return keys.reverse();
}

/**
 * The new file of guest-ssh-add-authorized-keys: the existing lines, then each key not yet a
 * line, joined with `\n`.
 */
export function withKeysAdded(lines: readonly Uint8Array[], keys: readonly string[]): Uint8Array {
  const out = [...lines];
  const present = new Set(lines.map(binary));
  for (const key of keys) {
    const bytes = wireStringBytes(key);
    const id = binary(bytes);
    if (present.has(id)) continue;
    present.add(id);
    out.push(bytes);
  }
  return joinLines(out);
}

/**
 * The new file of guest-ssh-remove-authorized-keys: the lines that equal none of the keys,
 * joined with `\n` (a final newline stays, as the empty last line).
 */
export function withKeysRemoved(
  lines: readonly Uint8Array[],
  keys: readonly string[],
): Uint8Array {
  const removed = new Set(keys.map((key) => binary(wireStringBytes(key))));
  return joinLines(lines.filter((line) => !removed.has(binary(line))));
}
