/**
 * Tests of the GLib `GHashTable` model: fixed hash values, and — when the system's GLib 2.74 is
 * present — a differential check against the real library through FFI (`g_hash_table_new` with
 * GLib's own `g_str_hash`/`g_str_equal`), replaying the same inserts and removals and comparing
 * the full iteration order.
 *
 * @module
 */

import assert from "node:assert/strict";
import { firstLeftOver, gStrHash, GStrHashSet } from "../../src/qobject/ghash_order.ts";
import { prng } from "../helpers/prng.ts";

Deno.test("gStrHash() is djb2 over signed chars, U+0000 as C0 80", () => {
  assert.equal(gStrHash(""), 5381);
  assert.equal(gStrHash("a"), 5381 * 33 + 97);
  // é = C3 A9: signed -61, -87.
  assert.equal(gStrHash("é"), ((5381 * 33 - 61) * 33 - 87) >>> 0);
  assert.equal(gStrHash("\0"), ((5381 * 33 - 64) * 33 - 128) >>> 0);
  assert.equal(gStrHash("\uD800"), gStrHash("\uFFFD"));
  assert.equal(
    gStrHash("😀"),
    gStrHash(new TextDecoder().decode(Uint8Array.of(0xF0, 0x9F, 0x98, 0x80))),
  );
  let h = 5381;
  for (let i = 0; i < 40; i++) h = (Math.imul(h, 33) + 122) >>> 0;
  assert.equal(gStrHash("z".repeat(40)), h);
});

Deno.test("GStrHashSet: first() after the qemu-ga sequence of inserts and removals", () => {
  // qemu-ga's QDict order for this fuzz case (tests/dispatch/unexpected_member_test.ts).
  assert.equal(firstLeftOver(["", "%s%n"], []), "");
  assert.equal(firstLeftOver(["handle", "x", "y", "count"], ["handle", "count"]), "y");
  const set = new GStrHashSet();
  for (let i = 0; i < 100; i++) set.insert(`k${i}`);
  assert.equal(set.count, 100);
  assert.equal(set.capacity, 128);
  for (let i = 0; i < 95; i++) assert.ok(set.remove(`k${i}`));
  assert.equal(set.remove("k0"), false);
  assert.equal(set.count, 5);
  assert.equal(set.capacity, 16);
  assert.deepEqual([...set.keys()].sort(), ["k95", "k96", "k97", "k98", "k99"]);
  set.insert("k99");
  assert.equal(set.count, 5);
});

// --- differential check against the system's GLib -------------------------------------------

const GLIB = "libglib-2.0.so.0";

function openGlib() {
  try {
    const libc = Deno.dlopen("libc.so.6", {
      dlopen: { parameters: ["buffer", "i32"], result: "pointer" },
      dlsym: { parameters: ["pointer", "buffer"], result: "pointer" },
    });
    const glib = Deno.dlopen(GLIB, {
      g_hash_table_new: { parameters: ["pointer", "pointer"], result: "pointer" },
      g_hash_table_insert: { parameters: ["pointer", "pointer", "pointer"], result: "i32" },
      g_hash_table_remove: { parameters: ["pointer", "pointer"], result: "i32" },
      g_hash_table_iter_init: { parameters: ["buffer", "pointer"], result: "void" },
      g_hash_table_iter_next: { parameters: ["buffer", "buffer", "pointer"], result: "i32" },
      g_hash_table_unref: { parameters: ["pointer"], result: "void" },
      glib_check_version: { parameters: ["u32", "u32", "u32"], result: "pointer" },
    });
    const cstr = (s: string) => new TextEncoder().encode(s + "\0");
    const handle = libc.symbols.dlopen(cstr(GLIB), 2 /* RTLD_NOW */);
    const strHash = libc.symbols.dlsym(handle, cstr("g_str_hash"));
    const strEqual = libc.symbols.dlsym(handle, cstr("g_str_equal"));
    // Only GLib 2.74.x is the reference (Debian bookworm).
    const tooOld = glib.symbols.glib_check_version(2, 74, 0);
    const tooNew = glib.symbols.glib_check_version(2, 75, 0) === null;
    if (strHash === null || strEqual === null || tooOld !== null || tooNew) return undefined;
    return { glib, strHash, strEqual };
  } catch {
    return undefined;
  }
}

