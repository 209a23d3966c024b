/**
 * Where the time goes in the guest: system calls per request, by thread and by call, from
 * `strace -f -ttt` attached to the agent in the guest while the host sends a known number of
 * requests; and thread wake-ups and CPU per request from the threads' context-switch counters and
 * scheduler run times (read without strace, which would add its own stops).
 *
 * @module
 */

import type { SyncClient } from "../sync_client.ts";
import { GUEST_STRACE } from "./disk.ts";
import type { BenchGuest, ThreadCounters } from "./guest.ts";

/** System calls seen during a traced workload. */
export interface SyscallProfile {
  /** What ran (e.g. "guest-ping"). */
  workload: string;
  /** Requests sent while traced. */
  requests: number;
  /** Calls per request by thread name and call name, e.g. `main: read` → 1. */
  perRequest: Map<string, number>;
  /** Calls per request in all. */
  total: number;
}

/** Counts strace lines (`TID SECONDS call(...) = ret`) by thread name and call. */
export function parseStrace(text: string, names: ReadonlyMap<number, string>): Map<string, number> {
  const calls = new Map<string, number>();
  for (const line of text.split("\n")) {
    // "<... call resumed>" lines end a call whose start was counted.
    const m = /^(\d+)\s+[\d.]+\s+(\w+)\(/.exec(line);
    if (!m) continue;
    const key = `${names.get(Number(m[1])) ?? "?"}: ${m[2]}`;
    calls.set(key, (calls.get(key) ?? 0) + 1);
  }
  return calls;
}

/**
 * Runs `work` (which sends `requests` requests and reads their replies) with strace attached to
 * every thread of the agent on the guest's port under test.
 *
 * @param guest The guest.
 * @param options The workload's name, its request count and the workload itself.
 * @returns Calls per request.
 */
export function straceWorkload(
  guest: BenchGuest,
  options: { workload: string; requests: number; work: (port: SyncClient) => void },
): SyscallProfile {
  const pid = guest.pid;
  const names = new Map([...guest.threads()].map(([tid, t]) => [tid, t.name]));
  const out = "/tmp/bench-strace.txt";
  guest.shell.check(
    `rm -f ${out}; LD_LIBRARY_PATH=${GUEST_STRACE.libs} ${GUEST_STRACE.program} ` +
      `-f -qq -ttt -o ${out} -p ${pid} </dev/null >/dev/null 2>&1 &\n` +
      "echo $! > /run/bench-strace.pid\n" +
      // Attached once every thread shows a tracer.
      `i=0; while grep -q 'TracerPid:[[:space:]]*0$' /proc/${pid}/task/*/status; do ` +
      "[ $i -gt 200 ] && exit 1; usleep 20000; i=$((i+1)); done",
  );
  options.work(guest.port);
  const text = guest.shell.check(
    "s=$(cat /run/bench-strace.pid); kill -INT $s; " +
      "i=0; while [ -e /proc/$s ] && [ $i -lt 250 ]; do usleep 20000; i=$((i+1)); done; " +
      `cat ${out}`,
    60,
  );
  const calls = parseStrace(text, names);
  const perRequest = new Map<string, number>();
  let total = 0;
  for (const [key, n] of [...calls].sort((a, b) => b[1] - a[1])) {
    perRequest.set(key, n / options.requests);
    total += n;
  }
  return {
    workload: options.workload,
    requests: options.requests,
    perRequest,
    total: total / options.requests,
  };
}

/** Context switches and CPU per request, in all and by thread name. */
export interface WakeupProfile {
  /** Switches per request, all threads. */
  total: number;
  /** Switches per request by thread name (threads of one name added up). */
  byThread: Map<string, number>;
  /** CPU per request, all threads, microseconds (scheduler run time, not ticks). */
  cpuMicros: number;
  /** CPU per request by thread name, microseconds. */
  cpuByThread: Map<string, number>;
}

/**
 * Context switches and CPU per request between two readings of {@linkcode BenchGuest.threads}
 * (a thread that ended in between is missing from both sums).
 *
 * @param before The first reading.
 * @param after The second reading.
 * @param requests Requests answered in between.
 * @returns Per-request figures.
 */
export function wakeups(
  before: ReadonlyMap<number, ThreadCounters>,
  after: ReadonlyMap<number, ThreadCounters>,
  requests: number,
): WakeupProfile {
  const byThread = new Map<string, number>();
  const cpuByThread = new Map<string, number>();
  let total = 0;
  let cpu = 0;
  const add = (map: Map<string, number>, name: string, value: number) => {
    if (value !== 0) map.set(name, (map.get(name) ?? 0) + value);
  };
  for (const [tid, t] of after) {
    const switches = t.switches - (before.get(tid)?.switches ?? 0);
    const micros = (t.runNs - (before.get(tid)?.runNs ?? 0)) / 1000;
    add(byThread, t.name, switches / requests);
    add(cpuByThread, t.name, micros / requests);
    total += switches;
    cpu += micros;
  }
  return { total: total / requests, byThread, cpuMicros: cpu / requests, cpuByThread };
}
