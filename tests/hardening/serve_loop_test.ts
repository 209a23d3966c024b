/**
 * Regression test: the serve loop must not keep the chunks it has read.
 *
 * It used to race every `channel.read()` against `stopped.then(...)` of one promise that lives
 * until the agent stops; each race left a reaction on that promise holding the race's result —
 * the chunk — so every byte ever received stayed in memory (1 GiB of whitespace: 1093 MiB RSS).
 * Here 1 GiB of 64 KiB chunks goes through a ServeLoop over a fake channel; the chunks are
 * ArrayBuffers, so what is retained shows in `Deno.memoryUsage().external` (leaking: 1 GiB;
 * fixed: ~300 MiB, V8 collecting them at its own pace).
 *
 * @module
 */

import assert from "node:assert/strict";
import { Logger } from "../../src/agent/log.ts";
import { ServeLoop } from "../../src/agent/serve.ts";
import type { Channel } from "../../src/channel/channel.ts";
import type { Dispatcher } from "../../src/dispatch/dispatch.ts";
import { MiB } from "./helpers.ts";

Deno.test("ServeLoop does not retain the chunks it has read", async () => {
  const total = 1024 * MiB;
  const chunk = 64 * 1024;
  let read = 0;
  let peakExternal = 0;
  const never = new Promise<Uint8Array | null>(() => {});
  const dispatcher = { dispatch: () => Promise.resolve(null) } as unknown as Dispatcher;
  const loop = new ServeLoop(dispatcher, new Logger(() => {}));
  const channel: Channel = {
    read() {
      if (read % (16 * MiB) === 0) {
        peakExternal = Math.max(peakExternal, Deno.memoryUsage().external);
      }
      if (read >= total) {
        loop.stop();
        return never;
      }
      read += chunk;
      return Promise.resolve(new Uint8Array(chunk).fill(0x20)); // whitespace: no events
    },
    write: () => Promise.resolve(undefined),
    close() {},
  };
  assert.equal(await loop.run(channel), "stopped");
  const external = Math.max(peakExternal, Deno.memoryUsage().external);
  console.log(`${total / MiB} MiB read; peak external memory ${(external / MiB).toFixed(0)} MiB`);
  assert.ok(external < 512 * MiB, `${(external / MiB).toFixed(0)} MiB of chunks retained`);
});
