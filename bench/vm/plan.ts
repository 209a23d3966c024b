/**
 * How much work the virtio-serial benchmark does per boot: the full plan (two passes, the
 * issue's minimums, about 6–8 minutes with 4 boots) and the `--quick` one (one pass).
 *
 * @module
 */

const MiB = 1 << 20;

/** How much work each boot does. */
export interface VmPlan {
  /** Passes; each boots the guest once per agent, the agents alternating. */
  passes: number;
  /** Measured starts of the floor and of the agent per boot (after one warm-up start each). */
  starts: number;
  /** Wait after the last start before the idle memory reading, ms. */
  idleMs: number;
  /** Warm-up pings before the round trips. */
  warmupPings: number;
  /** Sequential pings timed per boot. */
  rttPings: number;
  /** Pipelined rounds per boot. */
  pipelineRounds: number;
  /** Pings per pipelined round. */
  pipelineRound: number;
  /** Requests in flight when pipelining. */
  depth: number;
  /** Commands of the mix per boot (pipelined). */
  mixCommands: number;
  /** Sequential round trips per command of the mix, for its per-command medians. */
  mixLatencyCount: number;
  /** Size of the transferred file (written and read once per chunk size). */
  fileSize: number;
  /** Chunk sizes of guest-file-write / guest-file-read. */
  chunkSizes: readonly number[];
  /** Reads of the whole file per chunk size (the median counts; the write is done once). */
  readReps: number;
  /** Wait after the transfers before the second memory reading, ms. */
  restMs: number;
  /** Sequential pings under strace (profiled pass). */
  profilePings: number;
  /** 1 MiB guest-file-reads under strace (profiled pass). */
  profileReads: number;
}

/** The full plan. */
export const VM_FULL_PLAN: VmPlan = {
  passes: 2,
  starts: 3,
  idleMs: 3000,
  warmupPings: 200,
  rttPings: 1000,
  pipelineRounds: 3,
  pipelineRound: 2000,
  depth: 100,
  mixCommands: 2000,
  mixLatencyCount: 20,
  fileSize: 8 * MiB,
  chunkSizes: [64 * 1024, MiB, 8 * MiB],
  readReps: 3,
  restMs: 3000,
  profilePings: 200,
  profileReads: 4,
};

/** The `--quick` plan: one pass, every row once. */
export const VM_QUICK_PLAN: VmPlan = {
  ...VM_FULL_PLAN,
  passes: 1,
  starts: 1,
  rttPings: 500,
  pipelineRounds: 1,
  readReps: 1,
  mixCommands: 500,
  profilePings: 50,
  profileReads: 2,
};
