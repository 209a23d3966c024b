/**
 * The file-transfer phase: guest-file-write and guest-file-read of one file per agent in each
 * chunk size, alternating between the agents; the content is verified once per agent.
 *
 * @module
 */

import type { AgentKind, RunningAgent } from "./agents.ts";
import { base64Chunks, pseudoRandomBytes, readFile, verifyFile, writeFile } from "./measure.ts";
import type { Plan } from "./plan.ts";
import type { Row } from "./report.ts";
import { median } from "./stats.ts";
import { mib, order, type PerAgent, perAgent, progress } from "./_util.ts";

/** `64 KiB`, `1 MiB`, … */
function sizeLabel(bytes: number): string {
  return bytes >= 1 << 20 ? `${bytes / (1 << 20)} MiB` : `${bytes / 1024} KiB`;
}

/**
 * Writes and reads a `plan.fileSize` file (in `dir`) through each agent in every chunk size.
 *
 * @param plan Sizes and repetitions.
 * @param options The scratch directory and the running agents.
 * @returns One write row per chunk size, then one read row per chunk size (MiB/s).
 */
export function measureFiles(
  plan: Plan,
  options: { dir: string; agents: PerAgent<RunningAgent> },
): Row[] {
  const { dir, agents } = options;
  const data = pseudoRandomBytes(plan.fileSize);
  const path = (kind: AgentKind) => `${dir}/${kind}.bin`;
  const writes: Row[] = [];
  const reads: Row[] = [];
  let verified = false;
  for (const chunkSize of plan.chunkSizes) {
    const label = sizeLabel(chunkSize);
    progress(`files: ${mib(plan.fileSize)} MiB in ${label} chunks, ${plan.fileReps} pass(es)`);
    const chunks = base64Chunks(data, chunkSize);
    const write = perAgent<number[]>(() => []);
    const read = perAgent<number[]>(() => []);
    for (let rep = 0; rep < plan.fileReps; rep++) {
      for (const kind of order(rep)) {
        const client = agents[kind].client;
        write[kind].push(mib(plan.fileSize) / writeFile(client, { path: path(kind), chunks }));
        if (!verified) {
          const size = Deno.statSync(path(kind)).size;
          if (size !== plan.fileSize) throw new Error(`${kind} wrote ${size} bytes`);
          verifyFile(client, { path: path(kind), expected: data });
        }
        const r = readFile(client, { path: path(kind), chunkSize });
        if (r.bytes !== plan.fileSize) throw new Error(`${kind} read ${r.bytes} bytes`);
        read[kind].push(mib(plan.fileSize) / r.seconds);
      }
      verified = true;
    }
    const row = (what: string, values: PerAgent<number[]>): Row => ({
      metric: `${what}, ${label} chunks, MiB/s`,
      ours: median(values.ours),
      qemu: median(values.qemu),
      better: "higher",
      digits: 1,
      target: { kind: "ratio", better: "higher", value: 3 },
    });
    writes.push(row("guest-file-write", write));
    reads.push(row("guest-file-read", read));
  }
  return [...writes, ...reads];
}
