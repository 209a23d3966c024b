/**
 * Large replies in pieces: a `StreamedReply` gives exactly the bytes of the whole reply line,
 * whatever the size of the buffers it fills, and gives file data back once it is written or
 * dropped.
 *
 * @module
 */

import assert from "node:assert/strict";
import { replyBytes, replyOf } from "../../src/dispatch/reply.ts";
import { StreamedReply } from "../../src/dispatch/streamed_reply.ts";
import { Base64Data, PlainText } from "../../src/qobject/value.ts";
import { toJson } from "../../src/qobject/writer.ts";

const decoder = new TextDecoder();

function bytesOf(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 7919 + (i >> 8)) & 0xFF;
  return out;
}

/** Fills buffers of `size` bytes until the reply ends; the concatenation. */
function drain(reply: StreamedReply, size: number): Uint8Array {
  const out = new Uint8Array(reply.length);
  const buffer = new Uint8Array(size);
  let at = 0;
  for (let n = reply.fill(buffer); n > 0; n = reply.fill(buffer)) {
    out.set(buffer.subarray(0, n), at);
    at += n;
  }
  assert.equal(at, reply.length);
  return out;
}

Deno.test("StreamedReply gives the reply line of file data in any buffer size", () => {
  for (const size of [0, 1, 2, 3, 4, 5, 100, 49151, 49152, 49153, 200_000]) {
    const data = bytesOf(size);
    const value = { return: { count: BigInt(size), "buf-b64": new Base64Data(data), eof: false } };
    const expected = `${
      toJson({
        return: { count: BigInt(size), "buf-b64": new PlainText(data.toBase64()), eof: false },
      })
    }\n`;
    for (const buffer of [4, 5, 7, 64, 1000, 65536, 262144]) {
      const reply = replyOf(value);
      assert.ok(reply instanceof StreamedReply);
      assert.equal(decoder.decode(drain(reply, buffer)), expected, `${size} bytes, ${buffer}`);
    }
  }
});

Deno.test("StreamedReply keeps a large text piece and the 0xFF delimiter", () => {
  const text = "x".repeat(70_000);
  const reply = replyOf({ return: text }, true);
  assert.ok(reply instanceof StreamedReply);
  const bytes = drain(reply, 1000);
  assert.equal(bytes[0], 0xFF);
  assert.equal(decoder.decode(bytes.subarray(1)), `{"return": "${text}"}\n`);
});

Deno.test("StreamedReply gives file data back once written, or once dropped", () => {
  let given = 0;
  const data = new Base64Data(bytesOf(100_000), () => given++);
  assert.equal(decoder.decode(replyBytes(replyOf({ return: data }))).length, 133_351);
  assert.equal(given, 1);
  const dropped = replyOf({ return: new Base64Data(bytesOf(100_000), () => given++) });
  assert.ok(dropped instanceof StreamedReply);
  dropped.fill(new Uint8Array(1000));
  dropped.discard();
  assert.equal(given, 2);
  assert.equal(dropped.fill(new Uint8Array(1000)), 0);
});

Deno.test("small replies stay one byte array", () => {
  const reply = replyOf({ return: { count: 3n, "buf-b64": new PlainText("YWJj"), eof: true } });
  assert.ok(reply instanceof Uint8Array);
  assert.equal(decoder.decode(reply), `{"return": {"count": 3, "buf-b64": "YWJj", "eof": true}}\n`);
});
