import assert from "node:assert/strict";
import { qdictOrder } from "../../src/qobject/qdict_order.ts";
import { JoinedText } from "../../src/qobject/value.ts";
import {
  formatDouble,
  quoteBytes,
  quoteString,
  toJson,
  toJsonParts,
} from "../../src/qobject/writer.ts";

Deno.test("qdictOrder() reproduces qemu-ga's member orders", () => {
  const cases: [string[], string[]][] = [
    [["return", "id"], ["return", "id"]],
    [["error", "id"], ["id", "error"]],
    [["class", "desc"], ["class", "desc"]],
    [["version", "supported_commands"], ["version", "supported_commands"]],
    [["name", "enabled", "success-response"], ["enabled", "name", "success-response"]],
    [["count", "buf-b64", "eof"], ["count", "buf-b64", "eof"]],
    [["position", "eof"], ["eof", "position"]],
    [["path", "trimmed", "minimum", "error"], ["minimum", "path", "trimmed", "error"]],
    [["ip-address", "ip-address-type", "prefix"], ["ip-address-type", "ip-address", "prefix"]],
    [
      ["name", "hardware-address", "ip-addresses", "statistics"],
      ["name", "ip-addresses", "statistics", "hardware-address"],
    ],
    [["logical-id", "online", "can-offline"], ["online", "can-offline", "logical-id"]],
    [
      [
        "rx-bytes",
        "rx-packets",
        "rx-errs",
        "rx-dropped",
        "tx-bytes",
        "tx-packets",
        "tx-errs",
        "tx-dropped",
      ],
      [
        "tx-packets",
        "tx-errs",
        "rx-bytes",
        "rx-dropped",
        "rx-packets",
        "rx-errs",
        "tx-bytes",
        "tx-dropped",
      ],
    ],
  ];
  for (const [insertion, wire] of cases) assert.deepEqual(qdictOrder(insertion), wire);
});

Deno.test("formatDouble() prints like C's %.17g", () => {
  const cases: [number, string][] = [
    [0.1, "0.10000000000000001"],
    [1, "1"],
    [1e5, "100000"],
    [-12345678901234567890, "-1.2345678901234567e+19"],
    [Infinity, "inf"],
    [-Infinity, "-inf"],
    [NaN, "nan"],
    [0.08, "0.080000000000000002"],
    [1e-5, "1.0000000000000001e-05"],
    [0.0001, "0.0001"],
    [1e16, "10000000000000000"],
    [1e17, "1e+17"],
    [-0.5, "-0.5"],
    [1.5e300, "1.5000000000000001e+300"],
  ];
  for (const [x, text] of cases) assert.equal(formatDouble(x), text, String(x));
});

Deno.test("quoteString() escapes everything outside printable ASCII in upper case", () => {
  assert.equal(quoteString('a"b\\c/d'), '"a\\"b\\\\c/d"');
  assert.equal(quoteString("\b\f\n\r\t\x00\x7f"), '"\\b\\f\\n\\r\\t\\u0000\\u007F"');
  assert.equal(quoteString("é😀 é"), '"\\u00E9\\uD83D\\uDE00 \\u00E9"');
  assert.equal(quoteString("\uD800x"), '"\\uFFFDx"');
});

Deno.test("quoteBytes() writes one \\uFFFD per invalid UTF-8 sequence", () => {
  const b = (...x: number[]) => new Uint8Array(x);
  assert.equal(quoteBytes(b(0xFF)), '"\\uFFFD"');
  assert.equal(quoteBytes(b(0xC0, 0x80)), '"\\u0000"');
  assert.equal(quoteBytes(b(0x61, 0xE2, 0x82)), '"a\\uFFFD"');
  assert.equal(quoteBytes(b(0xE0, 0x80, 0x80)), '"\\uFFFD"');
  assert.equal(quoteBytes(b(0xC1, 0xBF)), '"\\uFFFD"');
  assert.equal(quoteBytes(b(0xED, 0xA0, 0x80)), '"\\uFFFD"');
  assert.equal(quoteBytes(b(0xEF, 0xBF, 0xBF)), '"\\uFFFD"');
  assert.equal(quoteBytes(b(0xF0, 0x9F, 0x98, 0x80)), '"\\uD83D\\uDE00"');
  assert.equal(quoteBytes(b(0x22, 0x0A)), '"\\"\\n"');
});

Deno.test("toJson() writes envelopes byte-exactly", () => {
  assert.equal(toJson({ return: {}, id: 1n }), '{"return": {}, "id": 1}');
  assert.equal(
    toJson({ error: { class: "GenericError", desc: "x" }, id: 5n }),
    '{"id": 5, "error": {"class": "GenericError", "desc": "x"}}',
  );
  assert.equal(
    toJson({ return: {}, id: new Map([["a", [1n, 2n]]]) }),
    '{"return": {}, "id": {"a": [1, 2]}}',
  );
  assert.equal(toJson({ return: [], id: null }), '{"return": [], "id": null}');
  assert.equal(toJson(2n ** 64n - 1n), "18446744073709551615");
  assert.equal(toJson({ a: undefined, b: true }), '{"b": true}');
});

Deno.test("qdictOrder() hashes U+0000 as QEMU's modified UTF-8 (C0 80)", () => {
  // Recorded from qemu-ga 7.2: member ' \u0000' is checked before member 'a'.
  assert.deepEqual(qdictOrder(["a", " \u0000"]), [" \u0000", "a"]);
});

Deno.test("a JoinedText is written as its joined text would be", () => {
  const cases: string[][] = [
    ["QMP input member '", "k".repeat(100_000), "' is unexpected"],
    ['a"b', "", "\\", "\n\u0001é", "plain"],
    ["", ""],
    [],
    ["high \uD83D", "\uDE00 low"], // a pair cut between pieces: joined after all
    ["\uD83D", "", "\uDE00"],
    ["lone \uD83D", "x"],
  ];
  for (const pieces of cases) {
    const joined = pieces.join("");
    assert.equal(
      toJson({ desc: new JoinedText(pieces) }),
      toJson({ desc: joined }),
      JSON.stringify(pieces).slice(0, 80),
    );
    assert.equal(String(new JoinedText(pieces)), joined);
  }
});

Deno.test("a large plain piece of a JoinedText is a part of its own (not copied)", () => {
  const big = "k".repeat(200_000);
  const parts = toJsonParts(new JoinedText(["member '", big, "'"]));
  assert.ok(parts.includes(big));
  assert.equal(parts.join(""), `"member '${big}'"`);
});
