/**
 * The qemu-ga/GLib base64 decoder: validation, leniency, and agreement with a straightforward
 * reference implementation of `g_base64_decode_step()` on random input.
 *
 * @module
 */

import assert from "node:assert/strict";
import { decodeBase64, encodeBase64 } from "../../../src/commands/file/base64.ts";
import { qgaError } from "./helpers.ts";

const INVALID = qgaError("Base64 data contains invalid characters");
const bytes = (...b: number[]) => new Uint8Array(b);
const text = (s: string) => new TextEncoder().encode(s);

/** GLib's decoder, character by character, after qemu-ga's character check. */
function reference(input: string): Uint8Array {
  if (/[^A-Za-z0-9+/=\n]/.test(input)) throw new Error("invalid");
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const out: number[] = [];
  let v = 0;
  let i = 0;
  const last = ["", ""];
  for (const c of input) {
    if (c === "\n") continue;
    last[1] = last[0]!;
    last[0] = c;
    v = ((v << 6) | Math.max(alphabet.indexOf(c), 0)) >>> 0;
    if (++i === 4) {
      out.push((v >> 16) & 0xff);
      if (last[1] !== "=") out.push((v >> 8) & 0xff);
      if (last[0] !== "=") out.push(v & 0xff);
      i = 0;
    }
  }
  return new Uint8Array(out);
}

Deno.test("decodeBase64() follows qemu-ga 7.2 on the verified cases", () => {
  const cases: [string, Uint8Array][] = [
    ["", bytes()],
    ["\n", bytes()],
    ["aGVsbG8", text("hel")],
    ["aGVsbG8=", text("hello")],
    ["SGVsbG8gV29ybGQhCgA=", text("Hello World!\n\0")],
    ["QUI9Qw==", text("AB=C")],
    ["QQ=B", bytes(0x41, 0x01)],
    ["Q=BC", bytes(0x40, 0x00, 0x42)],
    ["QUJD\n\nRA", text("ABC")],
    ["====", bytes(0)],
    ["QR==", bytes(0x41)],
    ["QQ==QUJD", text("AABC")],
    ["QUJD====", bytes(0x41, 0x42, 0x43, 0)],
    ["QU\nJD\n", text("ABC")],
    ["Q", bytes()],
    ["QUJDRA", text("ABC")],
    ["+/+/", bytes(0xfb, 0xff, 0xbf)],
  ];
  for (const [input, expected] of cases) {
    assert.deepEqual(decodeBase64(input), expected, JSON.stringify(input));
  }
});

Deno.test("decodeBase64() rejects anything but A-Z a-z 0-9 + / = and newline", () => {
  for (
    const input of [
      "!!!",
      "QUJD ",
      " QUJD",
      "QUJD\r\n",
      "QUJD\t",
      "QUJD\0",
      "QUJD\f",
      "QUJ-",
      "QUJ_",
      "QUJé",
      "QUJD\u{1F600}",
      "\uD800",
      "QU.D",
    ]
  ) {
    assert.throws(() => decodeBase64(input), INVALID, JSON.stringify(input));
  }
});

Deno.test("decodeBase64() matches GLib's decoder on random input", () => {
  const alphabets = ["AB=\n", "QUJD=\n+/", "A=", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+/=\n"];
  let seed = 12345;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let round = 0; round < 5000; round++) {
    const alphabet = alphabets[round % alphabets.length]!;
    let s = "";
    const len = rand(24);
    for (let i = 0; i < len; i++) s += alphabet[rand(alphabet.length)];
    assert.deepEqual(decodeBase64(s), reference(s), JSON.stringify(s));
  }
});

Deno.test("decodeBase64() matches GLib's decoder on long input with rare padding", () => {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  let seed = 777;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let round = 0; round < 40; round++) {
    const chars: string[] = [];
    const len = 2000 + rand(6000);
    for (let i = 0; i < len; i++) {
      const r = rand(3000);
      chars.push(r < 2 ? "=" : r < 4 ? "\n" : alphabet[rand(64)]!);
    }
    const s = chars.join("");
    assert.deepEqual(decodeBase64(s), reference(s), `round ${round}`);
  }
});

Deno.test("decodeBase64() handles 64 MiB of canonical, wrapped and odd input", () => {
  const data = new Uint8Array(48 << 20);
  for (let i = 0; i < data.length; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));
  const canonical = encodeBase64(data);
  assert.equal(canonical.length, 64 << 20);
  assert.deepEqual(decodeBase64(canonical), data);
  const wrapped = canonical.replace(/.{76}/g, "$&\n");
  assert.deepEqual(decodeBase64(wrapped), data);
  assert.deepEqual(decodeBase64(canonical + "QU"), data, "trailing partial group dropped");
  const middle = decodeBase64("QQ==" + canonical);
  assert.equal(middle.length, data.length + 1);
  assert.equal(middle[0], 0x41);
  assert.deepEqual(middle.subarray(1), data);
  assert.throws(() => decodeBase64(canonical + " "), INVALID);
});

Deno.test("encodeBase64() pads and never wraps lines", () => {
  assert.equal(encodeBase64(new Uint8Array()), "");
  assert.equal(encodeBase64(text("hel")), "aGVs");
  assert.equal(encodeBase64(text("hello")), "aGVsbG8=");
  assert.equal(encodeBase64(new Uint8Array(100)).includes("\n"), false);
});
