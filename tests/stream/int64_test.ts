/**
 * Exact 64-bit integers from the wire to the reply, table-driven: many 16–20-digit literals
 * (where doubles start to lose digits: 2^53 has 16), positive and negative, around 2^53, the
 * int64 limits and the uint64 range, through `parseInteger()`, through `JsonMessageStream`, and
 * through dispatch — `guest-sync` must echo an int64 `id` byte for byte and the request `id`
 * member is echoed byte for byte whatever its range. Expected values are BigInt arithmetic on
 * the literal text only.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Dispatcher } from "../../src/dispatch/dispatch.ts";
import { JsonMessageStream } from "../../src/stream/json_stream.ts";
import { parseInteger } from "../../src/stream/parser.ts";
import { testDispatcher } from "../helpers/command_context.ts";
import { prng } from "../helpers/prng.ts";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** A random integer in [low, high], from 64 bits of `random`. */
function between(random: () => number, low: bigint, high: bigint): bigint {
  const word = () => BigInt(Math.floor(random() * 2 ** 32));
  const bits = (word() << 32n) | word();
  return low + bits % (high - low + 1n);
}

/** The table, as literals: each value and its negation, where within int64..uint64. */
function table(): string[] {
  const random = prng(0x1b64);
  const values = new Set<bigint>();
  for (let digits = 16; digits <= 20; digits++) {
    const low = 10n ** BigInt(digits - 1);
    const high = 10n ** BigInt(digits) - 1n < UINT64_MAX ? 10n ** BigInt(digits) - 1n : UINT64_MAX;
    values.add(low);
    values.add(high);
    for (let i = 0; i < 40; i++) values.add(between(random, low, high));
  }
  for (const around of [2n ** 53n, 2n ** 54n, 2n ** 62n, 2n ** 63n, 2n ** 64n]) {
    for (let delta = -3n; delta <= 3n; delta++) values.add(around + delta);
  }
  const out: string[] = [];
  for (const v of values) {
    for (const x of [v, -v]) if (x >= INT64_MIN && x <= UINT64_MAX) out.push(String(x));
  }
  return out;
}

const LITERALS = table();

function makeDispatcher(): Dispatcher {
  return testDispatcher();
}

/** Parses one request with a fresh stream and dispatches it; resolves to the reply bytes. */
async function exchange(dispatcher: Dispatcher, request: string): Promise<Uint8Array> {
  const events = new JsonMessageStream().feed(new TextEncoder().encode(request));
  assert.equal(events.length, 1, request);
  const event = events[0]!;
  assert.ok("value" in event, `${request}: ${JSON.stringify(event)}`);
  const reply = await dispatcher.dispatch(event.value);
  assert.ok(reply, request);
  return reply;
}

Deno.test("the int64/uint64 table has what it promises", () => {
  const values = LITERALS.map(BigInt);
  for (const digits of [16, 17, 18, 19, 20]) {
    const n = LITERALS.filter((t) => t.replace("-", "").length === digits).length;
    assert.ok(n >= 40, `${n} literals of ${digits} digits`);
  }
  for (
    const v of [2n ** 53n + 1n, -(2n ** 53n + 1n), INT64_MAX, INT64_MIN, 2n ** 63n, UINT64_MAX]
  ) {
    assert.ok(values.includes(v), String(v));
  }
  // Most of them are not doubles: a round trip through Number would change them.
  const inexact = values.filter((v) => BigInt(Number(v)) !== v).length;
  assert.ok(inexact > values.length / 2, `${inexact} of ${values.length} inexact as doubles`);
});

Deno.test("parseInteger() returns every 16-20-digit int64/uint64 literal exactly", () => {
  const wrong = LITERALS.filter((text) => parseInteger(text) !== BigInt(text));
  assert.deepEqual(wrong, []);
});

Deno.test("JsonMessageStream.feed() keeps every 16-20-digit integer exact", () => {
  const stream = new JsonMessageStream();
  for (const text of LITERALS) {
    const events = stream.feed(new TextEncoder().encode(`[${text}, {"v": ${text}}]`));
    assert.deepEqual(events, [{ value: [BigInt(text), new Map([["v", BigInt(text)]])] }], text);
  }
});

Deno.test("guest-sync echoes every int64 id byte for byte and rejects the uint64-only ones", async () => {
  const dispatcher = makeDispatcher();
  const decoder = new TextDecoder();
  const typeError =
    `{"error": {"class": "GenericError", "desc": "Invalid parameter type for 'id', expected: integer"}}\n`;
  let echoed = 0;
  for (const text of LITERALS) {
    const value = BigInt(text);
    const expected = value <= INT64_MAX ? `{"return": ${text}}\n` : typeError;
    if (value <= INT64_MAX) echoed++;
    const sync = `{"execute":"guest-sync","arguments":{"id":${text}}}`;
    assert.equal(decoder.decode(await exchange(dispatcher, sync)), expected, sync);
    const delimited = `{"execute":"guest-sync-delimited","arguments":{"id":${text}}}`;
    const bytes = await exchange(dispatcher, delimited);
    const prefix = value <= INT64_MAX ? "\xff" : "";
    assert.equal(new TextDecoder("latin1").decode(bytes), prefix + expected, delimited);
  }
  assert.ok(echoed > LITERALS.length / 2, `${echoed} int64 ids echoed`);
});

Deno.test("Dispatcher.dispatch() echoes every int64/uint64 request id byte for byte", async () => {
  const dispatcher = makeDispatcher();
  const decoder = new TextDecoder();
  for (const text of LITERALS) {
    const request = `{"execute":"guest-sync","arguments":{"id":1},"id":${text}}`;
    assert.equal(
      decoder.decode(await exchange(dispatcher, request)),
      `{"return": 1, "id": ${text}}\n`,
      request,
    );
  }
});
