/**
 * The agent's fsfreeze state machine: guest-fsfreeze-freeze(-list), guest-fsfreeze-thaw, the
 * fsfreeze hook (`-F`) and qga-deno's auto-thaw watchdog (`--freeze-timeout`).
 *
 * Freeze (spec §2.9): audit `guest-fsfreeze called`; run `<hook> freeze` (failure aborts,
 * nothing frozen); build the mount list; enter frozen state (warn
 * `disabling logging due to filesystem freeze`, suspend logging, create `qga.state.isfrozen`);
 * FIFREEZE in reverse order. Count 0 → leave frozen state again without the thaw hook. An error
 * → full thaw (with the thaw hook, its errors ignored) and the error is returned.
 *
 * Thaw (spec §2.10): build the mount list (error → returned, state unchanged); FITHAW each mount
 * until it fails; leave frozen state (resume logging, warn
 * `logging re-enabled due to filesystem unfreeze`, delete the marker); audit
 * `guest-fsthaw called`; run `<hook> thaw` (failure → error although thawed). Thaw when not
 * frozen still issues the FITHAWs and returns 0.
 *
 * Watchdog (not in qemu-ga): with a timeout, a freeze that froze something arms a timer; any
 * thaw disarms it. When it fires while still frozen, the filesystems are thawed as by
 * guest-fsfreeze-thaw (hook included) and the reason is logged at error level; the next
 * guest-fsfreeze-thaw then finds nothing frozen and returns 0. An agent that starts frozen
 * (marker present) arms it through {@link FsfreezeService.resume}.
 *
 * Freeze, thaw and the watchdog's thaw run one at a time (a queue), since hooks are awaited.
 *
 * @module
 */

import type { Sys } from "../../sys/sys.ts";
import type { CommandLog } from "../context.ts";
import { runCommand } from "../power/run_command.ts";
import { freezeMounts, mountList, thawMounts } from "./fs_walk.ts";
import { realTimers, type TimerHandle, type TimerOps } from "./timers.ts";

/** The frozen flag and its marker file (implemented by `AgentState`). */
export interface FrozenState {
  /** True while frozen. */
  readonly frozen: boolean;
  /** Sets the flag and creates the marker. */
  enterFrozen(): void;
  /** Clears the flag and deletes the marker. */
  leaveFrozen(): void;
}

/** The log as the service uses it: command logging, plus suspending it while frozen. */
export interface FreezeLog extends CommandLog {
  /** Suspends (false) or resumes (true) logging. */
  setEnabled(enabled: boolean): void;
}

/** Set-up of a {@link FsfreezeService}. */
export interface FsfreezeServiceOptions {
  /** Mount tables and ioctls (`filesystems`), and the hook's process (`processes`). */
  readonly sys: Pick<Sys, "filesystems" | "processes">;
  /** Frozen flag and marker. */
  readonly state: FrozenState;
  /** The agent's logger (suspended while frozen). */
  readonly log: FreezeLog;
  /** `-F` hook path; `undefined` = no hook. */
  readonly hook?: string;
  /** `--freeze-timeout` seconds; `undefined` or ≤ 0 = no watchdog. */
  readonly timeoutSeconds?: number;
  /** Timers for the watchdog (default: real, unref'd). */
  readonly timers?: TimerOps;
  /** Called when leaving frozen state, before logging resumes (deferred log file, pidfile). */
  readonly onLeaveFrozen?: () => void;
}

/** The hook action text of error messages. */
export const HOOK_ACTION = "execute fsfreeze hook";

/** See the module documentation. */
export class FsfreezeService {
  #o: FsfreezeServiceOptions;
  #timers: TimerOps;
  #timer: TimerHandle | undefined;
  #tail: Promise<unknown> = Promise.resolve();
  #autoThaw: Promise<void> = Promise.resolve();

  /** Creates the service; the watchdog is not armed (see {@link FsfreezeService.resume}). */
  constructor(options: FsfreezeServiceOptions) {
    this.#o = options;
    this.#timers = options.timers ?? realTimers;
  }

  /** True while the auto-thaw watchdog is pending. */
  get watchdogArmed(): boolean {
    return this.#timer !== undefined;
  }

  /** Settles when the last watchdog-triggered thaw has finished (for tests and shutdown). */
  get autoThawDone(): Promise<void> {
    return this.#autoThaw;
  }

