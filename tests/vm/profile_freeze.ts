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

import { QEMU_GA_FREEZE_ALLOWLIST } from "../oracle/differences.ts";
import { type Check, expectEqual } from "./check_kit.ts";
import { commandTable, ensureProfile, skipUnlessOurs } from "./profile_agent.ts";
import {
  freezeStallsWriter,
  startWriter,
  stopWriter,
  thawResumesWriter,
} from "./stalled_writer.ts";

/** Freeze, a stalled writer, thaw — under the files profile. */
export const freezeUnderFiles: Check = {
  name: "profile files: guest-fsfreeze-freeze / status / thaw (a writer stalls)",
  timeoutMs: 180_000,
  skip: skipUnlessOurs,
  async run(ctx) {
    const { note } = ctx;
    await ensureProfile(ctx, "files");
    const table = await commandTable(ctx);
    expectEqual(await ctx.agent.execute("guest-fsfreeze-status"), "thawed", "initial status");
    try {
      const p0 = await startWriter(ctx);
      const p2 = await freezeStallsWriter(ctx);
      const frozen = await commandTable(ctx);
      const expected = [...QEMU_GA_FREEZE_ALLOWLIST].filter((name) => table.get(name)).sort();
      expectEqual(
        [...frozen].filter(([, on]) => on).map(([name]) => name).sort(),
        expected,
        "commands enabled while frozen",
      );
      const p3 = await thawResumesWriter(ctx, p2);
      note(`progress ${p0} → frozen at ${p2} → ${p3} after thaw`);
    } finally {
      await stopWriter(ctx);
    }
  },
};
