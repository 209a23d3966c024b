/**
 * String decoding: escapes, QEMU's modified UTF-8 validation and the exact error
 * texts (each case below was checked against qemu-ga 7.2).
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  decodeStringToken,
  decodeStringTokenInPlace,
  isValidCodePoint,
  StringDecodeError,
} from "../../src/stream/utf8.ts";
import { bytes, prng, run } from "./helpers.ts";

const ERR = "E:JSON parse error, ";
const INVALID_UTF8 = ERR + "invalid UTF-8 sequence in string";
const INVALID_ESCAPE = ERR + "invalid escape sequence in string";

/** Events for `["<body>"]`. */
function str(body: string, quote = '"'): string[] {
  return run(`[${quote}${body}${quote}]`);
}

function value(s: string): string[] {
  return [`V:[${JSON.stringify(s)}]`];
}

Deno.test("JsonMessageStream.feed() decodes all simple escapes", () => {
  assert.deepEqual(str("\\\"\\'\\\\\\/\\b\\f\\n\\r\\t"), value("\"'\\/\b\f\n\r\t"));
});

Deno.test("JsonMessageStream.feed() decodes single-quoted strings", () => {
  assert.deepEqual(str("a\\'\"b", "'"), value("a'\"b"));
  assert.deepEqual(run(`{'execute':'guest-ping'}`), ['V:{"execute": "guest-ping"}']);
});

Deno.test("JsonMessageStream.feed() rejects unknown escapes", () => {
  for (const e of ["\\x", "\\a", "\\U0041", "\\0", "\\ ", "\\%", "\\\xc3\xa9"]) {
    assert.deepEqual(str(e), [INVALID_ESCAPE], e);
  }
});

Deno.test("JsonMessageStream.feed() decodes \\u escapes and surrogate pairs", () => {
  assert.deepEqual(str("\\u0041\\u00e9\\u00E9\\u20ac"), value("A\u00e9\u00e9\u20ac"));
  assert.deepEqual(str("\\u0000"), value("\0"));
  assert.deepEqual(str("\\uD83D\\uDE00\\ud83d\\ude00"), value("\u{1F600}\u{1F600}"));
  assert.deepEqual(str("\\uD800\\uDC00"), value("\u{10000}"));
  assert.deepEqual(str("\\uDBFF\\uDFFD"), value("\u{10FFFD}"));
  assert.deepEqual(str("\\uFEFF"), value("\uFEFF"));
});

Deno.test("JsonMessageStream.feed() rejects invalid \\u escapes quoting the escape text", () => {
  const cases: [string, string][] = [
    ["\\ud800", "\\ud800"],
    ["\\uDC00", "\\uDC00"],
    ["\\uD800\\u0041", "\\uD800"],
    ["\\uD800x", "\\uD800"],
    ["\\uD800\\uD800", "\\uD800"],
    ["\\uFFFF", "\\uFFFF"],
    ["\\uFFFE", "\\uFFFE"],
    ["\\uFDD0", "\\uFDD0"],
    ["\\uFDEF", "\\uFDEF"],
    ["\\uD83F\\uDFFE", "\\uD83F\\uDFFE"],
    ["\\uDBFF\\uDFFF", "\\uDBFF\\uDFFF"],
    ["\\u12", '\\u12"'],
    ["\\u", '\\u"'],
    ["\\u1G34", "\\u1G34"],
  ];
  for (const [body, esc] of cases) {
    assert.deepEqual(str(body), [`${ERR}${esc} is not a valid Unicode character`], body);
  }
  assert.deepEqual(run(`['\\u12']`), [`${ERR}\\u12' is not a valid Unicode character`]);
});

Deno.test("JsonMessageStream.feed() quotes non-ASCII escape text as raw bytes", () => {
  assert.deepEqual(str("\\u12\xc3\xa9"), [
    "B:JSON parse error, \\u12\\xc3\\xa9 is not a valid Unicode character",
  ]);
  assert.deepEqual(str("\\u12X\xc3\xa9"), [
    "B:JSON parse error, \\u12X\\xc3 is not a valid Unicode character",
  ]);
});

