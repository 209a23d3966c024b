/**
 * Protocol fuzz at volume, in-process: 100,000 generated inputs (1,000,000 with `QGA_LONG=1`) fed
 * to one persistent JsonMessageStream and answered by the real Dispatcher (see in_process.ts).
 *
 * Proves, for every input: feeding never throws; every event the stream produces gets exactly one
 * well-formed reply (reply count = event count; shape, ASCII-only, 0xFF placement and id echo
 * checked by `checkReply`); no handler fails with anything but a QgaError. Every 500 inputs the
 * 0xFF + `guest-sync-delimited` resynchronisation is sent and must end with exactly its marker
 * reply, after at most one flushed scalar and the one error for the 0xFF byte. On a sample, the
 * events for an input fed whole and fed in random chunks (down to single bytes) are identical,
 * so chunk boundaries never change what the agent answers.
 *
 * The seed is printed; rerun a failure with `QGA_FUZZ_SEED=<seed>` (and `QGA_FUZZ_INPUTS=<n>` to
 * change the volume).
 *
 * @module
 */

import assert from "node:assert/strict";
import { concatBytes, FuzzGenerator, fuzzSeed, Rng, showBytes } from "./fuzz_gen.ts";
import { ciOrLong } from "./helpers.ts";
import { checkReply, InProcessAgent } from "./in_process.ts";
import { JsonMessageStream, type StreamEvent } from "../../src/stream/json_stream.ts";
import { show } from "../stream/helpers.ts";
import { encodeError } from "../../src/dispatch/dispatch.ts";
import { QgaError } from "../../src/schema/errors.ts";

const INPUTS = Number(Deno.env.get("QGA_FUZZ_INPUTS") ?? ciOrLong(100_000, 1_000_000));
const RESYNC_EVERY = 500;
const CHUNK_SAMPLE = 0.03;
const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");

function marker(id: number): Uint8Array {
  const json = encoder.encode(`{"execute":"guest-sync-delimited","arguments":{"id":${id}}}`);
  return concatBytes([Uint8Array.of(0xFF), json]);
}

function feedChunked(input: Uint8Array, rng: Rng): StreamEvent[] {
  const stream = new JsonMessageStream();
  const events: StreamEvent[] = [];
  const single = input.length <= 4096 && rng.chance(0.5);
  for (let i = 0; i < input.length;) {
    const size = single ? 1 : rng.range(1, 97);
    events.push(...stream.feed(input.subarray(i, i + size)));
    i += size;
  }
  return events;
}

Deno.test(`in-process fuzz: ${INPUTS} inputs, one reply per event, resync always works`, async () => {
  const seed = fuzzSeed();
  console.log(`fuzz seed ${seed} (QGA_FUZZ_SEED=${seed} to reproduce)`);
  const dir = await Deno.makeTempDir({ prefix: "qga-fuzz-" });
  const agent = new InProcessAgent(dir);
  const rng = new Rng(seed);
  const gen = new FuzzGenerator(rng, { fileDir: dir });
  const started = performance.now();
  let events = 0;
  let bytes = 0;
  let chunkChecks = 0;
  const history: Uint8Array[] = [];
  const checkedErrors = new Set<string>();
  const context = (i: number) =>
    `seed ${seed}, input ${i}; recent inputs:\n` +
    history.map((h) => `  ${showBytes(h, 300)}`).join("\n");
  try {
    for (let i = 0; i < INPUTS; i++) {
      const input = gen.next();
      bytes += input.length;
      history.push(input);
      if (history.length > 4) history.shift();
      let evs: StreamEvent[];
      try {
        evs = agent.stream.feed(input);
      } catch (error) {
        assert.fail(`feed() threw ${error} for ${context(i)}`);
      }
      let replies = 0;
      for (const event of evs) {
        let reply: Uint8Array | null;
        let key: string | undefined;
        if ("error" in event) {
          // Stream errors are answered as the serve loop does, synchronously; the reply is a
          // function of the error text alone, so each distinct text is checked once.
          reply = encodeError(new QgaError(event.error));
          key = typeof event.error === "string" ? event.error : latin1.decode(event.error);
          if (checkedErrors.has(key)) {
            replies++;
            continue;
          }
        } else {
          reply = await agent.answer(event);
        }
        const problem = checkReply(event, reply);
        if (key !== undefined && checkedErrors.size < 100_000) checkedErrors.add(key);
        if (problem !== undefined) {
          assert.fail(
            `${problem}: event ${show(event).slice(0, 300)} got ` +
              `${reply ? showBytes(reply, 300) : "null"}; ${context(i)}`,
          );
        }
        replies++;
      }
      assert.equal(replies, evs.length);
      events += evs.length;
      assert.deepEqual(agent.internalErrors, [], context(i));

      if (rng.chance(CHUNK_SAMPLE) && input.length <= 1 << 20) {
        chunkChecks++;
        const whole = new JsonMessageStream().feed(input).map(show);
        const chunked = feedChunked(input, rng).map(show);
        assert.deepEqual(chunked, whole, `chunked feeding differs; ${context(i)}`);
      }

      if ((i + 1) % RESYNC_EVERY === 0 || i === INPUTS - 1) {
        const id = 900_000_000 + i;
        const evs = agent.stream.feed(marker(id));
        const replies = await Promise.all(evs.map((e) => agent.answer(e)));
        const last = replies.at(-1);
        assert.ok(
          evs.length >= 2 && evs.length <= 3,
          `resync gave ${evs.length} events (${evs.map(show).join(" | ")}); ${context(i)}`,
        );
        assert.deepEqual(
          last,
          concatBytes([Uint8Array.of(0xFF), encoder.encode(`{"return": ${id}}\n`)]),
        );
        const stray = replies.at(-2)!;
        assert.ok(
          new TextDecoder().decode(stray).includes("JSON parse error, stray '"),
          `the 0xFF byte's reply is ${showBytes(stray)}`,
        );
      }
    }
  } finally {
    await agent.close();
    await Deno.remove(dir, { recursive: true });
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${INPUTS} inputs (${
      (bytes / 2 ** 20).toFixed(1)
    } MiB), ${events} events = ${events} replies, ` +
      `${chunkChecks} chunking cross-checks, ${seconds.toFixed(1)} s`,
  );
});
