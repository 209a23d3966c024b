/**
 * Member order of QEMU's `QDict` on the wire.
 *
 * qemu-ga's objects are hash tables of 512 buckets; the JSON writer walks buckets 0..511 and,
 * within a bucket, emits the most recently inserted key first. Reproducing that order is what
 * makes replies byte-identical (`{"return": {}, "id": 1}` but `{"id": 1, "error": ...}`).
 *
 * @module
 */

const BUCKETS = 512;
const bucketCache = new Map<string, number>();
const encoder = new TextEncoder();

/**
 * Returns the QDict bucket (0..511) of a member name.
 *
 * @example
 * ```ts
 * import { qdictBucket } from "./qdict_order.ts";
 * qdictBucket("return") < qdictBucket("id"); // true: "return" is written first
 * ```
 */
export function qdictBucket(key: string): number {
  const cached = bucketCache.get(key);
  if (cached !== undefined) return cached;
  // QEMU keeps strings as modified UTF-8: U+0000 is the two bytes C0 80.
  const bucket = qdictBucketOfBytes(key.includes("\0") ? modifiedUtf8(key) : encoder.encode(key));
  // Only short names are cached: a host may send huge distinct member names.
  if (bucketCache.size < 4096 && key.length <= 64) bucketCache.set(key, bucket);
  return bucket;
}

/** QEMU's modified UTF-8 of a JS string (U+0000 → C0 80). */
function modifiedUtf8(key: string): Uint8Array {
  const parts = key.split("\0").map((p) => encoder.encode(p));
  const size = parts.reduce((n, p) => n + p.length, 0) + 2 * (parts.length - 1);
  const out = new Uint8Array(size);
  let at = 0;
  parts.forEach((p, i) => {
    if (i > 0) (out[at++] = 0xC0, out[at++] = 0x80);
    out.set(p, at);
    at += p.length;
  });
  return out;
}

function qdictBucketOfBytes(bytes: Uint8Array): number {
  let h = Math.imul(0x238F13AF, bytes.length) >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    h = (h + ((bytes[i]! << ((i * 5) % 24)) >>> 0)) >>> 0;
  }
  h = (Math.imul(1103515243, h) + 12345) >>> 0;
  return h % BUCKETS;
}

/**
 * Orders member names (given in insertion order) as QEMU writes them: by bucket, and within a
 * bucket the latest inserted first.
 */
export function qdictOrder(keysInInsertionOrder: readonly string[]): string[] {
  if (keysInInsertionOrder.length < 2) return [...keysInInsertionOrder];
  const indexed = keysInInsertionOrder.map((key, index) => ({ key, index, b: qdictBucket(key) }));
  indexed.sort((x, y) => x.b - y.b || y.index - x.index);
  return indexed.map((e) => e.key);
}
