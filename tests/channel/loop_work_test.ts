/**
 * While a guest-exec child's output is being read, a hot channel must not keep the JS thread in
 * its own waits: the pipes' reads complete only on turns of the event loop.
 *
 * @module
 */

import assert from "node:assert/strict";
import { FdWaiter } from "../../src/channel/waiter.ts";
import { libc } from "../../src/sys/libc.ts";
import { beginLoopWork } from "../../src/sys/loop_work.ts";

libc(); // opened before any test, so the resource sanitizer does not count the library

Deno.test("a hot channel waits on a worker thread while loop work is pending", async () => {
  const waiter = new FdWaiter();
  try {
    waiter.gotData();
    assert.ok(waiter.readBudget() > 0, "hot: the JS thread may wait");
    assert.ok(waiter.writeBudget() > 0);
    const end = beginLoopWork();
    waiter.gotData();
    assert.equal(waiter.readBudget(), 0);
    assert.equal(waiter.writeBudget(), 0);
    end();
    waiter.gotData();
    assert.ok(waiter.readBudget() > 0, "hot again once the work has ended");
  } finally {
    waiter.close();
    await waiter.closed;
  }
});
