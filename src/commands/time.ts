/**
 * `guest-get-time`: the guest's wall clock in nanoseconds, exact.
 *
 * @module
 */

import type { Handler } from "./context.ts";

/** `guest-get-time`: nanoseconds since the epoch as an exact int64. */
export const guestGetTime: Handler<"guest-get-time"> = (_args, ctx) => ctx.sys.clock.realtimeNs();
