/**
 * Small helpers shared by the benchmark phases: per-agent records, alternation order,
 * progress output.
 *
 * @module
 */

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
