/**
 * While data keeps flowing the channel waits for it on the JS thread (see
 * `src/channel/waiter.ts`), but it must still let the event loop run — timers (the freeze
 * watchdog), signal listeners (SIGTERM) — or they would wait until the flow stops.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Channel, openChannel } from "../../src/channel/channel.ts";
import { libc } from "../../src/sys/libc.ts";

libc(); // opened before any test, so the resource sanitizer does not count the library

/** The next chunk as the serve loop reads it: at once if it can, else awaited. */
async function next(channel: Channel): Promise<Uint8Array | null> {
  return channel.readSync?.() ?? await channel.read();
}

Deno.test("unix-listen lets a timer fire while a client floods it without a gap", async () => {
  const path = `${await Deno.makeTempDir()}/qga.sock`;
  const channel = await openChannel("unix-listen", path);
  const flags = new Int32Array(new SharedArrayBuffer(8)); // [stop, done] of the flooding worker
  const worker = new Worker(new URL("./fixtures/flood_worker.ts", import.meta.url), {
    type: "module",
  });
  const written = new Promise<number>((resolve, reject) => {
    worker.onmessage = (e) => resolve(e.data);
    worker.onerror = (e) => {
      e.preventDefault();
      reject(new Error(`flood worker: ${e.message}`));
    };
  });
  let floodingWhenFired: boolean | undefined;
  let read = 0;
  try {
    worker.postMessage({ path, flags });
    const fire = () => {
      floodingWhenFired = Atomics.load(flags, 1) === 0;
      Atomics.store(flags, 0, 1);
      if (!floodingWhenFired) channel.close(); // the read waits for a next client: end it
    };
    while (floodingWhenFired === undefined) {
      const chunk = await Promise.race([next(channel), written.then(() => null)]);
      if (chunk === null) break;
      if (read === 0) setTimeout(fire, 20); // the flood is on
      read += chunk.length;
    }
    assert.equal(floodingWhenFired, true, `the timer waited for the end of a ${read}-byte flood`);
  } finally {
    Atomics.store(flags, 0, 1);
    const drain = (async () => {
      while (await next(channel) !== null);
    })();
    await written.catch(() => {});
    channel.close();
    await drain;
    await channel.closed;
    worker.terminate();
  }
});
