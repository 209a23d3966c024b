/**
 * `shutdown [--reboot|--halt]` and `suspend ram|disk|hybrid`. These commands send no reply on
 * success, so the client follows them with `guest-sync-delimited` (see
 * `Session.executeNoReply`): an error from the agent arrives first and is reported; otherwise
 * the sync reply, the channel closing or silence (the guest is going down or asleep) all mean
 * the request was carried out.
 *
 * @module
 */

import { flag } from "../command_line.ts";
import { UsageError } from "../errors.ts";
import type { NoReplyOutcome } from "../session.ts";
import { type ClientCommand, type CommandContext, operands, print } from "./context.ts";

/** How long to wait for an error before taking silence as success. */
const NO_REPLY_WAIT_MS = 10_000;

/** What the outcome of a no-reply command means, in words. */
export function outcomeLine(action: string, outcome: NoReplyOutcome): string {
  switch (outcome) {
    case "answered":
      return `${action}: requested (the agent reported no error)`;
    case "closed":
      return `${action}: requested (the channel closed: the guest is going down)`;
    case "silent":
      return `${action}: requested (no answer since: the guest is going down or asleep)`;
  }
}

async function runNoReply(
  ctx: CommandContext,
  command: string,
  args: Record<string, unknown> | undefined,
  action: string,
): Promise<number> {
  const session = await ctx.session();
  const outcome = await session.executeNoReply(command, args, ctx.timeout(NO_REPLY_WAIT_MS));
  if (!ctx.json) await print(ctx, [outcomeLine(action, outcome)]);
  return 0;
}

/** `shutdown [--reboot|--halt]`. */
export const shutdown: ClientCommand = {
  name: "shutdown",
  usage: "[--reboot|--halt]",
  summary: "power the guest off (or reboot, or halt it)",
  options: [
    { name: "reboot", help: "reboot instead of powering off" },
    { name: "halt", help: "halt instead of powering off" },
  ],
  run(ctx) {
    operands(ctx, 0);
    const reboot = flag(ctx.parsed, "reboot");
    const halt = flag(ctx.parsed, "halt");
    if (reboot && halt) throw new UsageError("--reboot and --halt exclude each other");
    const mode = reboot ? "reboot" : halt ? "halt" : "powerdown";
    return runNoReply(ctx, "guest-shutdown", { mode }, mode);
  },
};

const SUSPEND_MODES = ["ram", "disk", "hybrid"];

/** `suspend ram|disk|hybrid`. */
export const suspend: ClientCommand = {
  name: "suspend",
  usage: "ram|disk|hybrid",
  summary: "suspend the guest to RAM, to disk, or both",
  run(ctx) {
    const [mode] = operands(ctx, 1);
    if (!SUSPEND_MODES.includes(mode!)) {
      throw new UsageError(`Unknown suspend mode '${mode}' (ram, disk or hybrid)`);
    }
    return runNoReply(ctx, `guest-suspend-${mode}`, undefined, `suspend to ${mode}`);
  },
};
