/**
 * Keeps SIGUSR1 from opening Deno's V8 inspector.
 *
 * Since Deno 2.9.2, SIGUSR1 arriving after the runtime's start-up (~500 ms) opens an
 * unauthenticated inspector on 127.0.0.1:9229 — for an agent running as root, a local privilege
 * escalation. No flag turns it off, and a JS listener does not stop it. Deno installs its
 * process-wide handler ~500–550 ms after start (measured with 2.9.6), once; setting SIGUSR1 to
 * "ignore" through libc *after* that disarms it (Deno never re-installs it, not even for
 * `Deno.addSignalListener("SIGUSR1")`), whereas an earlier setting is overwritten by Deno.
 *
 * So the guard:
 * 1. sets SIGUSR1 to SIG_IGN at once (before Deno's handler exists the default action would
 *    kill the agent);
 * 2. polls the disposition with `sigaction(SIGUSR1, NULL, &old)` — from 50 ms after start, every
 *    5 ms while the installation is due (250–1500 ms after start), every 20 ms otherwise — and
 *    puts SIG_IGN back as soon as anything else appears, then keeps checking for 2 s;
 * 3. reserves 127.0.0.1:9229 from the start until 500 ms after Deno's handler was replaced: a
 *    TCP socket made through libc, bound (without SO_REUSEADDR) but not listening, so that a
 *    SIGUSR1 landing in the few milliseconds between Deno's installation and the next poll starts
 *    an inspector that cannot bind (Deno prints "Failed to start inspector server at
 *    "127.0.0.1:9229"" and carries on). Not listening, the socket refuses connections at once
 *    instead of leaving clients hanging in a backlog. If the port is taken by another process,
 *    Deno's inspector cannot bind it either.
 *
 * If no handler shows up within 10 s (a runtime without the feature) the polling slows down
 * (up to every 5 s) but never stops. All timers are unref'd; the first poll waits on a worker
 * thread instead (see the end of {@link guardAgainstInspectorSignal}).
 *
 * @module
 */

import { closeFd, libc } from "./libc.ts";
import { setSignalDisposition, signalDisposition } from "./posix.ts";
import { Sigaction, Signal, sockaddrIn, Socket } from "./structs.ts";

/** When the first poll comes (ms after the guard starts). */
const FIRST_POLL_MS = 50;
/** Poll interval while Deno's installation is due, and otherwise. */
const FAST_POLL_MS = 5;
const POLL_MS = 20;
/** When (ms after the process's time origin) Deno's installation is expected. */
const DUE_FROM_MS = 250;
const DUE_UNTIL_MS = 1500;
/** Keep checking this long after Deno's handler was replaced. */
const SETTLE_MS = 2000;
/** Hold the inspector's port this long after Deno's handler was replaced. */
const PORT_HOLD_AFTER_REPLACE_MS = 500;
/** Without a handler by then, poll ever more slowly, up to {@link MAX_SLOW_POLL_MS}. */
const SLOW_AFTER_MS = 10_000;
const MAX_SLOW_POLL_MS = 5000;
/** Deno's SIGUSR1 inspector address: 127.0.0.1:9229. */
const INSPECTOR_PORT = 9229;

/**
 * Binds 127.0.0.1:9229 (no listen) so that an inspector started by a racing SIGUSR1 cannot bind
 * it. Returns the socket fd, or -1 when the port is not free (then nobody else can bind it
 * either).
 */
function holdInspectorPort(): number {
  const fd = libc().socket(Socket.AF_INET, Socket.SOCK_STREAM | Socket.SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const address = sockaddrIn([127, 0, 0, 1], INSPECTOR_PORT);
  if (libc().bind(fd, address, address.length) < 0) {
    closeFd(fd);
    return -1;
  }
  return fd;
}

/** True for a disposition that is neither SIG_DFL nor SIG_IGN: a handler (Deno's). */
function isHandler(disposition: bigint): boolean {
  return disposition !== Sigaction.SIG_DFL && disposition !== Sigaction.SIG_IGN;
}

/**
 * Starts guarding SIGUSR1 (call first thing at start-up). Returns a function that stops the
 * guard's timer and releases the port (for tests); the agent just lets it run.
 */
export function guardAgainstInspectorSignal(): () => void {
  const started = performance.now();
  let replacedAt: number | undefined;
  let slowPollMs = POLL_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let portFd = -1;
  const releasePort = () => {
    closeFd(portFd);
    portFd = -1;
  };
  let stopped = false;
  const stop = () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    releasePort();
  };

  /** Puts SIG_IGN in place if anything else is there; notes when Deno's handler was seen. */
  const enforce = (now: number) => {
    const current = signalDisposition(Signal.SIGUSR1);
    if (current === Sigaction.SIG_IGN) return;
    const previous = setSignalDisposition(Signal.SIGUSR1, Sigaction.SIG_IGN);
    if (replacedAt === undefined && (isHandler(current) || isHandler(previous))) replacedAt = now;
  };

  const tick = () => {
    timer = undefined;
    const now = performance.now();
    try {
      enforce(now);
    } catch {
      // sigaction cannot fail for SIGUSR1 with valid arguments; keep polling regardless.
    }
    if (replacedAt !== undefined && now - replacedAt >= PORT_HOLD_AFTER_REPLACE_MS) releasePort();
    let delay: number;
    if (replacedAt !== undefined) {
      if (now - replacedAt > SETTLE_MS) return stop();
      delay = POLL_MS;
    } else if (now >= DUE_FROM_MS && now <= DUE_UNTIL_MS) {
      delay = FAST_POLL_MS;
    } else if (now - started > SLOW_AFTER_MS) {
      // No handler so far: this runtime may not have the feature. Keep an eye on it cheaply.
      releasePort();
      delay = slowPollMs = Math.min(MAX_SLOW_POLL_MS, slowPollMs * 2);
    } else {
      delay = POLL_MS;
    }
    const next = setTimeout(tick, delay);
    Deno.unrefTimer(next);
    timer = next;
  };

  try {
    enforce(started);
  } catch {
    // As above.
  }
  if (replacedAt === undefined) portFd = holdInspectorPort();
  // The first poll comes after a sleep on a worker thread, not a timer: a process's first timer
  // costs ~5 ms (Deno loads its timer machinery then), which would delay the agent's first reply.
  // Deno's handler is due hundreds of milliseconds later, and the port is held meanwhile.
  libc().usleep_nb(FIRST_POLL_MS * 1000).then(() => {
    if (!stopped) tick();
  });
  return stop;
}
