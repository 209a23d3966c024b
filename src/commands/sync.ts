/**
 * `guest-sync`, `guest-sync-delimited` and `guest-ping`: the handshake and liveness commands.
 *
 * @module
 */

import type { Handler } from "./context.ts";

/** `guest-sync`: echoes the caller's int64 id. */
export const guestSync: Handler<"guest-sync"> = (args) => args.id;

/** `guest-sync-delimited`: echoes the id; its reply is preceded by a 0xFF byte. */
export const guestSyncDelimited: Handler<"guest-sync-delimited"> = (args, ctx) => {
  ctx.replies.delimitNextReply();
  return args.id;
};

/** `guest-ping`: answers `{}`. */
export const guestPing: Handler<"guest-ping"> = (_args, ctx) => {
  ctx.log.audit("guest-ping called");
};
