/**
 * The "where the time goes" part of the virtio-serial report: per agent, thread context switches
 * per request by thread name (sequential and pipelined pings, the mix), the system calls per
 * request by thread and call under strace (first pass), and each command of the mix's round trip.
 *
 * @module
 */

import { median } from "../stats.ts";
import type { PerAgent } from "../_util.ts";
import type { BootSample } from "./phases.ts";
import type { WakeupProfile } from "./profile.ts";

const NAMES = { ours: "qga-deno", qemu: "qemu-ga 7.2" } as const;

function byThread(total: number, map: ReadonlyMap<string, number>, digits: number): string {
  const parts = [...map].sort((a, b) => b[1] - a[1])
    .filter(([, n]) => n >= 0.5 * 10 ** -digits)
    .map(([name, n]) => `${name} ${n.toFixed(digits)}`);
  return `${total.toFixed(digits)} (${parts.join(", ") || "none"})`;
}

/** A table row per agent: one cell per workload. */
function threadTable(
  samples: PerAgent<BootSample[]>,
  cell: (p: WakeupProfile) => string,
): string[] {
  const lines = [
    "| agent | sequential guest-ping | pipelined guest-ping | command mix |",
    "|---|---|---|---|",
  ];
  for (const kind of ["ours", "qemu"] as const) {
    const s = samples[kind][0];
    if (s) {
      lines.push(
        `| ${NAMES[kind]} | ${cell(s.sequential)} | ${cell(s.pipelined)} | ${cell(s.mix)} |`,
      );
    }
  }
  return lines;
}

function top<T>(entries: Iterable<[string, T]>, value: (v: T) => number, limit: number) {
  return [...entries].sort((a, b) => value(b[1]) - value(a[1])).slice(0, limit);
}

/** Per-command round trips of the mix (median over the passes of each pass's median). */
function mixTable(samples: PerAgent<BootSample[]>): string[] {
  const ours = samples.ours.map((s) => s.mixLatency);
  const qemu = samples.qemu.map((s) => s.mixLatency);
  if (!ours[0] || !qemu[0]) return [];
  const lines = [
    "",
    "Sequential round trip per command of the mix, µs (median):",
    "",
    "| command | qga-deno | qemu-ga 7.2 | ours/qemu-ga |",
    "|---|--:|--:|--:|",
  ];
  for (const name of ours[0].keys()) {
    const a = median(ours.map((m) => m.get(name)!));
    const b = median(qemu.map((m) => m.get(name)!));
    lines.push(`| ${name} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(a / b).toFixed(2)}× |`);
  }
  return lines;
}

/**
 * Renders the section.
 *
 * @param samples Every boot's sample per agent (the first of each carries the strace profile).
 * @returns Markdown.
 */
export function profileSection(samples: PerAgent<BootSample[]>): string {
  const lines = [
    "### Where the time goes in the guest (first pass)",
    "",
    "Thread context switches per request (all threads; by thread name: `comm`, threads of one " +
    "name added up):",
    "",
    ...threadTable(samples, (p) => byThread(p.total, p.byThread, 2)),
    "",
    "CPU per request, µs (scheduler run time of every thread; by thread name):",
    "",
    ...threadTable(samples, (p) => byThread(p.cpuMicros, p.cpuByThread, 0)),
  ];
  for (const kind of ["ours", "qemu"] as const) {
    const s = samples[kind][0];
    if (!s || s.syscalls.length === 0) continue;
    lines.push(
      "",
      `System calls per request under \`strace -f\` (in all, then by thread: call), ${
        NAMES[kind]
      }:`,
      "",
    );
    for (const p of s.syscalls) {
      const calls = top(p.perRequest, (n) => n, 14)
        .map(([key, n]) => `${key} ${n < 10 ? n.toFixed(2) : n.toFixed(0)}`)
        .join(", ");
      lines.push(`- ${p.workload} (${p.requests} requests): ${p.total.toFixed(1)} — ${calls}`);
    }
  }
  lines.push(...mixTable(samples));
  return lines.join("\n") + "\n";
}
