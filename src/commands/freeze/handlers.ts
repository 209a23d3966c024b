/**
 * The guest-fsfreeze-* handlers. Freeze and thaw go through the agent's one
 * `FsfreezeService` (`ctx.fsfreeze`, `./service.ts`), which owns the frozen state, the hook
 * and the watchdog; the status is the agent's own frozen flag (not the kernel's view).
 *
 * @module
 */

import type { Handler } from "../context.ts";

/** `guest-fsfreeze-status`: `"frozen"` while this agent (or a crashed one) holds a freeze. */
export const guestFsfreezeStatus: Handler<"guest-fsfreeze-status"> = (_args, ctx) =>
  ctx.state.frozen ? "frozen" : "thawed";

/** `guest-fsfreeze-freeze`. */
export const guestFsfreezeFreeze: Handler<"guest-fsfreeze-freeze"> = (_args, ctx) =>
  ctx.fsfreeze.freeze();

/** `guest-fsfreeze-freeze-list`. */
export const guestFsfreezeFreezeList: Handler<"guest-fsfreeze-freeze-list"> = (args, ctx) =>
  ctx.fsfreeze.freeze(args.mountpoints);

/** `guest-fsfreeze-thaw`. */
export const guestFsfreezeThaw: Handler<"guest-fsfreeze-thaw"> = (_args, ctx) =>
  ctx.fsfreeze.thaw();
