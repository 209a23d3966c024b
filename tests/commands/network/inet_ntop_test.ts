/**
 * Compares {@link formatIpv6}/{@link formatIpv4} with glibc's own `inet_ntop()` (through FFI) on
 * edge cases and on random addresses built from zero-heavy words.
 *
 * @module
 */

import assert from "node:assert/strict";
import { formatIpv4, formatIpv6, popcount } from "../../../src/commands/network/inet_ntop.ts";
import { cString, libc, readCBytes } from "../../../src/sys/libc.ts";

function libcNtop(family: 2 | 10, bytes: Uint8Array): string {
  const dst = new Uint8Array(64);
  const p = libc().inet_ntop(family, cString(bytes), dst, dst.length);
  assert.ok(p !== null, "inet_ntop failed");
  return new TextDecoder().decode(readCBytes(p));
}

function words(...w: number[]): Uint8Array {
  const out = new Uint8Array(16);
  w.forEach((v, i) => {
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  });
  return out;
}

Deno.test("formatIpv6() matches glibc inet_ntop on edge cases", () => {
  const cases: [Uint8Array, string][] = [
    [words(0, 0, 0, 0, 0, 0, 0, 0), "::"],
    [words(0, 0, 0, 0, 0, 0, 0, 1), "::1"],
    [words(0xfe80, 0, 0, 0, 0xfc, 0xff, 0xfe00, 1), "fe80::fc:ff:fe00:1"],
    [words(0xfd00, 0, 0, 0, 0, 0, 0, 2), "fd00::2"],
    [words(0, 0, 0, 0, 0, 0xffff, 0xc000, 0x0201), "::ffff:192.0.2.1"],
    [words(0, 0, 0, 0, 0, 0, 0xc000, 0x0201), "::192.0.2.1"],
    [words(0, 0, 0, 0, 0, 0, 0, 2), "::2"],
    [words(1, 0, 1, 0, 0, 1, 0, 0), "1:0:1::1:0:0"],
    [words(1, 0, 0, 1, 0, 0, 1, 1), "1::1:0:0:1:1"],
    [words(1, 2, 3, 4, 5, 6, 7, 0), "1:2:3:4:5:6:7:0"],
    [words(1, 0, 0, 0, 0, 0, 0, 0), "1::"],
    [words(0, 0, 0, 0, 0, 0xfffe, 0xc000, 0x0201), "::fffe:c000:201"],
  ];
  for (const [bytes, text] of cases) {
    assert.equal(libcNtop(10, bytes), text, "libc");
    assert.equal(formatIpv6(bytes), text);
  }
});

Deno.test("formatIpv6() and formatIpv4() match glibc inet_ntop on random addresses", () => {
  const pick = [0, 0, 0, 0, 1, 0xffff, 0xfe80, 0xabc, 0x10];
  for (let n = 0; n < 5000; n++) {
    const w = Array.from({ length: 8 }, () => pick[Math.floor(Math.random() * pick.length)]!);
    const bytes = words(...w);
    assert.equal(formatIpv6(bytes), libcNtop(10, bytes), w.join(","));
    const four = crypto.getRandomValues(new Uint8Array(4));
    assert.equal(formatIpv4(four), libcNtop(2, four));
  }
});

Deno.test("popcount() counts netmask bits", () => {
  assert.equal(popcount(Uint8Array.from([255, 255, 255, 0])), 24);
  assert.equal(popcount(new Uint8Array(16).fill(255)), 128);
  assert.equal(popcount(Uint8Array.from([255, 0, 255, 1])), 17);
});
