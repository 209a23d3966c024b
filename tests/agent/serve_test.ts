/**
 * The serve loop over a fake channel: requests answered in order, several per chunk, and the
 * message stream left usable when answering a request throws.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Logger } from "../../src/agent/log.ts";
import { ServeLoop } from "../../src/agent/serve.ts";
import type { Channel } from "../../src/channel/channel.ts";
import type { Dispatcher } from "../../src/dispatch/dispatch.ts";
import { testDispatcher } from "../helpers/command_context.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function dispatcher(): Dispatcher {
  return testDispatcher();
}

/** A channel that delivers `chunks`, then ends; replies go to `written` (or `write` throws). */
function fakeChannel(chunks: string[], written: string[], failWrites = 0): Channel {
  let failures = failWrites;
  return {
    read: () => Promise.resolve(chunks.length > 0 ? encoder.encode(chunks.shift()!) : null),
    write(reply: Uint8Array) {
      if (failures > 0) {
        failures--;
        throw new Error("write failed");
      }
      written.push(decoder.decode(reply));
      return Promise.resolve(undefined);
    },
    close() {},
  };
}

Deno.test("ServeLoop answers every request of a chunk, in order, across chunks", async () => {
  const loop = new ServeLoop(dispatcher(), new Logger(() => {}));
  const written: string[] = [];
  const sync = (id: number) => `{"execute":"guest-sync","arguments":{"id":${id}}}`;
  const chunks = [sync(1) + sync(2) + '{"execute":"guest-sync",', '"arguments":{"id":3}}' + "]"];
  assert.equal(await loop.run(fakeChannel(chunks, written)), "channel-closed");
  assert.deepEqual(written, [
    `{"return": 1}\n`,
    `{"return": 2}\n`,
    `{"return": 3}\n`,
    `{"error": {"class": "GenericError", "desc": "JSON parse error, expecting value"}}\n`,
  ]);
});

Deno.test("ServeLoop leaves the stream usable when answering a request throws", async () => {
  const loop = new ServeLoop(dispatcher(), new Logger(() => {}));
  const written: string[] = [];
  const sync = (id: number) => `{"execute":"guest-sync","arguments":{"id":${id}}}`;
  // The first write throws: the rest of that chunk is still lexed (its events dropped, as a
  // `for…of` left early drops them), so the message it starts is completed by the next chunk.
  const first = sync(1) + sync(2) + '{"execute":"guest-sync",';
  await assert.rejects(loop.run(fakeChannel([first], written, 1)), /write failed/);
  assert.deepEqual(written, []);
  assert.equal(await loop.run(fakeChannel(['"arguments":{"id":3}}'], written)), "channel-closed");
  assert.deepEqual(written, [`{"return": 3}\n`]);
});
