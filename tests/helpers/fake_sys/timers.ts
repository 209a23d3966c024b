/**
 * Fake timers for the freeze watchdog (not part of `Sys`: timers are the agent's own scheduling,
 * injected into `FsfreezeService`).
 *
 * @module
 */

import type { TimerHandle, TimerOps } from "../../../src/commands/freeze/timers.ts";

/** Fake {@link TimerOps}: timers run only when the test calls {@link FakeTimers.fire}. */
export class FakeTimers implements TimerOps {
  #next = 1;
  #pending = new Map<unknown, { callback: () => void; ms: number }>();

  /** Delays of the pending timers, in milliseconds. */
  get pending(): number[] {
    return [...this.#pending.values()].map((t) => t.ms);
  }

  /** {@inheritDoc TimerOps.setTimeout} */
  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.#next++;
    this.#pending.set(id, { callback, ms });
    return id;
  }

  /** {@inheritDoc TimerOps.clearTimeout} */
  clearTimeout(handle: TimerHandle): void {
    this.#pending.delete(handle);
  }

  /** Runs every pending timer as if its delay had passed. */
  fire(): void {
    const due = [...this.#pending.values()];
    this.#pending.clear();
    for (const t of due) t.callback();
  }
}
