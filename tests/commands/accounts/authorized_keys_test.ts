/**
 * The content rules of guest-ssh-*-authorized-keys (`src/commands/accounts/authorized_keys.ts`)
 * against what qemu-ga 7.2 does with GLib: `g_strsplit` on a C string, `g_strstrip` with GLib's
 * ASCII space table, byte-exact comparisons, and the reply text of non-UTF-8 lines.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  firstInvalidKey,
  joinLines,
  listedKeys,
  replyText,
  splitLines,
  wireStringBytes,
  withKeysAdded,
  withKeysRemoved,
} from "../../../src/commands/accounts/authorized_keys.ts";
import { buildFilename, sshPaths } from "../../../src/commands/accounts/ssh_paths.ts";
import { toJson } from "../../../src/qobject/writer.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const b = (s: string) => enc.encode(s);
const lines = (s: string) => splitLines(b(s)).map((l) => dec.decode(l));

Deno.test('splitLines() splits like g_strsplit(contents, "\\n", -1) on a C string', () => {
  assert.deepEqual(lines(""), []);
  assert.deepEqual(lines("\n"), ["", ""]);
  assert.deepEqual(lines("a"), ["a"]);
  assert.deepEqual(lines("a\nb\n"), ["a", "b", ""]);
  assert.deepEqual(lines("a\r\n\nb"), ["a\r", "", "b"]);
  assert.deepEqual(lines("a\nb\0c\nd"), ["a", "b"], "the file ends at its first NUL byte");
  assert.deepEqual(lines("\0a"), []);
});

Deno.test('joinLines() is g_strjoinv("\\n"): no final newline added', () => {
  assert.equal(dec.decode(joinLines([])), "");
  assert.equal(dec.decode(joinLines([b("")])), "");
  assert.equal(dec.decode(joinLines([b("a"), b("")])), "a\n");
  assert.equal(dec.decode(joinLines([b("a"), b("b")])), "a\nb");
});

Deno.test("listedKeys() strips GLib's ASCII spaces (not \\v), skips blanks and comments, reverses", () => {
  assert.deepEqual(listedKeys(b("k1\n  # c\n\t k2 \r\n\n\f\r \nk3")), ["k3", "k2", "k1"]);
  assert.deepEqual(listedKeys(b("\vk\v\n")), ["\vk\v"], "\\v is not a space for GLib");
  assert.deepEqual(listedKeys(b("#only\n\n")), []);
  assert.deepEqual(listedKeys(b("a\0b\nc")), ["a"]);
  assert.deepEqual(listedKeys(b("x\u00a0")), ["x\u00a0"], "no Unicode spaces");
});

Deno.test("listedKeys() shows non-UTF-8 bytes as qemu-ga's writer does", () => {
  const raw = new Uint8Array([0x6B, 0xFF, 0x20, 0xC0, 0x80, 0xE2, 0x82, 0x41, 0xC3, 0xA9]);
  const keys = listedKeys(raw);
  assert.equal(toJson({ keys }), '{"keys": ["k\\uFFFD \\u0000\\uFFFDA\\u00E9"]}');
  assert.equal(replyText(b("plain")), "plain");
});

Deno.test("wireStringBytes() is modified UTF-8: U+0000 becomes C0 80", () => {
  assert.deepEqual([...wireStringBytes("a\u0000é")], [0x61, 0xC0, 0x80, 0xC3, 0xA9]);
  assert.deepEqual([...wireStringBytes("abc")], [0x61, 0x62, 0x63]);
});

Deno.test("firstInvalidKey() rejects a leading '#' or any newline; '' and inner '#' are fine", () => {
  assert.equal(firstInvalidKey(["ok", "", "a # b", "#x", "y\n"]), "#x");
  assert.equal(firstInvalidKey(["a", "b\nc"]), "b\nc");
  assert.equal(firstInvalidKey([" #x", "a\r"]), undefined);
  assert.equal(firstInvalidKey([]), undefined);
});

Deno.test("withKeysAdded() appends keys that are not lines yet, each once", () => {
  const add = (file: string, keys: string[]) =>
    dec.decode(withKeysAdded(splitLines(b(file)), keys));
  assert.equal(add("", ["k1", "k2"]), "k1\nk2");
  assert.equal(add("k1\n", ["k2"]), "k1\n\nk2");
  assert.equal(add("k1\n", [""]), "k1\n", "'' is already a line (the one after the newline)");
  assert.equal(add("k1", [""]), "k1\n");
  assert.equal(add("k1", ["k2", "k2", "k1"]), "k1\nk2");
  assert.equal(add("k1 ", ["k1"]), "k1 \nk1", "compared exactly, not stripped");
  assert.equal(add("", []), "");
});

Deno.test("withKeysRemoved() drops exactly equal lines and keeps the rest as they were", () => {
  const remove = (file: string, keys: string[]) =>
    dec.decode(withKeysRemoved(splitLines(b(file)), keys));
  assert.equal(remove("a\nb\na\n", ["a"]), "b\n");
  assert.equal(remove("a\nb\n", ["c"]), "a\nb\n");
  assert.equal(remove("a \nb", ["a"]), "a \nb");
  assert.equal(remove("a\n\nb", [""]), "a\nb");
  assert.equal(remove("a\u0000", ["a"]), "", "the NUL ends the file, as qemu-ga reads it");
  const raw = new Uint8Array([0x61, 0xC0, 0x80, 0x0A, 0x62]);
  assert.equal(dec.decode(withKeysRemoved(splitLines(raw), ["a\u0000"])), "b");
});

Deno.test("buildFilename() joins like g_build_filename", () => {
  assert.equal(buildFilename("/home/u", ".ssh"), "/home/u/.ssh");
  assert.equal(buildFilename("/home/u/", ".ssh"), "/home/u/.ssh");
  assert.equal(buildFilename("/", ".ssh"), "/.ssh");
  assert.equal(buildFilename("//srv//u//", ".ssh"), "//srv//u/.ssh");
  assert.equal(buildFilename("", ".ssh"), ".ssh");
  assert.deepEqual(sshPaths("/root"), {
    sshDir: "/root/.ssh",
    keysFile: "/root/.ssh/authorized_keys",
  });
});
