/**
 * Small helpers shared by the benchmark phases: per-agent records, alternation order,
 * progress output.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { AGENT_KINDS, type AgentKind } from "./agents.ts";

/** One value per agent. */
export type PerAgent<T> = Record<AgentKind, T>;

/** Makes a per-agent record with a fresh value from `make` for each agent. */
export function perAgent<T>(make: () => T): PerAgent<T> {
  return { ours: make(), qemu: make() };
}

/** The agents in the order of round `round`: ours first on even rounds, qemu-ga on odd ones. */
export function order(round: number): readonly AgentKind[] {
  return round % 2 === 0 ? AGENT_KINDS : [...AGENT_KINDS].reverse();
}

/** Writes a progress line on stderr. */
export function progress(message: string): void {
  console.error(`[bench] ${message}`);
}

/** Bytes to MiB. */
export function mib(bytes: number): number {
  return bytes / (1 << 20);
}

/** The options both benchmarks (`bench/run.ts`, `bench/vm/run.ts`) take. */
export interface BenchOptions {
  /** A short run. */
  quick?: boolean;
  /** Also write the report to this file. */
  out?: string;
  /** Extra `deno run` flags for qga-deno. */
  "deno-flag"?: string[];
  /** Run qga-deno from this module instead of the bundle. */
  entry?: string;
  /** Print the usage. */
  help?: boolean;
}

/**
 * Parses the benchmarks' options; on `--help` prints `usage`, on a bad option the error and
 * `usage`.
 *
 * @returns The options, or the exit status to return at once (0 for help, 2 for a bad option).
 */
export function parseBenchArgs(args: string[], usage: string): BenchOptions | number {
  let values: BenchOptions;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        quick: { type: "boolean" },
        out: { type: "string" },
        "deno-flag": { type: "string", multiple: true },
        entry: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (error) {
    console.error(`${error instanceof Error ? error.message : error}\n${usage}`);
    return 2;
  }
  if (values.help) {
    console.log(usage);
    return 0;
  }
  return values;
}
