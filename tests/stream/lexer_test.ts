/**
 * Lexer behaviour seen through {@link JsonMessageStream}: the spec's section 1.2
 * examples (observed on qemu-ga 7.2), error recovery and token boundaries.
 *
 * @module
 */

import assert from "node:assert/strict";
import { JsonMessageStream } from "../../src/stream/json_stream.ts";
import { bytes, EXPECTING_VALUE, PING, run, stray } from "./helpers.ts";

const PING_ID = (id: string) => `{"execute":"guest-ping","id":${id}}`;

Deno.test("JsonMessageStream.feed() reports a lone 0xFF as stray '\\xFF'", () => {
  assert.deepEqual(run("\xff"), [stray("\xff")]);
});

Deno.test("JsonMessageStream.feed() cuts the stray token text at its first NUL", () => {
  assert.deepEqual(run("\x00"), [stray("")]);
  assert.deepEqual(run('"abc\\\x00'), [stray('"abc\\')]);
});

Deno.test("JsonMessageStream.feed() reports a control byte as a stray token", () => {
  assert.deepEqual(run("\x01"), [stray("\x01")]);
});

Deno.test("JsonMessageStream.feed() skips garbage after an error until a structural byte", () => {
  assert.deepEqual(run('@@@{"execute":"guest-ping"}'), [stray("@"), PING]);
});

Deno.test("JsonMessageStream.feed() ends recovery at 0xFF with a new error", () => {
  assert.deepEqual(run('@abc \xff {"execute":"guest-ping"}'), [stray("@"), stray("\xff"), PING]);
});

Deno.test("JsonMessageStream.feed() rejects a leading zero as '01' and parses the '}' alone", () => {
  assert.deepEqual(run(PING_ID("01")), [stray("01"), EXPECTING_VALUE]);
});

Deno.test("JsonMessageStream.feed() consumes the offending byte into the error token", () => {
  assert.deepEqual(run(PING_ID("-")), [stray("-}")]);
  assert.deepEqual(run(PING_ID("1.")), [stray("1.}")]);
  assert.deepEqual(run(PING_ID("1e")), [stray("1e}")]);
  assert.deepEqual(run(PING_ID("1e+")), [stray("1e+}")]);
  assert.deepEqual(run(PING_ID("-x")), [stray("-x"), EXPECTING_VALUE]);
});

Deno.test("JsonMessageStream.feed() rejects control bytes inside strings", () => {
  assert.deepEqual(run(PING_ID('"a\tb"')), [stray('"a\t'), EXPECTING_VALUE]);
  assert.deepEqual(run(PING_ID('"ab\xffcd"')), [stray('"ab\xff'), EXPECTING_VALUE]);
  assert.deepEqual(run(PING_ID('"ab\xfecd"')), [stray('"ab\xfe'), EXPECTING_VALUE]);
  assert.deepEqual(run('"a\x00b"'), [stray('"a')]);
});

Deno.test("JsonMessageStream.feed() includes a pending escape in the stray token", () => {
  const stream = new JsonMessageStream();
  assert.deepEqual(stream.feed(bytes('"abc\\')), []);
  assert.deepEqual(stream.feed(bytes("\xff")).map((e) => "error" in e && e.error), [
    bytes("JSON parse error, stray '\"abc\\\xff'"),
  ]);
  assert.deepEqual(run('"abc\\\t'), [stray('"abc\\\t')]);
  assert.deepEqual(run("'ab\\\xff"), [stray("'ab\\\xff")]);
});

Deno.test("JsonMessageStream.feed() accepts only lower-case keywords", () => {
  assert.deepEqual(run(PING_ID("TRUE")), [stray("T"), EXPECTING_VALUE]);
  assert.deepEqual(run(PING_ID("true")), ['V:{"execute": "guest-ping", "id": true}']);
});

Deno.test("JsonMessageStream.feed() rejects '%' (no interpolation in qemu-ga)", () => {
  assert.deepEqual(run(PING_ID("%d")), [stray("%"), EXPECTING_VALUE]);
});

Deno.test("JsonMessageStream.feed() returns stray errors as raw bytes and others as strings", () => {
  const events = new JsonMessageStream().feed(bytes("\xff\n}"));
  assert.deepEqual(events.length, 2);
  const [first, second] = events;
  assert.ok(first && "error" in first && first.error instanceof Uint8Array);
  assert.ok(second && "error" in second && typeof second.error === "string");
});

Deno.test("JsonMessageStream.feed() keeps a number's end byte for the next token", () => {
  assert.deepEqual(run("[1]"), ["V:[1n]"]);
  assert.deepEqual(run("[1.5,-2e3,0]"), ["V:[num(1.5), num(-2000), 0n]"]);
  assert.deepEqual(run("1\xff"), ["V:1n", stray("\xff")]);
  assert.deepEqual(run("-\xff"), [stray("-\xff")]);
  assert.deepEqual(run("1.\xff"), [stray("1.\xff")]);
});

Deno.test("JsonMessageStream.feed() needs one byte of lookahead for top-level scalars", () => {
  const stream = new JsonMessageStream();
  assert.deepEqual(stream.feed(bytes("42")), []);
  assert.deepEqual(stream.feed(bytes(" ")).length, 1);
  assert.deepEqual(stream.feed(bytes("true")), []);
  assert.deepEqual(stream.feed(bytes("\n")).length, 1);
  assert.deepEqual(run('"x"'), ['V:"x"']);
});

Deno.test("JsonMessageStream.feed() treats only space, tab, CR and LF as whitespace", () => {
  assert.deepEqual(run(' \t\r\n{"execute" : "guest-ping"}\n'), [PING]);
  assert.deepEqual(run("\x0b{}"), [stray("\x0b"), "V:{}"]);
  assert.deepEqual(run("\x0c[]"), [stray("\x0c"), "V:[]"]);
});

Deno.test("JsonMessageStream.feed() skips tab but stops at other controls during recovery", () => {
  assert.deepEqual(run("@ab\tc\n[]"), [stray("@"), "V:[]"]);
  assert.deepEqual(run("@ab\x01[]"), [stray("@"), stray("\x01"), "V:[]"]);
  assert.deepEqual(run("@ab\xfe[]"), [stray("@"), stray("\xfe"), "V:[]"]);
  assert.deepEqual(run("@\"x'y\x80\x7f:"), [stray("@"), EXPECTING_VALUE]);
});

Deno.test("JsonMessageStream.feed() resynchronises at every structural character", () => {
  for (const c of "[]{}:,") {
    const expected = c === "[" || c === "{" ? [stray("@")] : [stray("@"), EXPECTING_VALUE];
    assert.deepEqual(run(`@x${c}`), expected, c);
  }
});

Deno.test("JsonMessageStream.feed() reports every byte >= 0x7F at START as stray", () => {
  for (let c = 0x7F; c <= 0xFF; c++) {
    const ch = String.fromCharCode(c);
    assert.deepEqual(run(`${ch}\n`), [stray(ch)], `byte ${c}`);
  }
});

Deno.test("JsonMessageStream.feed() reports upper-case letters and odd ASCII as stray", () => {
  for (const ch of "ABZ@#$%&()*+./;<=>?^_`|~!\\") {
    assert.deepEqual(run(`${ch}\n`), [stray(ch)], ch);
  }
});
