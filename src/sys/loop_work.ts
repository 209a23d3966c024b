/**
 * Work in flight that needs the event loop to turn often: a guest-exec child's pipes being read
 * (each read of a Deno pipe, and each readiness of a merged-output pipe, completes on a turn of
 * the event loop). While any is pending, the channels wait for requests on a worker thread, not
 * on the JS thread (see `../channel/waiter.ts`), so a host that keeps the channel busy cannot
 * slow the collection of a child's output to one read per turn of the loop.
 *
 * @module
 */

let pending = 0;

/**
 * Counts one piece of work until the returned function is called (calling it again does
 * nothing).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { beginLoopWork, loopWorkPending } from "./loop_work.ts";
 * const end = beginLoopWork();
 * assert.equal(loopWorkPending(), true);
 * end();
 * end();
 * assert.equal(loopWorkPending(), false);
 * ```
 */
export function beginLoopWork(): () => void {
  pending++;
  let ended = false;
  return () => {
    if (ended) return;
    ended = true;
    pending--;
  };
}

/** True while some work counted by {@link beginLoopWork} has not ended. */
export function loopWorkPending(): boolean {
  return pending > 0;
}
