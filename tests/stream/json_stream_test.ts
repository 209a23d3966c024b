/**
 * Message framing of {@link JsonMessageStream}: packed and split requests, state
 * kept across feeds, 0xFF resynchronisation, and chunking independence (property
 * tests with a seeded PRNG).
 *
 * @module
 */

import assert from "node:assert/strict";
import { JsonMessageStream } from "../../src/stream/json_stream.ts";
import { bytes, concat, EXPECTING_VALUE, feedIn, PING, prng, run, show, stray } from "./helpers.ts";

Deno.test("JsonMessageStream.feed() completes a request without a trailing newline", () => {
  assert.deepEqual(run('{"execute":"guest-ping"}'), [PING]);
});

Deno.test("JsonMessageStream.feed() returns each of several packed requests in order", () => {
  const input = '{"execute":"guest-ping","id":1}{"execute":"guest-ping","id":2} [3]\n"x"{}';
  assert.deepEqual(run(input), [
    'V:{"execute": "guest-ping", "id": 1n}',
    'V:{"execute": "guest-ping", "id": 2n}',
    "V:[3n]",
    'V:"x"',
    "V:{}",
  ]);
});

Deno.test("JsonMessageStream.feed() assembles a request split at every byte", () => {
  const input = '{"execute":"guest-sync","arguments":{"id":-12345678901},"s":"\\u00e9\xc3\xa9"}';
  const expected = [
    'V:{"execute": "guest-sync", "arguments": {"id": -12345678901n}, "s": "\u00e9\u00e9"}',
  ];
  assert.deepEqual(run(input, 1), expected);
  for (let split = 0; split <= input.length; split++) {
    const stream = new JsonMessageStream();
    const events = [
      ...stream.feed(bytes(input.slice(0, split))),
      ...stream.feed(bytes(input.slice(split))),
    ];
    assert.deepEqual(events.map(show), expected, `split at ${split}`);
  }
});

Deno.test("JsonMessageStream.feed() returns nothing for an empty chunk", () => {
  const stream = new JsonMessageStream();
  assert.deepEqual(stream.feed(new Uint8Array(0)), []);
  assert.deepEqual(stream.feed(bytes('{"a"')), []);
  assert.deepEqual(stream.feed(new Uint8Array(0)), []);
  assert.deepEqual(stream.feed(bytes(":1}")).map(show), ['V:{"a": 1n}']);
});

Deno.test("JsonMessageStream.feed() keeps a stale partial message across feeds", () => {
  const stream = new JsonMessageStream();
  assert.deepEqual(stream.feed(bytes('{"execute":"guest-ping"')), []);
  // A later, complete request is swallowed by the stale one...
  assert.deepEqual(stream.feed(bytes('{"execute":"guest-ping","id":2}\n')), []);
  // ...until the outer object closes.
  assert.deepEqual(stream.feed(bytes("}")).map(show), [
    "E:JSON parse error, expected separator in dict",
  ]);
  assert.deepEqual(stream.feed(bytes('{"execute":"guest-ping"}')).map(show), [PING]);
});

Deno.test("JsonMessageStream.feed() drops a partial message on 0xFF", () => {
  const stream = new JsonMessageStream();
  assert.deepEqual(stream.feed(bytes('{"execute":"guest-ping","arguments":{"a":[1,')), []);
  const events = stream.feed(
    bytes('\xff{"execute":"guest-sync-delimited","arguments":{"id":42}}\n'),
  );
  assert.deepEqual(events.map(show), [
    stray("\xff"),
    'V:{"execute": "guest-sync-delimited", "arguments": {"id": 42n}}',
  ]);
});

Deno.test("JsonMessageStream.feed() includes a half-lexed token in the 0xFF error", () => {
  assert.deepEqual(run('{"execute":"guest-ping","id":"abc\xff{}'), [stray('"abc\xff'), "V:{}"]);
  assert.deepEqual(run('{"execute":"guest-ping","id":12\xff{}'), [stray("\xff"), "V:{}"]);
  assert.deepEqual(run('{"execute":"guest-ping","id":-\xff{}'), [stray("-\xff"), "V:{}"]);
});

Deno.test("JsonMessageStream.feed() parses when a counter goes negative", () => {
  assert.deepEqual(run('{"a":1]'), ["E:JSON parse error, expected separator in dict"]);
  assert.deepEqual(run("[{]}"), [EXPECTING_VALUE]);
  assert.deepEqual(run("]]"), [EXPECTING_VALUE, EXPECTING_VALUE]);
  assert.deepEqual(run("{[}]"), [EXPECTING_VALUE]);
});

Deno.test("JsonMessageStream.feed() returns a fresh events array per call", () => {
  const stream = new JsonMessageStream();
  const a = stream.feed(bytes("[1]"));
  const b = stream.feed(bytes("[2]"));
  assert.notEqual(a, b);
  assert.deepEqual([a.map(show), b.map(show)], [["V:[1n]"], ["V:[2n]"]]);
});

