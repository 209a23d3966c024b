/**
 * guest-fsfreeze-freeze / -status / -thaw under the files profile, by effect as the main suite's
 * freeze check proves it (`checks.ts`): a guest process appending to the virtio disk every 100 ms
 * stalls while the agent holds the disk frozen, and resumes after the thaw. Inside the agent's
 * sandbox this needs the mount points opened as directories (Landlock `read-dir` beneath `/`)
 * and CAP_SYS_ADMIN kept for FIFREEZE; while frozen, only qemu-ga's freeze allow-list is enabled
 * (minus what the profile disables).
 *
 * @module
 */

import { sleep } from "../helpers/async.ts";
import { QEMU_GA_FREEZE_ALLOWLIST } from "../oracle/differences.ts";
import { type Check, type CheckContext, expect, expectEqual } from "./check_kit.ts";
import { commandTable, ensureProfile, skipUnlessOurs } from "./profile_agent.ts";

async function progress(ctx: CheckContext): Promise<number> {
  return Number((await ctx.shell.check("cat /tmp/vm-progress 2>/dev/null || echo 0")).trim());
}

/** Freeze, a stalled writer, thaw — under the files profile. */
export const freezeUnderFiles: Check = {
  name: "profile files: guest-fsfreeze-freeze / status / thaw (a writer stalls)",
  timeoutMs: 180_000,
  skip: skipUnlessOurs,
  async run(ctx) {
    const { shell, note } = ctx;
    await ensureProfile(ctx, "files");
    const table = await commandTable(ctx);
    expectEqual(await ctx.agent.execute("guest-fsfreeze-status"), "thawed", "initial status");
    await shell.check(
      "rm -f /tmp/vm-progress; (n=0; while :; do echo $n >> /mnt/disk/stall.log; " +
        "n=$((n+1)); echo $n > /tmp/vm-progress; usleep 100000; done) " +
        "</dev/null >/dev/null 2>&1 & echo $! > /tmp/vm-writer.pid",
    );
    try {
      await sleep(800);
      const p0 = await progress(ctx);
      expect(p0 > 0, "the writer does not make progress before the freeze");
      expectEqual(await ctx.agent.execute("guest-fsfreeze-freeze", undefined, 30_000), 1, "freeze");
      expectEqual(await ctx.agent.execute("guest-fsfreeze-status"), "frozen", "status");
      await sleep(500);
      const p1 = await progress(ctx);
      await sleep(1500);
      const p2 = await progress(ctx);
      expectEqual(p2, p1, "writer progress while frozen (must stall)");
      const frozen = await commandTable(ctx);
      const expected = [...QEMU_GA_FREEZE_ALLOWLIST].filter((name) => table.get(name)).sort();
      expectEqual(
        [...frozen].filter(([, on]) => on).map(([name]) => name).sort(),
        expected,
        "commands enabled while frozen",
      );
      expectEqual(await ctx.agent.execute("guest-fsfreeze-thaw", undefined, 30_000), 1, "thaw");
      expectEqual(await ctx.agent.execute("guest-fsfreeze-status"), "thawed", "status");
      await sleep(1200);
      const p3 = await progress(ctx);
      expect(p3 >= p2 + 3, `writer did not resume after thaw (${p2} -> ${p3})`);
      note(`progress ${p0} → frozen at ${p2} → ${p3} after thaw`);
    } finally {
      await ctx.agent.execute("guest-fsfreeze-thaw", undefined, 10_000).catch(() => {});
      await shell.run(
        "fsfreeze --unfreeze /mnt/disk 2>/dev/null; kill $(cat /tmp/vm-writer.pid); " +
          "rm -f /mnt/disk/stall.log",
      ).catch(() => {});
    }
  },
};
