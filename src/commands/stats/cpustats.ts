/**
 * `guest-get-cpustats` (spec §2.31), computed as qemu-ga 7.2 does:
 *
 * - `/proc/stat` is read line by line; each line goes through
 *   `sscanf(line, "%s %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu", name, ...)`;
 * - lines whose first word does not start with `cpu`, or is just `cpu` (the total), are skipped,
 *   as are blank lines;
 * - a `cpuN` line with fewer than 4 numbers ends the parsing (logged, no error: the CPUs read so
 *   far are the reply);
 * - each CPU gives `{"type": "linux", "cpu": atoi(N), user, nice, system, idle}` plus `iowait`
 *   (5 numbers), `irq` and `softirq` (6), `steal` (8), `guest` (9), `guestnice` (10), each
 *   converted from clock ticks to milliseconds as `value * 1000 / sysconf(_SC_CLK_TCK)` in
 *   64-bit unsigned arithmetic (the product wraps modulo 2^64 as in C).
 *
 * The error is 7.2's `open("/proc/stat"): <strerror>` (upstream since Nov 2025:
 * `Could not open '/proc/stat': <strerror>`). A read error after the open ends the file, as
 * qemu-ga's `getline` loop does (here before the first line, since the file is read whole).
 *
 * Difference, unreachable with a real kernel (which has printed at least 7 numbers per CPU since
 * Linux 2.6): with exactly 6 numbers qemu-ga reports `softirq` from an uninitialised variable;
 * here it is 0.
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import type { Named } from "../../schema/types.ts";
import { type Cpus, PROC_STAT } from "../../sys/cpus.ts";
import { OsError } from "../../sys/os_error.ts";
import type { CommandLog, Handler } from "../context.ts";
import { atoi, sscanf } from "./c_scan.ts";

/** One element of the reply. */
export type CpuStats = Named<"GuestCpuStats">;

const FORMAT = "%s %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu";
const decoder = new TextDecoder();

/** Splits file contents into C strings as `getline` + `sscanf` see them (cut at a NUL). */
export function cLines(bytes: Uint8Array): string[] {
  const text = decoder.decode(bytes);
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines.map((line) => {
    const nul = line.indexOf("\0");
    return nul < 0 ? line : line.slice(0, nul);
  });
}

/**
 * Parses `/proc/stat` as qemu-ga 7.2 does.
 *
 * @param text The file's lines (see {@link cLines}).
 * @param clockTicks `sysconf(_SC_CLK_TCK)`.
 * @param log Where the parse failure is reported.
 * @returns The reply list.
 */
export function parseProcStat(
  text: readonly string[],
  clockTicks: number,
  log?: Pick<CommandLog, "audit">,
): CpuStats[] {
  // `unsigned long * 1000 / clk_tck`: the int divisor is converted to unsigned long.
  const divisor = BigInt.asUintN(64, BigInt(clockTicks));
  const ms = (v: bigint) => divisor === 0n ? 0n : BigInt.asUintN(64, v * 1000n) / divisor;
  const out: CpuStats[] = [];
  for (const line of text) {
    const { count, values } = sscanf(line, FORMAT);
    const name = values[0] as string | undefined;
    if (count === -1 || name === undefined || !name.startsWith("cpu") || name === "cpu") continue;
    if (count < 5) {
      log?.audit(`Parsing cpu stat from ${PROC_STAT} failed, see "man proc"`);
      break;
    }
    const n = (i: number) => ms((values[i] as bigint | undefined) ?? 0n);
    const stats: CpuStats = {
      type: "linux",
      cpu: BigInt(atoi(name.slice(3))),
      user: n(1),
      nice: n(2),
      system: n(3),
      idle: n(4),
    };
    if (count > 5) stats.iowait = n(5);
    if (count > 6) (stats.irq = n(6), stats.softirq = n(7));
    if (count > 8) stats.steal = n(8);
    if (count > 9) stats.guest = n(9);
    if (count > 10) stats.guestnice = n(10);
    out.push(stats);
  }
  return out;
}

/**
 * Reads and parses `/proc/stat`.
 *
 * @param cpus Access to `/proc/stat` and the clock tick rate.
 * @param log Where the parse failure is reported.
 * @returns The reply list.
 * @throws QgaError `open("/proc/stat"): <strerror>` when the file cannot be opened.
 */
export function readCpuStats(cpus: Cpus, log?: Pick<CommandLog, "audit">): CpuStats[] {
  const clockTicks = cpus.clockTicksPerSecond();
  let bytes: Uint8Array;
  try {
    bytes = cpus.procStat();
  } catch (e) {
    if (!(e instanceof OsError)) throw e;
    if (e.call === "read") return [];
    throw new QgaError(`open("${PROC_STAT}"): ${e.message}`);
  }
  return parseProcStat(cLines(bytes), clockTicks, log);
}

/** `guest-get-cpustats`. */
export const guestGetCpustats: Handler<"guest-get-cpustats"> = (_args, ctx) =>
  readCpuStats(ctx.sys.cpus, ctx.log);
