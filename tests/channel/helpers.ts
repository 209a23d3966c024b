/**
 * Checks shared by the in-process channel tests (unix-listen and the character-device ports).
 *
 * @module
 */

import assert from "node:assert/strict";
import type { Channel } from "../../src/channel/channel.ts";
import { sleep } from "../helpers/async.ts";

/**
 * Asserts that `close()` wakes a read pending on `channel` at once: the read resolves to null
 * and `closed` settles within 100 ms of the close.
 *
 * @param channel An open channel with nothing to read.
 */
export async function assertCloseWakesRead(channel: Channel): Promise<void> {
  const pending = channel.read();
  await sleep(50);
  const started = performance.now();
  channel.close();
  assert.equal(await pending, null);
  await channel.closed;
  assert.ok(performance.now() - started < 100, "close() did not wake the read at once");
}