const FRAGMENTS = [
  '{"execute":"guest-ping"}',
  '{"execute":"guest-ping","id":',
  "[1,2.5e3,-0,{}]",
  '"str\\n\\u00e9"',
  "'sq\\''",
  "\xc3\xa9",
  "\\uD83D\\uDE00",
  "\\",
  "\xff",
  "\x00",
  "\t",
  "\n",
  " ",
  "@",
  "}",
  "]",
  "{",
  "[",
  ":",
  ",",
  "true",
  "nul",
  "TRUE",
  "-",
  "01",
  "1.",
  "1e+5",
  "12345678901234567890",
  "\xc0\x80",
  '"',
  "'",
  "\x80",
  "\xfe",
  '{"a":{"b":[',
  "]}}",
  '"\\u12"',
  "%d",
];

function randomInput(rand: () => number, pieces: number): Uint8Array {
  let s = "";
  for (let i = 0; i < pieces; i++) s += FRAGMENTS[Math.floor(rand() * FRAGMENTS.length)];
  return bytes(s);
}

Deno.test("JsonMessageStream.feed() gives identical events for any chunking", () => {
  const rand = prng(0x5eed);
  for (let round = 0; round < 300; round++) {
    const input = randomInput(rand, 1 + Math.floor(rand() * 40));
    const whole = run(input);
    assert.deepEqual(run(input, 1), whole, `byte by byte, round ${round}`);
    const maxChunk = 1 + Math.floor(rand() * 16);
    const chunked = run(input, () => 1 + Math.floor(rand() * maxChunk));
    assert.deepEqual(chunked, whole, `random chunks, round ${round}`);
  }
});

Deno.test("JsonMessageStream.feed() gives identical events for a large string in any chunking", () => {
  const rand = prng(7);
  const body = new Uint8Array(300_000);
  for (let i = 0; i < body.length; i++) body[i] = 0x41 + Math.floor(rand() * 26);
  body.set(bytes("\\n\xc3\xa9\\u00e9"), 150_000);
  const input = concat('{"execute":"guest-file-write","arguments":{"buf-b64":"', body, '"}}');
  const whole = run(input);
  assert.equal(whole.length, 1);
  assert.ok(whole[0]!.includes("\\n\u00e9\u00e9"));
  for (const size of [1 << 10, 4096, 65536, 99_991]) assert.deepEqual(run(input, size), whole);
  assert.deepEqual(run(input, () => 1 + Math.floor(rand() * 20000)), whole);
});

Deno.test("JsonMessageStream.events() yields what feed() returns, lexing one event at a time", () => {
  const rand = prng(0xe7e);
  for (let round = 0; round < 200; round++) {
    const input = randomInput(rand, 1 + Math.floor(rand() * 40));
    const fed = new JsonMessageStream();
    const pulled = new JsonMessageStream();
    for (let i = 0; i < input.length;) {
      const chunk = input.subarray(i, i += 1 + Math.floor(rand() * 24));
      const expected = fed.feed(chunk).map(show);
      const got: string[] = [];
      for (const event of pulled.events(chunk)) got.push(show(event));
      assert.deepEqual(got, expected, `round ${round}`);
    }
  }
});

Deno.test("JsonMessageStream.events() left early lexes the rest of the chunk", () => {
  const stream = new JsonMessageStream();
  for (const event of stream.events(bytes('[1] [2] {"a":'))) {
    assert.equal(show(event), "V:[1n]");
    break;
  }
  assert.deepEqual(stream.feed(bytes("3}")).map(show), ['V:{"a": 3n}']);
});

Deno.test("JsonMessageStream.feed() never throws on random bytes", () => {
  const rand = prng(99);
  const stream = new JsonMessageStream();
  for (let round = 0; round < 200; round++) {
    const chunk = new Uint8Array(Math.floor(rand() * 512));
    for (let i = 0; i < chunk.length; i++) chunk[i] = Math.floor(rand() * 256);
    stream.feed(chunk);
  }
  // Whatever state the garbage left, 0xFF then a newline resynchronises.
  const events = feedIn(stream, '\xff\n{"execute":"guest-ping"}');
  assert.equal(show(events.at(-1)!), PING);
});

Deno.test("JsonMessageStream.feed() does not keep references to the caller's chunk", () => {
  const stream = new JsonMessageStream();
  const buf = bytes('{"a":"xyz');
  stream.feed(buf);
  buf.fill(0x40);
  assert.deepEqual(stream.feed(bytes('"}')).map(show), ['V:{"a": "xyz"}']);
  const buf2 = bytes('["\\n\xc3\xa9');
  stream.feed(buf2);
  buf2.fill(0x40);
  assert.deepEqual(stream.feed(bytes('"]')).map(show), ['V:["\\n\u00e9"]']);
});
