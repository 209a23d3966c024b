/**
 * Iteration order of a GLib `GHashTable` keyed by strings, as in Debian bookworm's GLib 2.74.
 *
 * qemu-ga's argument visitor copies the member names of an object into a
 * `g_hash_table_new(g_str_hash, g_str_equal)` table (in QDict order), removes each member it
 * reads, and reports the first name left in the table's iteration order as
 * `Parameter '<name>' is unexpected`. {@linkcode GStrHashSet} replays those inserts and removals
 * on a model of GLib's open-addressing table: the same hash, bucket choice, quadratic probing,
 * tombstones, resize rules and in-place relocation, so the slots (and hence the iteration order)
 * come out identical.
 *
 * @module
 */

const MIN_SHIFT = 3;
const UNUSED = 0;
const TOMBSTONE = 1;

/** Largest prime below 2^shift, for shifts 0..31 (GLib's `prime_mod`). */
const PRIME_MOD: readonly number[] = [
  1,
  2,
  3,
  7,
  13,
  31,
  61,
  127,
  251,
  509,
  1021,
  2039,
  4093,
  8191,
  16381,
  32749,
  65521,
  131071,
  262139,
  524287,
  1048573,
  2097143,
  4194301,
  8388593,
  16777213,
  33554393,
  67108859,
  134217689,
  268435399,
  536870909,
  1073741789,
  2147483647,
];

/** Adds one byte, read as a C `signed char`, to a djb2 hash (`h * 33 + c`, 32 bits). */
function step(h: number, byte: number): number {
  return (Math.imul(h, 33) + (byte << 24 >> 24)) >>> 0;
}

/**
 * GLib's `g_str_hash` of a member name as qemu-ga stores it: UTF-8, except that U+0000 is the
 * modified UTF-8 pair C0 80 and a lone surrogate is U+FFFD (what `TextEncoder` writes).
 *
 * @example
 * ```ts
 * import { gStrHash } from "./ghash_order.ts";
 * gStrHash(""); // 5381
 * ```
 */
export function gStrHash(key: string): number {
  let h = 5381;
  for (let i = 0; i < key.length; i++) {
    let c = key.charCodeAt(i);
    if (c < 0x80) {
      if (c === 0) h = step(step(h, 0xC0), 0x80);
      else h = step(h, c);
      continue;
    }
    if (c < 0x800) {
      h = step(step(h, 0xC0 | (c >> 6)), 0x80 | (c & 0x3F));
      continue;
    }
    if (c >= 0xD800 && c <= 0xDFFF) {
      const next = key.charCodeAt(i + 1);
      if (c <= 0xDBFF && next >= 0xDC00 && next <= 0xDFFF) {
        c = 0x10000 + ((c - 0xD800) << 10) + (next - 0xDC00);
        i++;
        h = step(h, 0xF0 | (c >> 18));
        h = step(h, 0x80 | ((c >> 12) & 0x3F));
        h = step(h, 0x80 | ((c >> 6) & 0x3F));
        h = step(h, 0x80 | (c & 0x3F));
        continue;
      }
      c = 0xFFFD;
    }
    h = step(h, 0xE0 | (c >> 12));
    h = step(h, 0x80 | ((c >> 6) & 0x3F));
    h = step(h, 0x80 | (c & 0x3F));
  }
  return h;
}

/**
 * A model of a GLib 2.74 `GHashTable` of strings (`g_str_hash`/`g_str_equal`): it keeps which
 * slot each key occupies, so {@linkcode GStrHashSet.keys} lists the keys in the order
 * `g_hash_table_iter_next` returns them.
 *
 * @example
 * ```ts
 * import { GStrHashSet } from "./ghash_order.ts";
 * const set = new GStrHashSet();
 * for (const k of ["%s%n", ""]) set.insert(k);
 * set.first(); // "" — the name qemu-ga reports
 * ```
 */
export class GStrHashSet {
  #size = 1 << MIN_SHIFT;
  #mod = PRIME_MOD[MIN_SHIFT]!;
  #mask = this.#size - 1;
  #nnodes = 0;
  #noccupied = 0;
  #hashes: Uint32Array = new Uint32Array(this.#size);
  #keys: (string | undefined)[] = new Array(this.#size).fill(undefined);

  /** Number of keys held. */
  get count(): number {
    return this.#nnodes;
  }

  /** Number of slots (a power of two, at least 8). */
  get capacity(): number {
    return this.#size;
  }