const real = openGlib();

/** The real GLib table, fed the same modified UTF-8 keys as qemu-ga's visitor. */
class RealTable {
  #table: Deno.PointerValue;
  #buffers = new Map<string, Uint8Array<ArrayBuffer>>();
  #byAddress = new Map<bigint, string>();

  constructor() {
    this.#table = real!.glib.symbols.g_hash_table_new(real!.strHash, real!.strEqual);
  }

  #cstr(key: string): Deno.PointerValue {
    let buf = this.#buffers.get(key);
    if (!buf) {
      const parts = key.split("\0").map((p) => new TextEncoder().encode(p));
      const bytes: number[] = [];
      parts.forEach((p, i) => {
        if (i > 0) bytes.push(0xC0, 0x80);
        bytes.push(...p);
      });
      buf = Uint8Array.from([...bytes, 0]);
      this.#buffers.set(key, buf);
      this.#byAddress.set(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buf)) as bigint, key);
    }
    return Deno.UnsafePointer.of(buf);
  }

  insert(key: string) {
    real!.glib.symbols.g_hash_table_insert(this.#table, this.#cstr(key), null);
  }

  remove(key: string): boolean {
    return real!.glib.symbols.g_hash_table_remove(this.#table, this.#cstr(key)) !== 0;
  }

  keys(): string[] {
    const iter = new Uint8Array(64);
    const out = new BigUint64Array(1);
    const outBytes = new Uint8Array(out.buffer);
    real!.glib.symbols.g_hash_table_iter_init(iter, this.#table);
    const keys: string[] = [];
    while (real!.glib.symbols.g_hash_table_iter_next(iter, outBytes, null)) {
      keys.push(this.#byAddress.get(out[0]!)!);
    }
    return keys;
  }

  free() {
    real!.glib.symbols.g_hash_table_unref(this.#table);
  }
}

const ALPHABET = [..."abcxyz_-%.09 'é€\0", "😀", "\u0080", "\u07FF", "\uFFFF", "ÿ"];

function randomKey(next: () => number): string {
  const len = Math.floor(next() * next() * 12);
  let s = "";
  for (let i = 0; i < len; i++) s += ALPHABET[Math.floor(next() * ALPHABET.length)];
  return s;
}

Deno.test({
  name: "GStrHashSet iterates like the system's GLib 2.74 (FFI differential)",
  ignore: real === undefined,
  fn() {
    const next = prng(0x9E3779B9);
    let checks = 0;
    for (let round = 0; round < 3000; round++) {
      const model = new GStrHashSet();
      const glib = new RealTable();
      try {
        const size = 1 + Math.floor(next() ** 2 * 300);
        const keys: string[] = [];
        for (let i = 0; i < size; i++) keys.push(randomKey(next));
        // The visitor's pattern (all inserts, then removals), plus extra churn rounds that
        // exercise tombstone reuse and growth after shrinking.
        const phases = 1 + Math.floor(next() * 3);
        for (let phase = 0; phase < phases; phase++) {
          for (const k of keys) {
            if (phase === 0 || next() < 0.3) (model.insert(k), glib.insert(k));
          }
          for (const k of keys) {
            if (next() < (phase === 0 ? next() : 0.5)) {
              assert.equal(model.remove(k), glib.remove(k), `remove ${JSON.stringify(k)}`);
            }
          }
          assert.deepEqual(model.keys(), glib.keys(), `round ${round} phase ${phase}`);
          assert.equal(model.first(), glib.keys()[0]);
          checks++;
        }
      } finally {
        glib.free();
      }
    }
    assert.ok(checks >= 3000);
  },
});
