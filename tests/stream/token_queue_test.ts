/**
 * The token queue's storage: tokens kept back to back across chunks, and capacity given back
 * when the queue is cleared.
 *
 * @module
 */

import assert from "node:assert/strict";
import { growableBytes } from "../../src/stream/growable.ts";
import { TokenType } from "../../src/stream/token.ts";
import { TokenQueue } from "../../src/stream/token_queue.ts";
import { bytes } from "./helpers.ts";

const MiB = 1 << 20;

Deno.test("Growable keeps its contents while growing and shrinks back on release()", () => {
  const g = growableBytes(16, 64 * MiB);
  g.view.set(bytes("0123456789abcdef"));
  g.reserve(20 * MiB);
  assert.ok(g.view.length >= 20 * MiB);
  assert.deepEqual(g.view.subarray(0, 16), bytes("0123456789abcdef"));
  g.release();
  assert.equal(g.view.length, 16);
  assert.throws(() => g.reserve(64 * MiB + 1), RangeError);
});

Deno.test("TokenQueue keeps a token spanning chunks and gives large capacity back on clear()", () => {
  const q = new TokenQueue();
  q.push(TokenType.LSQUARE, bytes("["), 0, 1);
  const part = new Uint8Array(MiB).fill(0x61);
  part[0] = 0x22;
  for (let i = 0; i < 12; i++) q.keep(part, i === 0 ? 0 : 1, part.length);
  assert.equal(q.pending, 12 * MiB - 11);
  q.push(TokenType.PLAIN_STRING, bytes('a"'), 0, 2);
  assert.equal(q.count, 2);
  assert.deepEqual([...q.types.subarray(0, 2)], [TokenType.LSQUARE, TokenType.PLAIN_STRING]);
  assert.deepEqual([...q.ends.subarray(0, 2)], [1, 12 * MiB - 11 + 3]);
  assert.equal(q.bytes[1], 0x22);
  assert.equal(q.bytes[12 * MiB - 11 + 2], 0x22);
  assert.ok(q.bytes.length >= 12 * MiB - 11 + 3);
  // Capacity follows need closely: shrinking zeroes it all, untouched pages included.
  assert.ok(q.bytes.length <= 13 * MiB, `capacity ${q.bytes.length} for 12 MiB`);
  q.clear();
  assert.equal(q.count, 0);
  assert.ok(q.bytes.length <= 4 * MiB, `capacity ${q.bytes.length} after clear()`);
});

Deno.test("TokenQueue keeps types and ends of 1.5 Mi tokens (their capacities grow apart)", () => {
  const q = new TokenQueue();
  const comma = bytes(",");
  const n = 1536 * 1024;
  for (let i = 0; i < n; i++) q.push(TokenType.COMMA, comma, 0, 1);
  assert.equal(q.count, n);
  for (const k of [0, 768 * 1024, 1024 * 1024 + 1, n - 1]) {
    assert.equal(q.types[k], TokenType.COMMA, `type of token ${k}`);
    assert.equal(q.ends[k], k + 1, `end of token ${k}`);
  }
  q.clear();
});
