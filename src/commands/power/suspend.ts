/**
 * `guest-suspend-disk`, `guest-suspend-ram`, `guest-suspend-hybrid` (spec §2.12), upstream's
 * Linux strategy in order:
 *
 * 1. systemd: `systemctl status <unit>` exiting 1-3 means supported; then
 *    `systemctl hibernate|suspend|hybrid-sleep`; exit 0 → done;
 * 2. pm-utils: `pm-is-supported --hibernate|--suspend|--suspend-hybrid` exiting 0 means
 *    supported; then `pm-hibernate|pm-suspend|pm-suspend-hybrid`; exit 0 → done;
 * 3. sysfs (disk and ram only): `/sys/power/state` (first 31 bytes) containing `disk`/`mem` means
 *    supported; then that word is written to it.
 *
 * Helpers run like GLib's `g_spawn_sync` with PATH search and stdout/stderr on `/dev/null`; the
 * result is `WEXITSTATUS` (0 for a program killed by a signal), -1 when the program was not found.
 * No strategy supported → `the requested suspend mode is not supported by the guest`. As in
 * upstream, the errors of a failed systemd or pm-utils attempt are dropped (logged here at debug
 * level) and only a failed sysfs write is reported
 * (`suspend: cannot write to '/sys/power/state': <strerror>`); if a supported strategy failed and
 * a later one is unsupported, the command "succeeds" without suspending. Success sends no reply.
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import { OsError } from "../../sys/os_error.ts";
import { type Power, POWER_STATE_FILE } from "../../sys/power.ts";
import type { Processes } from "../../sys/processes.ts";
import type { Sys } from "../../sys/sys.ts";
import type { Handler } from "../context.ts";
import { notPermittedText } from "./run_command.ts";

/** The three suspend modes. */
export type SuspendMode = "disk" | "ram" | "hybrid";

/** The error when no strategy supports the mode. */
export const SUSPEND_NOT_SUPPORTED = "the requested suspend mode is not supported by the guest";

const SYSTEMD_UNIT = {
  disk: "systemd-hibernate",
  ram: "systemd-suspend",
  hybrid: "systemd-hybrid-sleep",
};
const SYSTEMCTL_VERB = { disk: "hibernate", ram: "suspend", hybrid: "hybrid-sleep" };
const PM_FLAG = { disk: "--hibernate", ram: "--suspend", hybrid: "--suspend-hybrid" };
const PM_PROGRAM = { disk: "pm-hibernate", ram: "pm-suspend", hybrid: "pm-suspend-hybrid" };
const SYSFS_WORD = { disk: "disk", ram: "mem", hybrid: undefined };

/**
 * qemu-ga's `run_process_child()`: `g_spawn_sync` with PATH search, output discarded.
 *
 * @returns The exit status (0 when killed by a signal); -1 when not found (no error) or not
 *   started (with GLib-style `failed to create child process, error '...'`).
 */
export async function runProcessChild(
  processes: Processes,
  argv: readonly string[],
): Promise<{ status: number; error?: string }> {
  const outcome = await processes.run(argv, { output: "discard" });
  if (outcome.kind === "exited") return { status: outcome.code & 0xff };
  if (outcome.kind === "signaled") return { status: 0 };
  if (outcome.reason === "not-found") return { status: -1 };
  const reason = outcome.reason === "not-capable" ? notPermittedText(argv[0] ?? "") : outcome.text;
  return {
    status: -1,
    error: `failed to create child process, error 'Failed to execute child process “${
      argv[0]
    }” (${reason})'`,
  };
}

/** Runs a "do it" helper; returns undefined on exit 0, else upstream's error text. */
async function runSuspendHelper(
  processes: Processes,
  argv: readonly string[],
  name: string,
): Promise<string | undefined> {
  const { status, error } = await runProcessChild(processes, argv);
  if (status === 0) return undefined;
  if (error) return error;
  if (status === -1) return `the helper program '${name}' was not found`;
  return `the helper program '${name}' returned an unexpected exit status code (${status})`;
}

async function pmutilsSupports(
  processes: Processes,
  mode: SuspendMode,
  debug: (message: string) => void,
): Promise<boolean> {
  const { status, error } = await runProcessChild(processes, ["pm-is-supported", PM_FLAG[mode]]);
  if (status === 0) return true;
  if (error) debug(error);
  else if (status !== -1) {
    debug(
      `the helper program 'pm-is-supported' returned an unexpected exit status code (${status})`,
    );
  }
  return false;
}

function sysfsSupports(power: Power, word: string): boolean {
  const buf = power.readPowerState(31);
  if (buf === null || buf.length === 0) return false;
  const nul = buf.indexOf(0);
  const text = new TextDecoder().decode(nul === -1 ? buf : buf.subarray(0, nul));
  return text.includes(word);
}

/**
 * Suspends the guest with upstream's strategy.
 *
 * @param sys The processes that run the helpers, and `/sys/power/state`.
 * @param mode The suspend mode.
 * @param debug Receives the errors of dropped strategies.
 * @throws QgaError with upstream's text (see the module documentation).
 */
export async function suspend(
  sys: Pick<Sys, "processes" | "power">,
  mode: SuspendMode,
  debug: (message: string) => void = () => {},
): Promise<void> {
  const { processes, power } = sys;
  let supported = false;
  const systemd = await runProcessChild(processes, ["systemctl", "status", SYSTEMD_UNIT[mode]]);
  if (systemd.error) debug(systemd.error);
  if (systemd.status > 0 && systemd.status < 4) {
    supported = true;
    const verb = SYSTEMCTL_VERB[mode];
    const error = await runSuspendHelper(processes, ["systemctl", verb], `systemctl ${verb}`);
    if (error === undefined) return;
    debug(error);
  }
  if (await pmutilsSupports(processes, mode, debug)) {
    supported = true;
    const program = PM_PROGRAM[mode];
    const error = await runSuspendHelper(processes, [program], program);
    if (error === undefined) return;
    debug(error);
  }
  let failure: string | undefined;
  const word = SYSFS_WORD[mode];
  if (word !== undefined && sysfsSupports(power, word)) {
    supported = true;
    try {
      power.writePowerState(word);
    } catch (e) {
      if (!(e instanceof OsError)) throw e;
      failure = `suspend: cannot write to '${POWER_STATE_FILE}': ${e.message}`;
    }
  }
  if (!supported) throw new QgaError(SUSPEND_NOT_SUPPORTED);
  if (failure !== undefined) throw new QgaError(failure);
}

/** `guest-suspend-disk`. */
export const guestSuspendDisk: Handler<"guest-suspend-disk"> = (_args, ctx) =>
  suspend(ctx.sys, "disk", (m) => ctx.log.debug(m));

/** `guest-suspend-ram`. */
export const guestSuspendRam: Handler<"guest-suspend-ram"> = (_args, ctx) =>
  suspend(ctx.sys, "ram", (m) => ctx.log.debug(m));

/** `guest-suspend-hybrid`. */
export const guestSuspendHybrid: Handler<"guest-suspend-hybrid"> = (_args, ctx) =>
  suspend(ctx.sys, "hybrid", (m) => ctx.log.debug(m));
