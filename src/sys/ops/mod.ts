/**
 * The OS operations behind freeze/thaw/fstrim, set-time, shutdown, suspend and set-vcpus, and
 * their production implementations. Fakes live in `./fake.ts`.
 *
 * @module
 */

import type { ClockOps } from "./clock.ts";
import { linuxClock } from "./clock_linux.ts";
import type { CpuOnlineOps } from "./cpu_online.ts";
import { LinuxCpuOnline } from "./cpu_online_linux.ts";
import type { FreezeOps } from "./fs_ops.ts";
import { LinuxFreezeOps } from "./fs_linux.ts";
import type { PowerOps } from "./power.ts";
import { LinuxPower } from "./power_linux.ts";
import type { ProcessRunner } from "./process.ts";
import { DenoProcessRunner } from "./process_deno.ts";

export type { ClockOps } from "./clock.ts";
export type { CpuOnlineOps } from "./cpu_online.ts";
export * from "./fs_ops.ts";
export { asOsError, ERRNO, OsError } from "./os_error.ts";
export type { PowerOps } from "./power.ts";
export type { ProcessRunner, RunOptions, RunOutcome } from "./process.ts";
export { realTimers, type TimerHandle, type TimerOps } from "./timer.ts";

/** The ops of this directory, as fields of `Sys`. */
export interface SysOps {
  /** Mount tables, FIFREEZE/FITHAW/FITRIM (guest-fsfreeze-*, guest-fstrim). */
  readonly filesystems: FreezeOps;
  /** settimeofday (guest-set-time). */
  readonly clock: ClockOps;
  /** Helper programs (hook, hwclock, shutdown, suspend helpers). */
  readonly processes: ProcessRunner;
  /** `/sys/devices/system/cpu/cpuN/online` writes (guest-set-vcpus). */
  readonly cpuOnline: CpuOnlineOps;
  /** `/sys/power/state` (guest-suspend-*). */
  readonly power: PowerOps;
}

/** The production implementations. */
export function linuxSysOps(): SysOps {
  return {
    filesystems: new LinuxFreezeOps(),
    clock: linuxClock,
    processes: new DenoProcessRunner(),
    cpuOnline: new LinuxCpuOnline(),
    power: new LinuxPower(),
  };
}
