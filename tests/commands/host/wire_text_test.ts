/**
 * Tests of `wireText()`: the reply string of a C string must be written exactly as qemu-ga's
 * writer writes the raw bytes (`quoteBytes`, itself checked against 7.2 in the oracle table).
 *
 * @module
 */

import assert from "node:assert/strict";
import { wireText } from "../../../src/commands/host/wire_text.ts";
import { quoteBytes, quoteString } from "../../../src/qobject/writer.ts";
import { prng } from "../../helpers/prng.ts";

const cases: [string, number[]][] = [
  ["ascii", [0x76, 0x6D]],
  ["valid two-byte", [0xC3, 0xA9]],
  ["lone continuation", [0xA9]],
  ["truncated three-byte", [0xE2, 0x82]],
  ["overlong slash", [0xC0, 0xAF]],
  ["modified-UTF-8 NUL", [0xC0, 0x80]],
  ["surrogate", [0xED, 0xA0, 0x80]],
  ["U+FFFF noncharacter", [0xEF, 0xBF, 0xBF]],
  ["U+FDD0 noncharacter", [0xEF, 0xB7, 0x90]],
  ["astral", [0xF0, 0x9F, 0x98, 0x80]],
  ["above U+10FFFF", [0xF4, 0x90, 0x80, 0x80]],
  ["five-byte form", [0xF8, 0x88, 0x80, 0x80, 0x80]],
  ["control and quote", [0x01, 0x22, 0x5C, 0x7F]],
];

Deno.test("wireText() is written as quoteBytes() writes the bytes", async (t) => {
  for (const [name, bytes] of cases) {
    await t.step(name, () => {
      const b = new Uint8Array(bytes);
      assert.equal(quoteString(wireText(b)), quoteBytes(b));
    });
  }
});

Deno.test("wireText() agrees with quoteBytes() on 20,000 random byte strings", () => {
  const random = prng(0x5eed);
  const int = (n: number) => Math.floor(random() * n);
  for (let i = 0; i < 20000; i++) {
    const b = new Uint8Array(1 + int(12));
    for (let j = 0; j < b.length; j++) {
      const r = int(4);
      b[j] = r === 0 ? int(0x80) : r === 1 ? 0x80 + int(0x40) : 0xC0 + int(0x40);
    }
    assert.equal(quoteString(wireText(b)), quoteBytes(b), `bytes ${Array.from(b)}`);
  }
});
