/**
 * Seeded protocol-fuzz input generator: valid qemu-ga requests (every schema command, with
 * plausible and hostile arguments and ids), random JSON values, and raw garbage, put through
 * mutators — byte flips, truncation, splicing, duplicated keys, deep nesting, huge strings,
 * invalid UTF-8 and bad escapes, 0xFF inside strings, control bytes, numeric edge cases.
 *
 * Everything derives from one 32-bit seed (mulberry32), so a failure names the seed and the
 * input index and is reproducible with `QGA_FUZZ_SEED=<seed>`. No dependency: a property-testing
 * library would add a lockfile entry and a download to every CI run for no gain here (the inputs
 * are bytes, and shrinking is replaced by printing the exact input).
 *
 * @module
 */

import { prng } from "../stream/helpers.ts";
import { COMMANDS } from "../../src/schema/schema.ts";

const encoder = new TextEncoder();

/** A seeded random source. */
export class Rng {
  #next: () => number;

  /** Creates the source for `seed`. */
  constructor(readonly seed: number) {
    this.#next = prng(seed);
  }

  /** A float in [0, 1). */
  float(): number {
    return this.#next();
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.#next() * n);
  }

  /** An integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return this.#next() < p;
  }

  /** One element of `items`. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.int(256);
    return out;
  }

  /** A size skewed towards small values: up to `max`, usually far below. */
  size(max: number): number {
    return Math.floor(max ** this.#next());
  }
}

/** The seed of this run: `QGA_FUZZ_SEED` or a fresh one (always printed by the tests). */
export function fuzzSeed(): number {
  const fixed = Deno.env.get("QGA_FUZZ_SEED");
  return fixed !== undefined ? Number(fixed) >>> 0 : (Math.random() * 2 ** 32) >>> 0;
}

/** Concatenates byte arrays. */
export function concatBytes(parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** Integer literals at and around every boundary the parser and validators care about. */
const NUMBERS = [
  "0",
  "-0",
  "1",
  "-1",
  "42",
  "1000",
  "1001",
  "4096",
  "50331648",
  "50331649",
  "9223372036854775807",
  "9223372036854775808",
  "-9223372036854775808",
  "-9223372036854775809",
  "18446744073709551615",
  "18446744073709551616",
  "123456789012345678901234567890",
  "1.5",
  "1.0",
  "1e5",
  "-1e400",
  "1e400",
  "0.1",
  "1E-400",
  "2.5e+3",
  "-0.0",
  "01",
  "1.",
  "-",
  "1e",
  "1e+",
  ".5",
  "+1",
  "0x10",
];

/** String literals (JSON text, quotes included): escapes, Unicode, hostile content. */
const STRINGS = [
  '""',
  '"x"',
  "'single'",
  '"guest-ping"',
  '"a\\"b"',
  '"\\\\"',
  '"\\/\\b\\f\\n\\r\\t"',
  '"\\u0000"',
  '"\\u00e9\\u00E9"',
  '"\\ud83d\\ude00"',
  '"\\ud800"',
  '"\\udc00"',
  '"\\ud800\\u0041"',
  '"\\uFFFF"',
  '"\\uFDD0"',
  '"\\u12"',
  '"\\u12G4"',
  '"\\x41"',
  '"\\a"',
  '"set"',
  '"cur"',
  '"end"',
  '"bogus"',
  '"r"',
  '"w+"',
  '"a+b"',
  '"%s%n"',
  '"\u00e9"',
  '"\u{1F600}"',
  '"\uFFFF"',
];

/** Raw byte sequences that are invalid (modified) UTF-8, or interesting valid ones. */
const UTF8_SEQUENCES: readonly number[][] = [
  [0x80],
  [0xBF],
  [0xC0, 0x80],
  [0xC0, 0xAF],
  [0xC1, 0xBF],
  [0xC2],
  [0xC2, 0x41],
  [0xE0, 0x80, 0x80],
  [0xED, 0xA0, 0x80],
  [0xED, 0xBF, 0xBF],
  [0xEF, 0xBF, 0xBE],
  [0xEF, 0xBF, 0xBF],
  [0xEF, 0xB7, 0x90],
  [0xF0, 0x80, 0x80, 0x80],
  [0xF4, 0x8F, 0xBF, 0xBF],
  [0xF4, 0x90, 0x80, 0x80],
  [0xF8, 0x88, 0x80, 0x80, 0x80],
  [0xFC, 0x84, 0x80, 0x80, 0x80, 0x80],
  [0xFE],
  [0xFF],
  [0xC3, 0xA9],
  [0xE2, 0x82, 0xAC],
  [0xF0, 0x9F, 0x98, 0x80],
];

const KEYWORDS = ["true", "false", "null", "nul", "abc", "TRUE", "inf", "nan", "garbage"];
const STRUCTURE = ["{", "}", "[", "]", ":", ",", '"', "'", "\\"];
const MODES = ["r", "rb", "w", "wb", "a", "ab", "r+", "rb+", "r+b", "w+", "wb+", "w+b", "a+"];
const WHENCES = ['"set"', '"cur"', '"end"', "0", "1", "2", "3", '"bogus"', "-1"];

/** Options of a {@link FuzzGenerator}. */
export interface GeneratorOptions {
  /** Directory that `guest-file-open` paths point into. */
  fileDir: string;
  /**
   * Only commands that may be sent to Debian's qemu-ga (the oracle): `guest-ping`, `guest-sync`,
   * `guest-sync-delimited`, `guest-info`. Otherwise every schema command, plus unknown names.
   */
  oracleSafe?: boolean;
  /** Largest "huge" string (bytes; 1 in 20 may be that large, others ≤ 1/16); default 1 MiB. */
  hugeMax?: number;
}

/** Generates fuzz inputs. */
export class FuzzGenerator {
  #rng: Rng;
  #opts: Required<GeneratorOptions>;
  #corpus: Uint8Array[] = [];

  /** Creates a generator drawing from `rng`. */
  constructor(rng: Rng, options: GeneratorOptions) {
    this.#rng = rng;
    this.#opts = { oracleSafe: false, hugeMax: 1 << 20, ...options };
  }

  /** A random scalar literal. */
  #scalar(): string {
    const r = this.#rng;
    switch (r.int(4)) {
      case 0:
        return r.pick(NUMBERS);
      case 1:
        return r.pick(STRINGS);
      case 2:
        return r.pick(["true", "false", "null"]);
      default:
        return String(r.range(-5, 2000));
    }
  }

  /** Random JSON text (mostly valid), nested up to `depth`. */
  json(depth = 4): string {
    const r = this.#rng;
    if (depth <= 0 || r.chance(0.4)) return this.#scalar();
    const n = r.size(8);
    if (r.chance(0.5)) {
      const items = Array.from({ length: n }, () => this.json(depth - 1));
      return `[${items.join(",")}]`;
    }
    const keys = ["id", "execute", "arguments", "a", "b", "handle", "path", "", "exec-oob"];
    const members = Array.from(
      { length: n },
      () =>
        `${r.chance(0.8) ? JSON.stringify(r.pick(keys)) : r.pick(STRINGS)}:${this.json(depth - 1)}`,
    );
    return `{${members.join(",")}}`;
  }

  #id(): string {
    const r = this.#rng;
    return r.chance(0.7) ? String(r.range(-3, 1 << 30)) : this.json(2);
  }

