/**
 * `guest-info`: the agent version and every registered command, newest registration first.
 *
 * @module
 */

import { COMMANDS } from "../schema/schema.ts";
import type { Handler } from "./context.ts";

/** `guest-info`: `enabled` reflects the block/allow lists and the freeze state. */
export const guestInfo: Handler<"guest-info"> = (_args, ctx) => ({
  version: ctx.version,
  supported_commands: [...COMMANDS].reverse().map((c) => ({
    name: c.name,
    enabled: ctx.replies.isAvailable(c.name),
    "success-response": !("successResponse" in c && c.successResponse === false),
  })),
});
