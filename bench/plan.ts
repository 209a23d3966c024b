/**
 * How much work each benchmark phase does: the full plan (the minimums) and the
 * `--quick` smoke plan.
 *
 * @module
 */

const MiB = 1 << 20;

/** How much work each phase does. */
export interface Plan {
  /** Measured starts per agent (after one discarded warm-up start each). */
  starts: number;
  /** Warm-up pings per agent before the round trips. */
  warmupPings: number;
  /** Blocks of sequential pings per agent (alternating between the agents). */
  rttBlocks: number;
  /** Pings per block. */
  rttBlock: number;
  /** Pipelined rounds per agent (alternating). */
  pipelineRounds: number;
  /** Requests per pipelined round. */
  pipelineRound: number;
  /** Requests in flight when pipelining. */
  depth: number;
  /** Commands each agent has answered when the "after N commands" memory is read. */
  commands: number;
  /**
   * Longest wait for the "at rest" memory reading after the commands (V8's memory reducer
   * shrinks the heap some 10–30 s after the allocation stops); 0 skips the reading.
   */
  restWaitMs: number;
  /** Size of the transferred file. */
  fileSize: number;
  /** Chunk sizes of guest-file-write / guest-file-read. */
  chunkSizes: readonly number[];
  /** Timed write+read passes per chunk size and agent (alternating). */
  fileReps: number;
}

/** The full plan: at least the iteration counts. */
export const FULL_PLAN: Plan = {
  starts: 10,
  warmupPings: 1000,
  rttBlocks: 10,
  rttBlock: 1000,
  pipelineRounds: 5,
  pipelineRound: 10_000,
  depth: 100,
  commands: 100_000,
  restWaitMs: 40_000,
  fileSize: 32 * MiB,
  chunkSizes: [64 * 1024, MiB, 8 * MiB],
  fileReps: 3,
};

/** The `--quick` plan: every row once, well under a minute. */
export const QUICK_PLAN: Plan = {
  starts: 3,
  warmupPings: 200,
  rttBlocks: 4,
  rttBlock: 500,
  pipelineRounds: 2,
  pipelineRound: 3000,
  depth: 100,
  commands: 20_000,
  restWaitMs: 0,
  fileSize: 32 * MiB,
  chunkSizes: [64 * 1024, MiB, 8 * MiB],
  fileReps: 1,
};