  #handle(): string {
    const r = this.#rng;
    return r.chance(0.8) ? String(r.range(1000, 1040)) : r.pick(NUMBERS);
  }

  #path(): string {
    const r = this.#rng;
    return JSON.stringify(`${this.#opts.fileDir}/f${r.int(16)}`);
  }

  /** Arguments text for a command (valid most of the time). */
  #arguments(name: string): string | undefined {
    const r = this.#rng;
    const b64 = () => JSON.stringify(btoa(String.fromCharCode(...r.bytes(r.size(64)))));
    switch (name) {
      case "guest-sync":
      case "guest-sync-delimited":
        return `{"id":${r.chance(0.85) ? String(r.range(0, 2 ** 31)) : r.pick(NUMBERS)}}`;
      case "guest-file-open":
        return r.chance(0.8)
          ? `{"path":${this.#path()},"mode":"${r.pick(MODES)}"}`
          : `{"path":${this.#path()}}`;
      case "guest-file-read":
        return `{"handle":${this.#handle()},"count":${
          r.pick(["1", "16", "4096", "0", "-1", "50331649"])
        }}`;
      case "guest-file-write":
        return `{"handle":${this.#handle()},"buf-b64":${r.chance(0.9) ? b64() : r.pick(STRINGS)}}`;
      case "guest-file-seek":
        return `{"handle":${this.#handle()},"offset":${r.pick(NUMBERS)},"whence":${
          r.pick(WHENCES)
        }}`;
      case "guest-file-flush":
      case "guest-file-close":
        return `{"handle":${this.#handle()}}`;
      case "guest-shutdown":
        return `{"mode":${r.pick(['"powerdown"', '"reboot"', '"halt"', '"bogus"', "1"])}}`;
      case "guest-set-time":
        return `{"time":${r.pick(NUMBERS)}}`;
      case "guest-fsfreeze-freeze-list":
        return `{"mountpoints":[${r.pick(STRINGS)}]}`;
      case "guest-fstrim":
        return `{"minimum":${r.pick(NUMBERS)}}`;
      case "guest-set-vcpus":
        return `{"vcpus":[{"logical-id":${r.pick(NUMBERS)},"online":${r.pick(KEYWORDS)}}]}`;
      default:
        return r.chance(0.8) ? undefined : this.json(2);
    }
  }

  /** One request as JSON text, valid or nearly so. */
  request(): string {
    const r = this.#rng;
    const names = this.#opts.oracleSafe
      ? ["guest-ping", "guest-sync", "guest-sync-delimited", "guest-info"]
      : [...COMMANDS.map((c) => c.name), "guest-exec", "guest-get-devices", "", "GUEST-PING"];
    const name = r.pick(names);
    const members: string[] = [`"execute":${JSON.stringify(name)}`];
    const args = this.#arguments(name);
    if (args !== undefined) members.push(`"arguments":${args}`);
    if (r.chance(0.5)) members.push(`"id":${this.#id()}`);
    if (r.chance(0.03)) members.push(`"exec-oob":${JSON.stringify(name)}`);
    if (r.chance(0.3)) members.sort(() => r.float() - 0.5);
    const text = `{${members.join(",")}}`;
    return r.chance(0.2) ? text.replaceAll(",", r.pick([", ", " ,\n", "\t,\r\n"])) : text;
  }

  /** A base input before mutation. */
  #base(): Uint8Array {
    const r = this.#rng;
    const x = r.float();
    if (x < 0.7) return encoder.encode(this.request());
    if (x < 0.85) return encoder.encode(this.json(5));
    if (x < 0.92 && this.#corpus.length > 0) return r.pick(this.#corpus);
    if (x < 0.97) return r.bytes(r.size(256));
    return encoder.encode(Array.from({ length: r.size(40) }, () => r.pick(STRUCTURE)).join(""));
  }

  /** A string literal of `n` bytes (quotes included) of a repeated or random body. */
  #hugeString(n: number): Uint8Array {
    const r = this.#rng;
    const out = new Uint8Array(Math.max(2, n));
    const fill = r.pick([0x61, 0x20, 0x5c6e, 0xc3a9, -1]);
    for (let i = 1; i < out.length - 1; i++) {
      if (fill === 0x5c6e) out[i] = i % 2 ? 0x5c : 0x6e; // "\n" escapes
      else if (fill === 0xc3a9) out[i] = i % 2 ? 0xc3 : 0xa9; // é, possibly cut
      else if (fill >= 0) out[i] = fill;
      else {
        const c = 0x20 + (i * 7919) % 0x5f; // printable ASCII, but no quote or backslash
        out[i] = c === 0x22 || c === 0x5c ? 0x78 : c;
      }
    }
    out[0] = out[out.length - 1] = 0x22;
    return out;
  }

  /** Applies one random mutation. */
  mutate(input: Uint8Array): Uint8Array {
    const r = this.#rng;
    const n = input.length;
    const at = () => r.int(n + 1);
    const splice = (pos: number, del: number, ins: Uint8Array) =>
      concatBytes([input.subarray(0, pos), ins, input.subarray(Math.min(n, pos + del))]);
    const stringPositions = () => {
      const out: number[] = [];
      for (let i = 0; i < n; i++) if (input[i] === 0x22) out.push(i + 1);
      return out;
    };
    switch (r.int(16)) {
      case 0: { // flip bits / replace bytes
        const out = input.slice();
        for (let k = r.range(1, 4); k > 0 && n > 0; k--) {
          const i = r.int(n);
          out[i] = r.chance(0.5) ? out[i]! ^ (1 << r.int(8)) : r.int(256);
        }
        return out;
      }
      case 1: // truncate
        return input.subarray(0, at());
      case 2: { // delete a range
        const p = at();
        return splice(p, r.size(32), new Uint8Array());
      }
      case 3: { // duplicate a range
        const p = at(), len = r.size(64);
        return splice(p, 0, input.slice(p, p + len));
      }
      case 4: { // duplicated key
        const i = input.indexOf(0x7b);
        if (i < 0) return splice(at(), 0, encoder.encode('{"a":1,"a":2}'));
        const member = r.pick(['"execute":"guest-ping",', '"id":1,"id":2,', '"arguments":{},']);
        return splice(i + 1, 0, encoder.encode(member + (r.chance(0.5) ? member : "")));
      }
      case 5: { // deep nesting
        const depth = r.chance(0.04) ? r.range(1020, 1030) : r.size(300);
        const open = r.pick(["[", '{"a":', '[{"b":']);
        const close = open === "[" ? "]" : open === '{"a":' ? "}" : "}]";
        const inner = r.chance(0.8) ? this.json(1) : "";
        const nested = open.repeat(depth) + inner + (r.chance(0.8) ? close.repeat(depth) : "");
        if (r.chance(0.5)) return encoder.encode(nested);
        return splice(at(), 0, encoder.encode(nested));
      }
      case 6: { // huge string, inside a string or replacing the input
        const len = r.size(r.chance(0.05) ? this.#opts.hugeMax : this.#opts.hugeMax >> 4);
        const s = this.#hugeString(len);
        if (r.chance(0.5)) {
          return concatBytes([
            encoder.encode('{"execute":"guest-ping","id":'),
            s,
            encoder.encode("}"),
          ]);
        }
        return splice(at(), 0, s);
      }
      case 7: { // invalid UTF-8 inside a string
        const pos = stringPositions();
        const p = pos.length > 0 && r.chance(0.8) ? r.pick(pos) : at();
        return splice(p, 0, Uint8Array.from(r.pick(UTF8_SEQUENCES)));
      }
      case 8: { // 0xFF (or 0xFE) inside a string or anywhere
        const pos = stringPositions();
        const p = pos.length > 0 && r.chance(0.7) ? r.pick(pos) : at();
        return splice(p, 0, Uint8Array.of(r.chance(0.8) ? 0xFF : 0xFE));
      }
      case 9: { // control bytes
        const p = at();
        return splice(p, 0, Uint8Array.of(r.pick([0, 1, 8, 9, 10, 12, 13, 27, 31, 127])));
      }
      case 10: { // bad escape inside a string
        const pos = stringPositions();
        const p = pos.length > 0 ? r.pick(pos) : at();
        const esc = r.pick([
          "\\",
          "\\u",
          "\\u12",
          "\\ud800",
          "\\udc00\\ud800",
          "\\uZZZZ",
          "\\x",
          "\\0",
        ]);
        return splice(p, 0, encoder.encode(esc));
      }
      case 11: { // replace a number or insert a token
        const p = at();
        const token = r.pick([
          r.pick(NUMBERS),
          r.pick(KEYWORDS),
          r.pick(STRINGS),
          r.pick(STRUCTURE),
        ]);
        return splice(p, r.chance(0.5) ? r.size(8) : 0, encoder.encode(token));
      }
      case 12: // splice with another input
        return concatBytes([input.subarray(0, at()), this.#base().subarray(r.int(16))]);
      case 13: // two inputs back to back
        return concatBytes([
          input,
          r.chance(0.5) ? encoder.encode(" ") : new Uint8Array(),
          this.#base(),
        ]);
      case 14: { // random garbage bytes
        return splice(at(), r.chance(0.5) ? r.size(16) : 0, r.bytes(r.size(64)));
      }
      default: { // whitespace padding, including a lone newline
        return splice(at(), 0, encoder.encode(r.pick([" ", "\n", "\r\n", "\t", "   \n\n"])));
      }
    }
  }

  /** One fuzz input: a base input with 0–3 mutations (about 1 in 5 stays unmutated). */
  next(): Uint8Array {
    const r = this.#rng;
    let input = this.#base();
    const mutations = r.chance(0.2) ? 0 : r.range(1, 3);
    for (let k = 0; k < mutations; k++) input = this.mutate(input);
    if (input.length < 200 && r.chance(0.05)) {
      this.#corpus.push(input.slice());
      if (this.#corpus.length > 64) this.#corpus.splice(r.int(64), 1);
    }
    return input;
  }
}

/**
 * Renders bytes for a failure message: printable ASCII as is, anything else as `\xHH`, cut to
 * `max` characters.
 */
export function showBytes(bytes: Uint8Array, max = 600): string {
  let s = "";
  for (let i = 0; i < bytes.length && s.length < max; i++) {
    const b = bytes[i]!;
    s += b >= 0x20 && b < 0x7f && b !== 0x5c
      ? String.fromCharCode(b)
      : `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return bytes.length > 0 && s.length >= max ? `${s}…(${bytes.length} bytes)` : s;
}
