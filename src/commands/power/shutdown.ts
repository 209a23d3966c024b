/**
 * `guest-shutdown` (spec §2.6), upstream's Linux behaviour: mode `powerdown` (default), `halt`
 * or `reboot`; `/sbin/poweroff`, `/sbin/halt` or `/sbin/reboot` (no arguments) when executable,
 * else `/sbin/shutdown -h -P|-H|-r +0 "hypervisor initiated shutdown"`, run through the
 * run-command helper (action `shutdown`) and waited for. Success sends no reply
 * (`success-response: false`, handled by dispatch).
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import type { Processes } from "../../sys/processes.ts";
import type { Handler } from "../context.ts";
import { runCommand } from "./run_command.ts";

/** The error for an unknown mode (sic: no closing parenthesis). */
export const INVALID_SHUTDOWN_MODE = "mode is invalid (valid values are: halt|powerdown|reboot";

/** The message `/sbin/shutdown` is given. */
export const SHUTDOWN_MESSAGE = "hypervisor initiated shutdown";

const MODES: Readonly<Record<string, { command: string; flag: string }>> = {
  powerdown: { command: "/sbin/poweroff", flag: "-P" },
  halt: { command: "/sbin/halt", flag: "-H" },
  reboot: { command: "/sbin/reboot", flag: "-r" },
};

/**
 * The command line upstream runs for `mode`.
 *
 * @param mode The requested mode (`undefined` = powerdown).
 * @param isExecutable `access(path, X_OK) == 0`.
 * @returns The argv.
 * @throws QgaError {@link INVALID_SHUTDOWN_MODE} for an unknown mode.
 */
export function shutdownArgv(
  mode: string | undefined,
  isExecutable: (path: string) => boolean,
): string[] {
  const entry = Object.hasOwn(MODES, mode ?? "powerdown") ? MODES[mode ?? "powerdown"] : undefined;
  if (!entry) throw new QgaError(INVALID_SHUTDOWN_MODE);
  if (isExecutable(entry.command)) return [entry.command];
  return ["/sbin/shutdown", "-h", entry.flag, "+0", SHUTDOWN_MESSAGE];
}

/**
 * Shuts the guest down as upstream qemu-ga does.
 *
 * @param processes Runs the command.
 * @param mode The requested mode.
 * @param audit Receives the audit line `guest-shutdown called, mode: <mode>`.
 * @throws QgaError with qemu-ga's text when the mode is invalid or the command fails.
 */
export async function shutdown(
  processes: Processes,
  mode: string | undefined,
  audit: (message: string) => void = () => {},
): Promise<void> {
  audit(`guest-shutdown called, mode: ${mode ?? "(null)"}`);
  const argv = shutdownArgv(mode, (path) => processes.isExecutable(path));
  await runCommand(processes, argv, "shutdown");
}

/** `guest-shutdown`. */
export const guestShutdown: Handler<"guest-shutdown"> = (args, ctx) =>
  shutdown(ctx.sys.processes, args.mode, (m) => ctx.log.audit(m));
