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
  let cached = bucketCache.get(key);
  if (cached !== undefined) return cached;
  const bytes = encoder.encode(key);
  let h = Math.imul(0x238F13AF, bytes.length) >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    h = (h + ((bytes[i]! << ((i * 5) % 24)) >>> 0)) >>> 0;
  }
  h = (Math.imul(1103515243, h) + 12345) >>> 0;
  cached = h % BUCKETS;
  if (bucketCache.size < 4096) bucketCache.set(key, cached);
  return cached;
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
