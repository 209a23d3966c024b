/**
 * What one boot of the virtio-serial benchmark measures, for one agent, in order: starts (the
 * minimal Deno ping server's, then the agent's; the last agent stays up), idle memory, sequential
 * guest-ping round trips (with the threads' context switches around them), pipelined pings, the
 * host benchmark's command mix, guest-file-write and -read in every chunk size, memory right
 * after the transfers and some seconds later, and on the profiled pass the system calls per
 * request under strace.
 *
 * @module
 */

import { sleep } from "../../tests/helpers/async.ts";
import { base64Chunks, pipeline, readFile, roundTrips, verifyFile, writeFile } from "../measure.ts";
import { COMMAND_MIX } from "../suite.ts";
import { median } from "../stats.ts";
import { progress } from "../_util.ts";
import type { BenchGuest, GuestMemory } from "./guest.ts";
import { straceWorkload, type SyscallProfile, type WakeupProfile, wakeups } from "./profile.ts";
import type { VmPlan } from "./plan.ts";

const encoder = new TextEncoder();
const PING = encoder.encode(`{"execute":"guest-ping"}`);
/** The file the transfers write and read in the guest (on its RAM-backed root). */
const GUEST_FILE = "/tmp/qga-bench.bin";

/** Everything one boot measured for one agent. */
export interface BootSample {
  /** Start → first reply of the minimal Deno ping server, ms. */
  floorStarts: number[];
  /** Start → first reply of the agent, ms. */
  starts: number[];
  /** Largest disagreement of the clock-offset estimates around a start, ms. */
  clockDriftMs: number;
  /** Memory some seconds after the last start. */
  idle: GuestMemory;
  /** Sequential guest-ping round trips, µs. */
  rtt: number[];
  /** Context switches and CPU per sequential ping. */
  sequential: WakeupProfile;
  /** Pipelined guest-pings per second, one per round. */
  pipelineRates: number[];
  /** Context switches and CPU per pipelined ping. */
  pipelined: WakeupProfile;
  /** Command mix, requests per second. */
  mixRate: number;
  /** Context switches and CPU per command of the mix. */
  mix: WakeupProfile;
  /** guest-file-write MiB/s by chunk size. */
  write: Map<number, number>;
  /** guest-file-read MiB/s by chunk size. */
  read: Map<number, number>;
  /** Memory right after the transfers. */
  afterFiles: GuestMemory;
  /** Memory `plan.restMs` after the transfers. */
  rested: GuestMemory;
  /** Median sequential round trip of each command of the mix, µs, by command name. */
  mixLatency: Map<string, number>;
  /** System calls per request (profiled pass only). */
  syscalls: SyscallProfile[];
}

const MiB = 1 << 20;

function starts(guest: BenchGuest, kind: "ours" | "qemu" | "floor", n: number, drift: number[]) {
  const times: number[] = [];
  for (let i = -1; i < n; i++) {
    guest.stop();
    const launch = guest.launch(kind);
    drift.push(launch.clockDriftMs);
    if (i >= 0) times.push(launch.startMs);
  }
  return times;
}

function withWakeups(guest: BenchGuest, requests: number, work: () => void): WakeupProfile {
  const before = guest.threads();
  work();
  return wakeups(before, guest.threads(), requests);
}

function transfers(guest: BenchGuest, plan: VmPlan, data: Uint8Array) {
  const write = new Map<number, number>();
  const read = new Map<number, number>();
  for (const [i, chunkSize] of plan.chunkSizes.entries()) {
    const chunks = base64Chunks(data, chunkSize);
    const writeSeconds = writeFile(guest.port, { path: GUEST_FILE, chunks });
    write.set(chunkSize, data.length / MiB / writeSeconds);
    if (i === 0) {
      const size = Number(guest.shell.check(`stat -c %s ${GUEST_FILE}`).trim());
      if (size !== data.length) throw new Error(`the agent wrote ${size} bytes`);
      verifyFile(guest.port, { path: GUEST_FILE, expected: data });
    }
    const rates: number[] = [];
    for (let rep = 0; rep < plan.readReps; rep++) {
      const r = readFile(guest.port, { path: GUEST_FILE, chunkSize });
      if (r.bytes !== data.length) throw new Error(`the agent read ${r.bytes} bytes`);
      rates.push(data.length / MiB / r.seconds);
    }
    read.set(chunkSize, median(rates));
  }
  return { write, read };
}

