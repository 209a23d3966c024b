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
 * Between Deno installing its handler and the guard's next check (up to one poll interval) a
 * SIGUSR1 would still reach Deno's handler. To close that window the guard also holds
 * 127.0.0.1:9229 itself (a listening TCP socket made through libc; it never accepts) until
 * shortly after Deno's handler has been replaced: an inspector started in the window then fails
 * to bind ("Failed to start inspector server" on stderr) and the agent carries on. If the port is
 * already taken by another process, Deno's inspector cannot bind it either.
 *
 * @module
 */

import { closeFd, libc } from "./libc.ts";

const SIGUSR1 = 10;
const SIG_DFL = 0n;
const SIG_IGN = 1n;
const POLL_MS = 20;
/** Keep checking this long after Deno's handler was replaced (it is installed only once). */
const SETTLE_MS = 2000;
/** Hold the inspector's port this long after Deno's handler was replaced. */
const PORT_HOLD_AFTER_REPLACE_MS = 500;
/** Give up waiting for Deno's handler after this long (e.g. runtimes without it). */
const GIVE_UP_MS = 10_000;
/** Deno's SIGUSR1 inspector address: 127.0.0.1:9229. */
const INSPECTOR_PORT = 9229;

/** Sets SIGUSR1 to ignored and returns the disposition it replaced (as an address). */
function ignoreSigusr1(): bigint {
  const previous = libc().signal(SIGUSR1, Deno.UnsafePointer.create(SIG_IGN));
  return previous === null ? SIG_DFL : Deno.UnsafePointer.value(previous) as bigint;
}

/**
 * Listens on 127.0.0.1:9229 so that an inspector started by a racing SIGUSR1 cannot bind it.
 * Returns the socket fd, or -1 when the port is not free (then nobody else can bind it either).
 */
function holdInspectorPort(): number {
  const AF_INET = 2, SOCK_STREAM = 1, SOCK_CLOEXEC = 0o2000000;
  const fd = libc().socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  // SAFETY: struct sockaddr_in = u16 family, u16 port (big-endian), u32 address, 8 zero bytes.
  const address = new Uint8Array(16);
  const view = new DataView(address.buffer);
  view.setUint16(0, AF_INET, true);
  view.setUint16(2, INSPECTOR_PORT, false);
  address.set([127, 0, 0, 1], 4);
  if (libc().bind(fd, address, address.length) < 0 || libc().listen(fd, 0) < 0) {
    closeFd(fd);
    return -1;
  }
  return fd;
}

/** Starts guarding; returns a function that stops the guard's timer (for tests). */
export function guardAgainstInspectorSignal(): () => void {
  const started = Date.now();
  let replacedAt: number | undefined;
  ignoreSigusr1();
  let portFd = holdInspectorPort();
  const releasePort = () => {
    closeFd(portFd);
    portFd = -1;
  };
  const timer = setInterval(() => {
    const previous = BigInt(ignoreSigusr1());
    const now = Date.now();
    if (previous !== SIG_DFL && previous !== SIG_IGN) replacedAt ??= now;
    // Another process may have held the port at start-up: take it as soon as it is free.
    if (portFd < 0 && replacedAt === undefined) portFd = holdInspectorPort();
    if (replacedAt !== undefined && now - replacedAt > PORT_HOLD_AFTER_REPLACE_MS) releasePort();
    const done = replacedAt !== undefined
      ? now - replacedAt > SETTLE_MS
      : now - started > GIVE_UP_MS;
    if (done) {
      clearInterval(timer);
      releasePort();
    }
  }, POLL_MS);
  Deno.unrefTimer(timer);
  return () => {
    clearInterval(timer);
    releasePort();
  };
}