  /** At start-up: arms the watchdog when the agent starts frozen (marker present). */
  resume(): void {
    if (this.#o.state.frozen) this.#arm();
  }

  /** Cancels the watchdog (agent exit). */
  dispose(): void {
    this.#disarm();
  }

  /**
   * `guest-fsfreeze-freeze` / `guest-fsfreeze-freeze-list`.
   *
   * @param mountpoints Only these mount points, when given.
   * @returns The number of filesystems frozen.
   * @throws QgaError with qemu-ga's text.
   */
  freeze(mountpoints?: readonly string[]): Promise<bigint> {
    return this.#exclusive(() => this.#freeze(mountpoints));
  }

  /**
   * `guest-fsfreeze-thaw`.
   *
   * @returns The number of filesystems thawed.
   * @throws QgaError with qemu-ga's text (mount list or thaw hook).
   */
  thaw(): Promise<bigint> {
    return this.#exclusive(async () => {
      const count = this.#thawFilesystems();
      await this.#hook("thaw");
      return count;
    });
  }

  async #freeze(mountpoints?: readonly string[]): Promise<bigint> {
    const { log } = this.#o;
    const ops = this.#o.sys.filesystems;
    log.audit("guest-fsfreeze called");
    await this.#hook("freeze");
    const mounts = mountList(ops, (m) => log.audit(m));
    this.#enterFrozen();
    let count: bigint;
    try {
      count = freezeMounts(ops, mounts, mountpoints);
    } catch (error) {
      try {
        this.#thawFilesystems();
        await this.#hook("thaw");
      } catch {
        // Upstream calls qmp_guest_fsfreeze_thaw(NULL): its errors are dropped.
      }
      throw error;
    }
    if (count === 0n) this.#leaveFrozen();
    else this.#arm();
    return count;
  }

  /** FITHAW everything, then leave frozen state; throws (state unchanged) on a mount list error. */
  #thawFilesystems(): bigint {
    const { log } = this.#o;
    const ops = this.#o.sys.filesystems;
    const count = thawMounts(ops, mountList(ops, (m) => log.audit(m)));
    this.#disarm();
    this.#leaveFrozen();
    log.audit("guest-fsthaw called");
    return count;
  }

  async #hook(arg: "freeze" | "thaw"): Promise<void> {
    const { hook, sys, log } = this.#o;
    if (hook === undefined) return;
    log.audit(`executing fsfreeze hook with arg '${arg}'`);
    await runCommand(sys.processes, [hook, arg], HOOK_ACTION);
  }

  #enterFrozen(): void {
    const { state, log } = this.#o;
    if (state.frozen) return;
    log.warning("disabling logging due to filesystem freeze");
    log.setEnabled(false);
    state.enterFrozen();
  }

  #leaveFrozen(): void {
    const { state, log } = this.#o;
    if (!state.frozen) return;
    this.#o.onLeaveFrozen?.();
    log.setEnabled(true);
    log.warning("logging re-enabled due to filesystem unfreeze");
    state.leaveFrozen();
  }

  #arm(): void {
    const seconds = this.#o.timeoutSeconds;
    if (seconds === undefined || !(seconds > 0)) return;
    this.#disarm();
    this.#timer = this.#timers.setTimeout(() => this.#onTimeout(seconds), seconds * 1000);
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #onTimeout(seconds: number): void {
    this.#timer = undefined;
    const { state, log } = this.#o;
    this.#autoThaw = this.#exclusive(async () => {
      if (!state.frozen) return;
      let count: bigint;
      try {
        count = this.#thawFilesystems();
      } catch (error) {
        // Logging is still suspended here; try again after another period.
        log.error(`automatic thaw after --freeze-timeout failed: ${describe(error)}`);
        this.#arm();
        return;
      }
      log.error(
        `no guest-fsfreeze-thaw within ${seconds} s of the freeze (--freeze-timeout): ` +
          `thawed ${count} filesystem(s) automatically`,
      );
      try {
        await this.#hook("thaw");
      } catch (error) {
        log.error(`fsfreeze hook failed during automatic thaw: ${describe(error)}`);
      }
    });
  }

  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#tail.then(task);
    this.#tail = run.catch(() => {});
    return run;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
