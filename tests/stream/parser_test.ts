/**
 * Parser behaviour: value mapping (objects, arrays, keywords, int64/uint64/double
 * numbers) and every error message of spec section 1.4, first error winning.
 *
 * @module
 */

import assert from "node:assert/strict";
import { parseInteger, parseTokens } from "../../src/stream/parser.ts";
import { TokenType } from "../../src/stream/token.ts";
import { TokenQueue } from "../../src/stream/token_queue.ts";
import { JsonMessageStream } from "../../src/stream/json_stream.ts";
import { bytes, EXPECTING_VALUE, run, showValue } from "./helpers.ts";

const ERR = "E:JSON parse error, ";

function valueOf(json: string): string {
  const events = run(json + "\n");
  assert.equal(events.length, 1, `one event for ${json}`);
  return events[0]!;
}

Deno.test("JsonMessageStream.feed() parses objects into Maps in insertion order", () => {
  const [ev] = new JsonMessageStream().feed(bytes('{"b":1,"a":{"c":[]},"":null}'));
  assert.ok(ev && "value" in ev && ev.value instanceof Map);
  assert.deepEqual([...ev.value.keys()], ["b", "a", ""]);
  assert.equal(showValue(ev.value), '{"b": 1n, "a": {"c": []}, "": null}');
});

Deno.test("JsonMessageStream.feed() parses arrays, keywords and nesting", () => {
  assert.equal(valueOf("[true,false,null,[],{},[[1]]]"), "V:[true, false, null, [], {}, [[1n]]]");
  assert.equal(valueOf("[ 1 , 2 ]"), "V:[1n, 2n]");
  assert.equal(valueOf('{"__proto__":1}'), 'V:{"__proto__": 1n}');
});

Deno.test("parseInteger() keeps int64 and uint64 exact and falls back to doubles", () => {
  const cases: [string, bigint | number][] = [
    ["0", 0n],
    ["-0", 0n],
    ["42", 42n],
    ["-42", -42n],
    ["9223372036854775807", 2n ** 63n - 1n],
    ["-9223372036854775808", -(2n ** 63n)],
    ["9223372036854775808", 2n ** 63n],
    ["18446744073709551615", 2n ** 64n - 1n],
    ["18446744073709551616", 18446744073709551616],
    ["-9223372036854775809", -9223372036854775809],
    ["99999999999999999999", 99999999999999999999],
    ["123456789012345678901234567890", 1.2345678901234568e29],
    ["1" + "0".repeat(400), Infinity],
    ["-1" + "0".repeat(400), -Infinity],
  ];
  for (const [text, expected] of cases) assert.equal(parseInteger(text), expected, text);
  assert.ok(!Object.is(parseInteger("-0"), -0));
});

Deno.test("JsonMessageStream.feed() parses floats like strtod", () => {
  assert.equal(valueOf("1.5"), "V:num(1.5)");
  assert.equal(valueOf("-0.0"), "V:num(-0)");
  assert.equal(valueOf("1e3"), "V:num(1000)");
  assert.equal(valueOf("1E+3"), "V:num(1000)");
  assert.equal(valueOf("25e-1"), "V:num(2.5)");
  assert.equal(valueOf("0.1e1"), "V:num(1)");
  assert.equal(valueOf("1e400"), "V:num(Infinity)");
  assert.equal(valueOf("-1e400"), "V:num(-Infinity)");
  assert.equal(valueOf("1e-400"), "V:num(0)");
  assert.equal(valueOf("3.14159265358979323846"), "V:num(3.141592653589793)");
  assert.equal(valueOf("-0"), "V:0n");
});

Deno.test("JsonMessageStream.feed() reports 'expecting value'", () => {
  for (const s of ["}", "]", ":", ",", '{"a":1,}', "[1,]", "[,]", '{"a":}', "[}"]) {
    assert.deepEqual(run(s), [EXPECTING_VALUE], s);
  }
});

Deno.test("JsonMessageStream.feed() reports 'key is not a string in object'", () => {
  assert.deepEqual(run("{1:2}"), [ERR + "key is not a string in object"]);
  assert.deepEqual(run("{[1]:2}"), [ERR + "key is not a string in object"]);
  assert.deepEqual(run("{null:2}"), [ERR + "key is not a string in object"]);
  // A broken key reports its own error first.
  assert.deepEqual(run("{nul:2}"), [ERR + "invalid keyword 'nul'"]);
  assert.deepEqual(run("{,}"), [EXPECTING_VALUE]);
});

