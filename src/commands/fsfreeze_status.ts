/**
 * `guest-fsfreeze-status`: the agent's own frozen flag (not the kernel's view).
 *
 * @module
 */

import type { Handler } from "./context.ts";

/** `guest-fsfreeze-status`: `"frozen"` while this agent (or a crashed one) holds a freeze. */
export const guestFsfreezeStatus: Handler<"guest-fsfreeze-status"> = (_args, ctx) =>
  ctx.state.frozen ? "frozen" : "thawed";
