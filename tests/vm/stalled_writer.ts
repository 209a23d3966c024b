/**
 * The freeze checks' witness: a guest process appending to the virtio disk every 100 ms, its
 * progress counted on tmpfs, which stalls while the agent holds the disk frozen and resumes after
 * the thaw. Used by the main suite's freeze check (`checks.ts`) and the files profile's
 * (`profile_freeze.ts`).
 *
 * @module
 */

import { sleep } from "../helpers/async.ts";
import { type CheckContext, expect, expectEqual } from "./check_kit.ts";

/** The writer's progress so far (0 before it has written). */
export async function writerProgress(ctx: CheckContext): Promise<number> {
  return Number((await ctx.shell.check("cat /tmp/vm-progress 2>/dev/null || echo 0")).trim());
}

/** Starts the writer and returns its progress once it is seen writing. */
export async function startWriter(ctx: CheckContext): Promise<number> {
  await ctx.shell.check(
    "rm -f /tmp/vm-progress; (n=0; while :; do echo $n >> /mnt/disk/stall.log; " +
      "n=$((n+1)); echo $n > /tmp/vm-progress; usleep 100000; done) " +
      "</dev/null >/dev/null 2>&1 & echo $! > /tmp/vm-writer.pid",
  );
  await sleep(800);
  const progress = await writerProgress(ctx);
  expect(progress > 0, "the writer does not make progress before the freeze");
  return progress;
}

/** guest-fsfreeze-freeze, then the status and the stall checked; returns the stalled count. */
export async function freezeStallsWriter(ctx: CheckContext): Promise<number> {
  expectEqual(await ctx.agent.execute("guest-fsfreeze-freeze", undefined, 30_000), 1, "freeze");
  expectEqual(await ctx.agent.execute("guest-fsfreeze-status"), "frozen", "status");
  await sleep(500);
  const p1 = await writerProgress(ctx);
  await sleep(1500);
  const p2 = await writerProgress(ctx);
  expectEqual(p2, p1, "writer progress while frozen (must stall)");
  return p2;
}

/**
 * guest-fsfreeze-thaw, then the status and the writer's resumption (3 writes or more past
 * `stalledAt`) checked; returns its progress.
 */
export async function thawResumesWriter(ctx: CheckContext, stalledAt: number): Promise<number> {
  expectEqual(await ctx.agent.execute("guest-fsfreeze-thaw", undefined, 30_000), 1, "thaw");
  expectEqual(await ctx.agent.execute("guest-fsfreeze-status"), "thawed", "status");
  await sleep(1200);
  const progress = await writerProgress(ctx);
  expect(
    progress >= stalledAt + 3,
    `writer did not resume after thaw (${stalledAt} -> ${progress})`,
  );
  return progress;
}

/** Whatever happened: thaws (the agent first, the kernel directly as a fallback), stops the writer. */
export async function stopWriter(ctx: CheckContext): Promise<void> {
  await ctx.agent.execute("guest-fsfreeze-thaw", undefined, 10_000).catch(() => {});
  await ctx.shell.run(
    "fsfreeze --unfreeze /mnt/disk 2>/dev/null; kill $(cat /tmp/vm-writer.pid); " +
      "rm -f /mnt/disk/stall.log",
  ).catch(() => {});
}