Deno.test("JsonMessageStream.feed() accepts valid UTF-8 and C0 80 as U+0000", () => {
  assert.deepEqual(str("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), value("\u00e9\u20ac\u{1F600}"));
  assert.deepEqual(str("a\xc0\x80b\xc0\x80"), value("a\0b\0"));
  assert.deepEqual(str("\x7f"), value("\x7f"));
  assert.deepEqual(str("\xef\xbb\xbfx"), value("\uFEFFx"));
  assert.deepEqual(str("\xf4\x8f\xbf\xbd"), value("\u{10FFFD}"));
  assert.deepEqual(str("\xef\xbf\xbd"), value("\uFFFD"));
});

Deno.test("JsonMessageStream.feed() rejects invalid UTF-8 sequences", () => {
  const cases = [
    "\x80", // lone continuation byte
    "\xbf",
    "\xc3", // truncated by the closing quote
    "\xc3\\n", // truncated by an escape
    "\xe2\x82",
    "\xed\xa0\x80", // surrogate U+D800
    "\xed\xbf\xbf", // surrogate U+DFFF
    "\xef\xbf\xbf", // noncharacter U+FFFF
    "\xef\xbf\xbe", // noncharacter U+FFFE
    "\xef\xb7\x90", // noncharacter U+FDD0
    "\xef\xb7\xaf", // noncharacter U+FDEF
    "\xf0\x9f\xbf\xbe", // noncharacter U+1FFFE
    "\xf4\x90\x80\x80", // U+110000
    "\xc1\xbf", // overlong
    "\xe0\x80\xaf", // overlong '/'
    "\xf0\x80\x80\xaf",
    "\xc0\x81", // overlong, not C0 80
    "\xe0\x80\x80", // overlong NUL in 3 bytes
    "\xf8\x88\x80\x80\x80", // 5-byte form
    "\xfc\x84\x80\x80\x80\x80", // 6-byte form
  ];
  for (const body of cases) assert.deepEqual(str(body), [INVALID_UTF8], JSON.stringify(body));
});

Deno.test("JsonMessageStream.feed() reports the first string error in order", () => {
  assert.deepEqual(str("\\q\xc3"), [INVALID_ESCAPE]);
  assert.deepEqual(str("\xc3\\q"), [INVALID_UTF8]);
  assert.deepEqual(str("\\uD800\xc3"), [`${ERR}\\uD800 is not a valid Unicode character`]);
  assert.deepEqual(str("\x80\\uD800"), [INVALID_UTF8]);
});

Deno.test("decodeStringToken() decodes a whole token and reports errors as objects", () => {
  assert.equal(decodeStringToken(bytes('"a\\tb"')), "a\tb");
  assert.equal(decodeStringToken(bytes('""')), "");
  assert.equal(decodeStringToken(bytes("'\xc0\x80'")), "\0");
  const err = decodeStringToken(bytes('"\\uFFFF"'));
  assert.ok(err instanceof StringDecodeError);
  assert.equal(err.message, "JSON parse error, \\uFFFF is not a valid Unicode character");
});

/** Pieces of string bodies: plain runs, escapes (valid and not), UTF-8 (valid and not). */
const BODY_PIECES = [
  "a",
  "abcdefghijklmnopqrstuvwxyz0123456789".repeat(3),
  "\\n",
  "\\/",
  '\\"',
  "\\u00e9",
  "\\u0000",
  "\\uD83D\\uDE00",
  "\\uD83D",
  "\\uDE00",
  "\\uD83D\\u0041",
  "\\u12",
  "\\uFFFF",
  "\\x",
  "\xc3\xa9",
  "\xf0\x9f\x98\x80",
  "\xc0\x80",
  "\xc3",
  "\x80",
  "\xed\xa0\x80",
];

Deno.test("decodeStringTokenInPlace() matches decodeStringToken() across window boundaries", () => {
  const rand = prng(0x1d);
  for (let round = 0; round < 400; round++) {
    let body = "";
    const pieces = Math.floor(rand() * 30);
    for (let i = 0; i < pieces; i++) body += BODY_PIECES[Math.floor(rand() * BODY_PIECES.length)];
    const token = bytes(`"${body}"`);
    const expected = decodeStringToken(token);
    for (const window of [1, 2, 7, 16, 33, 100]) {
      // The token inside a larger buffer, as in the token queue.
      const buf = new Uint8Array(token.length + 10).fill(0x3F);
      buf.set(token, 5);
      const got = decodeStringTokenInPlace(buf, 5, 5 + token.length, window);
      assert.deepEqual(got, expected, `round ${round}, window ${window}: ${JSON.stringify(body)}`);
      assert.ok(buf.subarray(0, 5).every((b) => b === 0x3F), "nothing written before the token");
    }
  }
});

Deno.test("isValidCodePoint() follows QEMU's rules", () => {
  for (const cp of [0, 0x41, 0xD7FF, 0xE000, 0xFDCF, 0xFDF0, 0xFFFD, 0x10000, 0x10FFFD]) {
    assert.ok(isValidCodePoint(cp), cp.toString(16));
  }
  for (
    const cp of [-1, 0xD800, 0xDFFF, 0xFDD0, 0xFDEF, 0xFFFE, 0xFFFF, 0x1FFFF, 0x10FFFF, 0x110000]
  ) {
    assert.ok(!isValidCodePoint(cp), cp.toString(16));
  }
});
