/**
 * Keeps SIGUSR1 from opening Deno's V8 inspector.
 *
 * Since Deno 2.9.2, SIGUSR1 arriving after the runtime's start-up (~500 ms) opens an
 * unauthenticated inspector on 127.0.0.1:9229 — for an agent running as root, a local privilege
 * escalation. Deno installs that handler late and a JS listener does not stop it, so the guard
 * sets SIGUSR1 to "ignore" through libc right away (harmless before Deno's handler exists: the
 * default action would kill the agent) and keeps re-asserting it every 20 ms until it has
 * replaced Deno's handler, then checks a few more times.
 *
 * @module
 */

import { libc } from "./libc.ts";

const SIGUSR1 = 10;
const SIG_DFL = 0n;
const SIG_IGN = 1n;
const POLL_MS = 20;
/** Keep checking this long after Deno's handler was replaced (it is installed only once). */
const SETTLE_MS = 2000;
/** Give up waiting for Deno's handler after this long (e.g. runtimes without it). */
const GIVE_UP_MS = 10_000;

/** Sets SIGUSR1 to ignored and returns the disposition it replaced (as an address). */
function ignoreSigusr1(): bigint {
  const previous = libc().signal(SIGUSR1, Deno.UnsafePointer.create(SIG_IGN));
  return previous === null ? SIG_DFL : Deno.UnsafePointer.value(previous) as bigint;
}

/** Starts guarding; returns a function that stops the guard's timer (for tests). */
export function guardAgainstInspectorSignal(): () => void {
  const started = Date.now();
  let replacedAt: number | undefined;
  ignoreSigusr1();
  const timer = setInterval(() => {
    const previous = BigInt(ignoreSigusr1());
    const now = Date.now();
    if (previous !== SIG_DFL && previous !== SIG_IGN) replacedAt ??= now;
    const done = replacedAt !== undefined
      ? now - replacedAt > SETTLE_MS
      : now - started > GIVE_UP_MS;
    if (done) clearInterval(timer);
  }, POLL_MS);
  Deno.unrefTimer(timer);
  return () => clearInterval(timer);
}
