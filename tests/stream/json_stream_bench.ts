/**
 * Throughput benchmarks of {@link JsonMessageStream}: a guest-file-write request
 * carrying a 44 MiB base64 string, fed in 1 MiB, 64 KiB and 4 KiB chunks, plus a
 * stream of small requests. Run with `deno bench tests/stream/json_stream_bench.ts`.
 * Each name carries the input size, so throughput is that size divided by the time
 * per iteration (46.1 MB in 85 ms is about 540 MB/s).
 *
 * @module
 */

import { JsonMessageStream } from "../../src/stream/json_stream.ts";

const B64 = new TextEncoder().encode(
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
);

function bigRequest(payloadBytes: number): Uint8Array {
  const head = new TextEncoder().encode(
    '{"execute":"guest-file-write","arguments":{"handle":1000,"buf-b64":"',
  );
  const tail = new TextEncoder().encode('"}}\n');
  const out = new Uint8Array(head.length + payloadBytes + tail.length);
  out.set(head);
  for (let i = 0; i < payloadBytes; i++) out[head.length + i] = B64[i & 63]!;
  out.set(tail, head.length + payloadBytes);
  return out;
}

const BIG = bigRequest(44 * 1024 * 1024);
const MB = BIG.length / 1e6;

function feedChunked(data: Uint8Array, chunkSize: number): number {
  const stream = new JsonMessageStream();
  let events = 0;
  for (let i = 0; i < data.length; i += chunkSize) {
    events += stream.feed(data.subarray(i, i + chunkSize)).length;
  }
  if (events !== 1) throw new Error(`expected 1 event, got ${events}`);
  return events;
}

for (const size of [8 << 20, 1 << 20, 64 << 10, 4 << 10]) {
  Deno.bench({
    name: `44 MiB base64 request in ${size >> 10} KiB chunks (${MB.toFixed(1)} MB)`,
    group: "big",
    baseline: size === 1 << 20,
    fn: () => {
      feedChunked(BIG, size);
    },
  });
}

const SMALL = new TextEncoder().encode(
  '{"execute":"guest-sync-delimited","arguments":{"id":123456789}}\n'.repeat(20000) +
    '{"execute":"guest-ping","id":"abc\\u00e9\\n"}\n'.repeat(20000),
);

Deno.bench({
  name: `40000 small requests (${(SMALL.length / 1e6).toFixed(1)} MB) in 4 KiB chunks`,
  fn: () => {
    const stream = new JsonMessageStream();
    for (let i = 0; i < SMALL.length; i += 4096) stream.feed(SMALL.subarray(i, i + 4096));
  },
});

/** The same payload as a client escaping `/` as `\/` (PHP's json_encode does) would send it. */
const ESCAPED = (() => {
  let slashes = 0;
  for (const c of BIG) if (c === 0x2F) slashes++;
  const out = new Uint8Array(BIG.length + slashes);
  let o = 0;
  for (const c of BIG) {
    if (c === 0x2F) out[o++] = 0x5C;
    out[o++] = c;
  }
  return out;
})();

Deno.bench({
  name: `44 MiB base64 request with \\/ escapes in 1024 KiB chunks`,
  group: "big",
  fn: () => {
    feedChunked(ESCAPED, 1 << 20);
  },
});
