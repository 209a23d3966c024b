/**
 * Timing helpers shared by the tests and the benchmark: sleeping, racing a promise against a
 * timer (failing, or reporting "pending"), and polling a condition until a deadline.
 *
 * @module
 */

/** Resolves after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Races `promise` against a timer.
 *
 * @param promise The operation.
 * @param ms Timeout in milliseconds.
 * @param what What is being waited for (for the error message).
 * @returns The operation's result.
 * @throws Error `<what> (timed out after <ms> ms)` on timeout.
 */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} (timed out after ${ms} ms)`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves to the promise's value, or to "pending" when it has not settled within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | "pending"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"pending">((resolve) => (timer = setTimeout(resolve, ms, "pending")));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls `check` every `intervalMs` until it returns true or `timeoutMs` has passed; checks once
 * more at the deadline.
 *
 * @param check The condition.
 * @param timeoutMs How long to keep polling.
 * @param intervalMs Pause between checks.
 * @returns Whether the condition held.
 */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
  intervalMs = 25,
): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return true;
    await sleep(intervalMs);
  }
  return await check();
}
