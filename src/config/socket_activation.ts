/**
 * systemd socket activation, as qemu-ga's `check_socket_activation()` decides it.
 *
 * Activation applies when `LISTEN_PID` is this process's id and `LISTEN_FDS` is set (both
 * decimal, whole-string numbers). The caller must then unset `LISTEN_PID`, `LISTEN_FDS` and
 * `LISTEN_FDNAMES`, mark fds 3.. close-on-exec, and listen on fd 3 (the channel method comes
 * from its socket family; `-m`/`-p` are ignored).
 *
 * @module
 */

const UNSIGNED_REGEXP = /^[ \t\n\v\f\r]*\+?[0-9]+$/;

/** The message qemu-ga logs (critical, exit 1) when more than one socket is passed. */
export const TOO_MANY_SOCKETS = "qemu-ga only supports listening on one socket";
/** The message qemu-ga logs (critical, exit 1) when fd 3 is neither AF_UNIX nor AF_VSOCK. */
export const UNSUPPORTED_LISTEN_FD = "unsupported listen fd type";

/**
 * Checks whether the agent was socket-activated.
 *
 * @param env Reads an environment variable (`undefined` when unset).
 * @param pid This process's id.
 * @returns `"none"` when not activated (variables absent, malformed, meant for another process,
 * or zero fds); the fd count (always 1) when activated; an error when more fds were passed.
 *
 * @example
 * ```ts
 * import { socketActivationFds } from "./socket_activation.ts";
 * const env = new Map([["LISTEN_PID", "42"], ["LISTEN_FDS", "1"]]);
 * socketActivationFds((name) => env.get(name), 42); // 1
 * ```
 */
export function socketActivationFds(
  env: (name: string) => string | undefined,
  pid: number,
): number | "none" | { error: string } {
  const listenPid = parseUnsigned(env("LISTEN_PID"));
  if (listenPid === undefined || listenPid !== BigInt(pid)) return "none";
  const count = parseUnsigned(env("LISTEN_FDS"));
  if (count === undefined || count === 0n) return "none";
  if (count > 1n) return { error: TOO_MANY_SOCKETS };
  return 1;
}

function parseUnsigned(text: string | undefined): bigint | undefined {
  if (text === undefined || !UNSIGNED_REGEXP.test(text)) return undefined;
  return BigInt(text.trim().replace("+", ""));
}