Deno.test("JsonMessageStream.feed() reports 'missing : in object pair'", () => {
  assert.deepEqual(run('{"a" 1}'), [ERR + "missing : in object pair"]);
  assert.deepEqual(run('{"a",1}'), [ERR + "missing : in object pair"]);
  assert.deepEqual(run('{"a"}'), [ERR + "missing : in object pair"]);
});

Deno.test("JsonMessageStream.feed() reports separator errors", () => {
  assert.deepEqual(run('{"a":2 "b":3}'), [ERR + "expected separator in dict"]);
  assert.deepEqual(run('{"a":1]'), [ERR + "expected separator in dict"]);
  assert.deepEqual(run("[1 2]"), [ERR + "expected separator in list"]);
  assert.deepEqual(run("[1:2]"), [ERR + "expected separator in list"]);
  assert.deepEqual(run("[1}"), [ERR + "expected separator in list"]);
});

Deno.test("JsonMessageStream.feed() reports 'duplicate key' after parsing the value", () => {
  const twice = '{"execute":"guest-ping","execute":"guest-ping"}';
  assert.deepEqual(run(twice), [ERR + "duplicate key"]);
  assert.deepEqual(run('{"a":1,"a":}'), [EXPECTING_VALUE]);
  assert.deepEqual(run('{"a":1,"a":nul}'), [ERR + "invalid keyword 'nul'"]);
  assert.deepEqual(run('{"a":1,"\\u0061":2}'), [ERR + "duplicate key"]);
  assert.deepEqual(run(`{"a":1,'a':2}`), [ERR + "duplicate key"]);
  assert.deepEqual(run('{"a":{"a":1},"b":{"a":2}}').length, 1);
});

Deno.test("JsonMessageStream.feed() reports invalid keywords, cut to QEMU's 1023-byte buffer", () => {
  for (const kw of ["nul", "abc", "garbage", "nullx", "tru"]) {
    assert.deepEqual(run(`[${kw}]`), [`${ERR}invalid keyword '${kw}'`]);
  }
  const long1005 = "a".repeat(1005);
  assert.deepEqual(run(`[${long1005}]`), [`${ERR}invalid keyword '${long1005}'`]);
  const long1006 = "a".repeat(1006);
  assert.deepEqual(run(`[${long1006}]`), [`${ERR}invalid keyword '${long1006}`]);
  assert.deepEqual(run(`[${"b".repeat(5000)}]`), [`${ERR}invalid keyword '${"b".repeat(1006)}`]);
});

Deno.test("JsonMessageStream.feed() reports only the first parse error", () => {
  assert.deepEqual(run('{"a":[1 2],"a":3,}'), [ERR + "expected separator in list"]);
  assert.deepEqual(run('[nul,"\\x",}'), [ERR + "invalid keyword 'nul'"]);
  assert.deepEqual(run('["\\x",nul]'), [ERR + "invalid escape sequence in string"]);
});

Deno.test("parseTokens() reports 'premature EOI' when the tokens run out", () => {
  /** A queue of tokens given as `[type, text]`. */
  const queue = (...tokens: [TokenType, string][]) => {
    const q = new TokenQueue();
    for (const [type, text] of tokens) q.push(type, bytes(text), 0, text.length);
    return q;
  };
  type T = [TokenType, string];
  const lsquare: T = [TokenType.LSQUARE, "["];
  const lcurly: T = [TokenType.LCURLY, "{"];
  const comma: T = [TokenType.COMMA, ","];
  const colon: T = [TokenType.COLON, ":"];
  const one: T = [TokenType.INTEGER, "1"];
  for (const tokens of [[], [lsquare], [lcurly], [lsquare, one], [lsquare, one, comma]] as T[][]) {
    assert.deepEqual(parseTokens(queue(...tokens)), { error: "JSON parse error, premature EOI" });
  }
  const pair: T[] = [lcurly, [TokenType.STRING, '"a"']];
  assert.deepEqual(parseTokens(queue(...pair)), { error: "JSON parse error, premature EOI" });
  assert.deepEqual(parseTokens(queue(...pair, colon)), {
    error: "JSON parse error, premature EOI",
  });
});
