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
  const bucket = qdictBucketOfString(key);
  // Only short names are cached: a host may send huge distinct member names.
  if (bucketCache.size < 4096 && key.length <= 64) bucketCache.set(key, bucket);
  return bucket;
}

/**
 * QEMU's `tdb_hash()` over the bytes QEMU keeps for `key` — its modified UTF-8 (U+0000 as C0 80;
 * a lone surrogate as EF BF BD, as `TextEncoder` writes it) — computed from the string without
 * materialising the bytes, so that a 24 MiB member name costs no 24 MiB copy.
 */
function qdictBucketOfString(key: string): number {
  // Integer arithmetic on locals only (no closure, no heap numbers): a 24 MiB name is hashed in
  // one pass without allocating.
  const bytes = SCRATCH;
  let length = 0;
  let h = 0;
  for (let i = 0; i < key.length; i++) {
    let c = key.charCodeAt(i);
    let n: number;
    if (c === 0) {
      bytes[0] = 0xC0, bytes[1] = 0x80, n = 2;
    } else if (c < 0x80) {
      h = (h + ((c << ((length * 5) % 24)) >>> 0)) >>> 0;
      length++;
      continue;
    } else if (c < 0x800) {
      bytes[0] = 0xC0 | (c >> 6), bytes[1] = 0x80 | (c & 0x3F), n = 2;
    } else {
      if (c >= 0xD800 && c <= 0xDFFF) {
        const next = key.charCodeAt(i + 1);
        if (c <= 0xDBFF && next >= 0xDC00 && next <= 0xDFFF) {
          c = 0x10000 + ((c - 0xD800) << 10) + (next - 0xDC00);
          i++;
        } else {
          c = 0xFFFD;
        }
      }
      if (c >= 0x10000) {
        bytes[0] = 0xF0 | (c >> 18), bytes[1] = 0x80 | ((c >> 12) & 0x3F);
        bytes[2] = 0x80 | ((c >> 6) & 0x3F), bytes[3] = 0x80 | (c & 0x3F), n = 4;
      } else {
        bytes[0] = 0xE0 | (c >> 12), bytes[1] = 0x80 | ((c >> 6) & 0x3F);
        bytes[2] = 0x80 | (c & 0x3F), n = 3;
      }
    }
    for (let j = 0; j < n; j++) {
      h = (h + ((bytes[j]! << ((length * 5) % 24)) >>> 0)) >>> 0;
      length++;
    }
  }
  h = (Math.imul(0x238F13AF, length) + h) >>> 0;
  h = (Math.imul(1103515243, h) + 12345) >>> 0;
  return h % BUCKETS;
}

/** The UTF-8 bytes of one code point, for {@link qdictBucketOfString}. */
const SCRATCH = new Uint8Array(4);

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
