/**
 * Shared helpers for the `src/stream` tests: byte-string construction, feeding a
 * stream in chosen chunk sizes, a compact printable form of events, and a seeded PRNG.
 *
 * @module
 */

import { JsonMessageStream, type StreamEvent } from "../../src/stream/json_stream.ts";
import type { QValue } from "../../src/qobject/value.ts";

/** Turns a string whose char codes are all below 256 into those bytes ("\xff" is byte 0xFF). */
export function bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xFF) throw new RangeError(`char code ${c} in a byte string`);
    out[i] = c;
  }
  return out;
}

/** Concatenates byte strings (see {@link bytes}) and byte arrays. */
export function concat(...parts: (string | Uint8Array)[]): Uint8Array {
  const arrays = parts.map((p) => typeof p === "string" ? bytes(p) : p);
  const out = new Uint8Array(arrays.reduce((n, a) => n + a.length, 0));
  let o = 0;
  for (const a of arrays) {
    out.set(a, o);
    o += a.length;
  }
  return out;
}

/** `n` bytes repeating the ASCII `pattern`. */
export function filled(n: number, pattern: string): Uint8Array {
  const p = bytes(pattern);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = p[i % p.length]!;
  return out;
}

/** Feeds `input` to `stream` in pieces of `chunk` bytes (or sizes drawn from a function). */
export function feedIn(
  stream: JsonMessageStream,
  input: string | Uint8Array,
  chunk: number | (() => number) = Infinity,
): StreamEvent[] {
  const data = typeof input === "string" ? bytes(input) : input;
  const events: StreamEvent[] = [];
  let i = 0;
  do {
    const size = typeof chunk === "number" ? chunk : chunk();
    events.push(...stream.feed(data.subarray(i, i + size)));
    i += size;
  } while (i < data.length);
  return events;
}

/** Feeds `input` to a fresh stream and returns {@link show}n events. */
export function run(
  input: string | Uint8Array,
  chunk: number | (() => number) = Infinity,
): string[] {
  return feedIn(new JsonMessageStream(), input, chunk).map(show);
}

function escapeBytes(codes: Iterable<number>): string {
  let s = "";
  for (const c of codes) {
    s += c >= 0x20 && c < 0x7F ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, "0")}`;
  }
  return s;
}

/** Compact text of a value: bigints as `12n`, doubles as `num(1.5)`, Maps as `{k: v}`. */
export function showValue(v: QValue | undefined): string {
  if (v === null) return "null";
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "number") return `num(${Object.is(v, -0) ? "-0" : v})`;
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "boolean") return String(v);
  if (v instanceof Uint8Array) return `bytes(${escapeBytes(v)})`;
  if (Array.isArray(v)) return `[${v.map(showValue).join(", ")}]`;
  if (v instanceof Map) {
    return `{${[...v].map(([k, x]) => `${JSON.stringify(k)}: ${showValue(x)}`).join(", ")}}`;
  }
  return "plain-object";
}

/**
 * Compact text of an event: `V:<value>`, `E:<text>` for string errors, `B:<text>`
 * for raw-byte errors (bytes outside printable ASCII as `\xNN`).
 */
export function show(ev: StreamEvent): string {
  if ("value" in ev) return "V:" + showValue(ev.value);
  if (typeof ev.error === "string") {
    return "E:" + escapeBytes([...ev.error].map((c) => c.charCodeAt(0)));
  }
  return "B:" + escapeBytes(ev.error);
}

/** The stray-error event text for the given token bytes. */
export function stray(token: string): string {
  return "B:JSON parse error, stray '" + escapeBytes(bytes(token)) + "'";
}

export { prng } from "../helpers/prng.ts";

/** Common event texts. */
export const EXPECTING_VALUE = "E:JSON parse error, expecting value";
/** The value of a bare `{"execute":"guest-ping"}`. */
export const PING = 'V:{"execute": "guest-ping"}';