  #index(hash: number): number {
    return (Math.imul(hash, 11) >>> 0) % this.#mod;
  }

  /** `g_hash_table_lookup_node`: the key's slot, else the first tombstone or the empty slot. */
  #lookup(key: string, hash: number): number {
    let index = this.#index(hash);
    let tombstone = -1;
    let probe = 0;
    for (let h = this.#hashes[index]!; h !== UNUSED; h = this.#hashes[index]!) {
      if (h === hash) {
        if (this.#keys[index] === key) return index;
      } else if (h === TOMBSTONE && tombstone < 0) {
        tombstone = index;
      }
      probe++;
      index = (index + probe) & this.#mask;
    }
    return tombstone >= 0 ? tombstone : index;
  }

  /** `g_hash_table_insert`: adds `key` (nothing changes if it is already there). */
  insert(key: string): void {
    let hash = gStrHash(key);
    if (hash < 2) hash = 2;
    const index = this.#lookup(key, hash);
    const old = this.#hashes[index]!;
    if (old >= 2) return;
    this.#hashes[index] = hash;
    this.#keys[index] = key;
    this.#nnodes++;
    if (old === UNUSED) {
      this.#noccupied++;
      this.#maybeResize();
    }
  }

  /** `g_hash_table_remove`: removes `key`, leaving a tombstone; returns whether it was there. */
  remove(key: string): boolean {
    let hash = gStrHash(key);
    if (hash < 2) hash = 2;
    const index = this.#lookup(key, hash);
    if (this.#hashes[index]! < 2) return false;
    this.#hashes[index] = TOMBSTONE;
    this.#keys[index] = undefined;
    this.#nnodes--;
    this.#maybeResize();
    return true;
  }

  /** The first key in iteration order (slot order), or `undefined` when empty. */
  first(): string | undefined {
    for (let i = 0; i < this.#size; i++) {
      if (this.#hashes[i]! >= 2) return this.#keys[i];
    }
    return undefined;
  }

  /** All keys in iteration order (slot order). */
  keys(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.#size; i++) {
      if (this.#hashes[i]! >= 2) out.push(this.#keys[i]!);
    }
    return out;
  }

  #maybeResize(): void {
    const size = this.#size;
    const occupied = this.#noccupied;
    if (
      (size > this.#nnodes * 4 && size > 1 << MIN_SHIFT) ||
      size <= occupied + Math.trunc(occupied / 16)
    ) {
      this.#resize();
    }
  }

  /** `g_hash_table_resize`: in-place relocation with a bitmap of settled slots. */
  #resize(): void {
    const oldSize = this.#size;
    // set_shift_from_size(nnodes * 1.333): the double is truncated to an int.
    let n = Math.trunc(this.#nnodes * 1.333);
    let shift = 0;
    while (n) (shift++, n >>= 1);
    shift = Math.max(shift, MIN_SHIFT);
    this.#size = 2 ** shift;
    this.#mod = PRIME_MOD[shift]!;
    this.#mask = this.#size - 1;

    if (this.#size > oldSize) {
      const hashes = new Uint32Array(this.#size);
      hashes.set(this.#hashes);
      this.#hashes = hashes;
      for (let i = oldSize; i < this.#size; i++) this.#keys.push(undefined);
    }
    const settled = new Uint8Array(Math.max(oldSize, this.#size));
    const hashes = this.#hashes;
    const keys = this.#keys;
    for (let i = 0; i < oldSize; i++) {
      let hash = hashes[i]!;
      if (hash < 2) {
        hashes[i] = UNUSED;
        continue;
      }
      if (settled[i]) continue;
      hashes[i] = UNUSED;
      let key = keys[i];
      keys[i] = undefined;
      for (;;) {
        let index = this.#index(hash);
        let probe = 0;
        while (settled[index]) {
          probe++;
          index = (index + probe) & this.#mask;
        }
        settled[index] = 1;
        const replaced = hashes[index]!;
        hashes[index] = hash;
        const evicted = keys[index];
        keys[index] = key;
        if (replaced < 2) break;
        hash = replaced;
        key = evicted;
      }
    }
    if (this.#size < oldSize) {
      this.#hashes = hashes.slice(0, this.#size);
      this.#keys.length = this.#size;
    }
    this.#noccupied = this.#nnodes;
  }
}

/**
 * Replays qemu-ga's visitor on one object: inserts `insertOrder` (the QDict iteration order of
 * its member names), removes `consumed` in the order they were read, and returns the first name
 * left in the hash table — the one qemu-ga reports as unexpected.
 *
 * @example
 * ```ts
 * import { firstLeftOver } from "./ghash_order.ts";
 * firstLeftOver(["handle", "x", "y"], ["handle"]); // "y"
 * ```
 */
export function firstLeftOver(
  insertOrder: Iterable<string>,
  consumed: Iterable<string>,
): string | undefined {
  const set = new GStrHashSet();
  for (const key of insertOrder) set.insert(key);
  for (const key of consumed) set.remove(key);
  return set.first();
}
