/**
 * How busy this host was with other work while a guest was measured: the CPU time of the whole
 * machine (`/proc/stat`) minus QEMU's and this process's own, over the elapsed time. Under TCG
 * every guest instruction runs on the host's cores, so load from elsewhere lands directly in the
 * guest's figures; the report prints it per boot.
 *
 * @module
 */

import { CLOCK_TICKS_PER_SECOND } from "../../tests/helpers/proc.ts";

/** A reading of the counters. */
export interface LoadMark {
  /** When (ms, `performance.now()`). */
  at: number;
  /** Busy ticks of all CPUs (everything but idle and iowait). */
  busy: number;
  /** User plus system ticks of the watched processes (QEMU, this process). */
  own: number;
}

function busyTicks(): number {
  const line = Deno.readTextFileSync("/proc/stat").split("\n", 1)[0]!;
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = fields;
  return user! + nice! + system! + irq! + softirq! + (steal ?? 0);
}

function processTicks(pid: number | "self"): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/**
 * The process whose command line contains `text` (e.g. a run directory's QMP socket path).
 *
 * @param text What to look for.
 * @returns Its pid, or undefined.
 */
export function findProcess(text: string): number | undefined {
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      if (Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).includes(text)) {
        return Number(entry.name);
      }
    } catch {
      // Gone, or not readable.
    }
  }
  return undefined;
}

/**
 * Reads the counters now.
 *
 * @param pids Processes whose CPU is not "other" work (QEMU); this process is always one.
 * @returns The mark.
 */
export function loadMark(pids: readonly number[]): LoadMark {
  let own = processTicks("self");
  for (const pid of pids) own += processTicks(pid);
  return { at: performance.now(), busy: busyTicks(), own };
}

/**
 * CPU used by other processes between two marks, in cores (1.0: one core fully busy).
 *
 * @param from The first mark.
 * @param to The second mark (same pids).
 * @returns Average cores used by everything else.
 */
export function otherLoad(from: LoadMark, to: LoadMark): number {
  const seconds = (to.at - from.at) / 1000;
  const ticks = (to.busy - from.busy) - (to.own - from.own);
  return Math.max(0, ticks / CLOCK_TICKS_PER_SECOND / seconds);
}
