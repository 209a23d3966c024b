/**
 * Filesystem commands: `guest-fsfreeze-freeze`, `guest-fsfreeze-freeze-list`,
 * `guest-fsfreeze-thaw` (through one {@link FsfreezeService} per agent) and `guest-fstrim`.
 *
 * @module
 */

import type { CommandContext, Handler } from "../context.ts";
import type { FsfreezeService } from "./service.ts";

export { freezeMounts, MAX_THAWS_PER_MOUNT, mountList, thawMounts } from "./fs_walk.ts";
export { fstrim, makeGuestFstrim, TRIM_NOT_SUPPORTED, type TrimResult } from "./fstrim.ts";
export {
  type FrozenState,
  FsfreezeService,
  type FsfreezeServiceOptions,
  HOOK_ACTION,
} from "./service.ts";

/** The freeze and thaw handlers. */
export interface FsfreezeHandlers {
  /** `guest-fsfreeze-freeze`. */
  readonly "guest-fsfreeze-freeze": Handler<"guest-fsfreeze-freeze">;
  /** `guest-fsfreeze-freeze-list`. */
  readonly "guest-fsfreeze-freeze-list": Handler<"guest-fsfreeze-freeze-list">;
  /** `guest-fsfreeze-thaw`. */
  readonly "guest-fsfreeze-thaw": Handler<"guest-fsfreeze-thaw">;
}

/**
 * Makes the freeze and thaw handlers.
 *
 * @param serviceOf Picks the agent's service from the context (e.g. `(ctx) => ctx.fsfreeze`).
 * @returns The handlers by wire name.
 */
export function makeFsfreezeHandlers(
  serviceOf: (ctx: CommandContext) => FsfreezeService,
): FsfreezeHandlers {
  return {
    "guest-fsfreeze-freeze": (_args, ctx) => serviceOf(ctx).freeze(),
    "guest-fsfreeze-freeze-list": (args, ctx) => serviceOf(ctx).freeze(args.mountpoints),
    "guest-fsfreeze-thaw": (_args, ctx) => serviceOf(ctx).thaw(),
  };
}
