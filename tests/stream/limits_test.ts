/**
 * The streamer's limits at their exact boundaries, and the lexer's 64 MiB
 * single-token safety valve (every expectation here was checked against qemu-ga 7.2).
 *
 * @module
 */

import assert from "node:assert/strict";
import { MAX_NESTING, MAX_TOKEN_COUNT, MAX_TOKEN_SIZE } from "../../src/stream/limits.ts";
import { concat, EXPECTING_VALUE, filled, run, stray } from "./helpers.ts";

const SIZE_ERROR = "E:JSON token size limit exceeded";
const COUNT_ERROR = "E:JSON token count limit exceeded";
const NESTING_ERROR = "E:JSON nesting depth limit exceeded";
const MiB = 1 << 20;

Deno.test("limits have QEMU's values", () => {
  assert.equal(MAX_TOKEN_SIZE, 67108864);
  assert.equal(MAX_TOKEN_COUNT, 2097152);
  assert.equal(MAX_NESTING, 1024);
});

Deno.test("JsonMessageStream.feed() accepts nesting 1024", () => {
  const arrays = run("[".repeat(1024) + "]".repeat(1024));
  assert.equal(arrays.length, 1);
  assert.ok(arrays[0]!.startsWith("V:[[[["));
  const mixed = run('{"a":['.repeat(512) + "]}".repeat(512));
  assert.equal(mixed.length, 1);
  assert.ok(mixed[0]!.startsWith('V:{"a": [{"a": ['));
});

Deno.test("JsonMessageStream.feed() rejects nesting 1025, then reports each stray closer", () => {
  const events = run("[".repeat(1025) + "]".repeat(1025));
  assert.equal(events.length, 1026);
  assert.equal(events[0], NESTING_ERROR);
  assert.ok(events.slice(1).every((e) => e === EXPECTING_VALUE));
  assert.deepEqual(run("{".repeat(1024) + "[" + "x"), [NESTING_ERROR]);
});

Deno.test("JsonMessageStream.feed() accepts 2097152 tokens per message", () => {
  // [ + 1048574 × "0," + [ ] ]  =  1 + 2097148 + 3 tokens
  const events = run("[" + "0,".repeat(1048574) + "[]]", MiB);
  assert.equal(events.length, 1);
  assert.ok(events[0]!.startsWith("V:[0n, 0n,") && events[0]!.endsWith(", []]"));
});

Deno.test("JsonMessageStream.feed() rejects the 2097153rd token", () => {
  // [ + 1048575 × "0," + 0 ]  =  2097153 tokens; the error hits the final `]`.
  assert.deepEqual(run("[" + "0,".repeat(1048575) + "0]", MiB), [COUNT_ERROR]);
});

/** `{"execute":"guest-ping","id":"<l - 2 bytes>"}`: a string token of length `l`. */
function pingWithIdToken(l: number): Uint8Array {
  return concat('{"execute":"guest-ping","id":"', filled(l - 2, "ab"), '"}');
}

Deno.test("JsonMessageStream.feed() accepts a message of 64 MiB minus the +1 rule", () => {
  const events = run(pingWithIdToken(67108833), MiB);
  assert.equal(events.length, 1);
  assert.ok(events[0]!.startsWith('V:{"execute": "guest-ping", "id": "ababab'));
  assert.equal(events[0]!.length, 'V:{"execute": "guest-ping", "id": ""}'.length + 67108831);
});

Deno.test("JsonMessageStream.feed() rejects a message one byte larger", () => {
  assert.deepEqual(run(pingWithIdToken(67108834), MiB), [SIZE_ERROR]);
});

Deno.test("JsonMessageStream.feed() force-emits a string token beyond 64 MiB", () => {
  // The valve fires after `"` + 64 MiB body bytes; the last 5 ("aBaBa") are lexed afresh.
  const input = concat('{"execute":"guest-ping","id":"', filled(MAX_TOKEN_SIZE + 5, "aB"), '"}');
  const expected = [
    SIZE_ERROR,
    "E:JSON parse error, invalid keyword 'a'",
    stray("B"),
    EXPECTING_VALUE,
  ];
  assert.deepEqual(run(input, MiB), expected);
  assert.deepEqual(run(input, 3 * MiB + 7), expected);
});

Deno.test("JsonMessageStream.feed() lets a string end exactly at the valve limit", () => {
  // A token of 64 MiB + 1 bytes that ends with its quote is emitted whole (then too big).
  const ends = concat('"', filled(MAX_TOKEN_SIZE - 1, "x"), '" 1 ');
  assert.deepEqual(run(ends, MiB), [SIZE_ERROR, "V:1n"]);
  // One byte more and the valve cuts it: the closing quote opens a new string.
  const cut = concat('"', filled(MAX_TOKEN_SIZE, "x"), '" 1 \xff');
  assert.deepEqual(run(cut, MiB), [SIZE_ERROR, stray('" 1 \xff')]);
});

Deno.test("JsonMessageStream.feed() force-emits long numbers, keywords and escapes", () => {
  const number = concat("[1", filled(MAX_TOKEN_SIZE + 3, "7"), "]");
  assert.deepEqual(run(number, 4 * MiB), [SIZE_ERROR, "V:777n", EXPECTING_VALUE]);
  const keyword = concat("[", filled(MAX_TOKEN_SIZE + 3, "t"), "]");
  assert.deepEqual(run(keyword, 4 * MiB), [
    SIZE_ERROR,
    "E:JSON parse error, invalid keyword 'tt'",
    EXPECTING_VALUE,
  ]);
  const escape = concat('"', filled(MAX_TOKEN_SIZE - 1, "x"), '\\nab"]\xff');
  assert.deepEqual(run(escape, 4 * MiB), [
    SIZE_ERROR,
    "E:JSON parse error, invalid keyword 'nab'",
    stray('"]\xff'),
  ]);
});