/**
 * Median sequential round trip of each command of the mix: `count` rounds through the mix after
 * two warm-up rounds, so every command sees the same conditions.
 */
function mixLatency(guest: BenchGuest, count: number): Map<string, number> {
  const decoder = new TextDecoder();
  const names = COMMAND_MIX.map((r) => /"execute":"([^"]+)"/.exec(decoder.decode(r))![1]!);
  const times = names.map((): number[] => []);
  for (let round = -2; round < count; round++) {
    COMMAND_MIX.forEach((request, i) => {
      const t0 = performance.now();
      guest.port.call(request as Uint8Array<ArrayBuffer>);
      if (round >= 0) times[i]!.push((performance.now() - t0) * 1000);
    });
  }
  return new Map(names.map((name, i) => [name, median(times[i]!)]));
}

function profiles(guest: BenchGuest, plan: VmPlan): SyscallProfile[] {
  const pings = plan.profilePings;
  const readRequests = plan.profileReads;
  // One byte short: the last of the reads already reports the end of the file.
  guest.shell.check(`head -c ${readRequests * MiB - 1} /dev/zero > ${GUEST_FILE}`);
  return [
    straceWorkload(guest, {
      workload: "guest-ping (sequential)",
      requests: pings,
      work: (port) => roundTrips(port, { request: PING, count: pings, samples: [] }),
    }),
    straceWorkload(guest, {
      workload: "guest-file-read, 1 MiB (open and close included)",
      requests: readRequests,
      work: (port) => readFile(port, { path: GUEST_FILE, chunkSize: MiB }),
    }),
  ];
}

/**
 * Measures one agent in a booted guest.
 *
 * @param guest The guest (nothing on the port under test).
 * @param options Which agent, the plan, the file content, and whether to profile with strace.
 * @returns The sample.
 */
export async function measureBoot(
  guest: BenchGuest,
  options: { kind: "ours" | "qemu"; plan: VmPlan; data: Uint8Array; profile: boolean },
): Promise<BootSample> {
  const { kind, plan, data } = options;
  const drift: number[] = [];
  progress(`  starts: ${plan.starts} of the Deno floor and of ${kind} (+1 warm-up each)`);
  const floorStarts = starts(guest, "floor", plan.starts, drift);
  const agentStarts = starts(guest, kind, plan.starts, drift);
  await sleep(plan.idleMs);
  const idle = guest.memory();

  progress(`  ${plan.warmupPings} + ${plan.rttPings} sequential pings`);
  roundTrips(guest.port, { request: PING, count: plan.warmupPings, samples: [] });
  const rtt: number[] = [];
  const sequential = withWakeups(guest, plan.rttPings, () => {
    roundTrips(guest.port, { request: PING, count: plan.rttPings, samples: rtt });
  });

  progress(`  pipelined pings: ${plan.pipelineRounds} × ${plan.pipelineRound}, ${plan.depth} deep`);
  const pipelineRates: number[] = [];
  const pipelined = withWakeups(guest, plan.pipelineRounds * plan.pipelineRound, () => {
    for (let round = 0; round < plan.pipelineRounds; round++) {
      const total = plan.pipelineRound;
      const seconds = pipeline(guest.port, { requests: [PING], total, depth: plan.depth });
      pipelineRates.push(total / seconds);
    }
  });
  let mixRate = NaN;
  const mix = withWakeups(guest, plan.mixCommands, () => {
    const total = plan.mixCommands;
    mixRate = total / pipeline(guest.port, { requests: COMMAND_MIX, total, depth: plan.depth });
  });
  const latency = mixLatency(guest, plan.mixLatencyCount);

  progress(`  files: ${data.length / MiB} MiB per chunk size`);
  const { write, read } = transfers(guest, plan, data);
  const afterFiles = guest.memory();
  await sleep(plan.restMs);
  const rested = guest.memory();

  const syscalls = options.profile ? profiles(guest, plan) : [];
  guest.shell.check(`rm -f ${GUEST_FILE}`);
  return {
    floorStarts,
    starts: agentStarts,
    clockDriftMs: Math.max(...drift),
    idle,
    rtt,
    sequential,
    pipelineRates,
    pipelined,
    mixRate,
    mix,
    mixLatency: latency,
    write,
    read,
    afterFiles,
    rested,
    syscalls,
  };
}
