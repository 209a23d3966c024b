/**
 * One-shot timers behind an interface, so the freeze watchdog can be tested without sleeping.
 *
 * @module
 */

/** An opaque timer handle. */
export type TimerHandle = unknown;

/** Starting and cancelling one-shot timers. */
export interface TimerOps {
  /** Calls `callback` once after `ms` milliseconds. */
  setTimeout(callback: () => void, ms: number): TimerHandle;
  /** Cancels a pending timer (no-op when it already ran). */
  clearTimeout(handle: TimerHandle): void;
}

/** Longest delay `setTimeout` accepts (2^31 - 1 ms, about 24.8 days); longer ones are capped. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The real timers. They are unref'd: a pending watchdog never keeps the process alive.
 */
export const realTimers: TimerOps = {
  setTimeout(callback, ms) {
    const id = setTimeout(callback, Math.min(Math.max(0, ms), MAX_TIMER_MS));
    Deno.unrefTimer(id as unknown as number);
    return id;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};
