/**
 * The handlers of the memory block commands (spec §2.19–§2.21), over `ctx.sys.memory`:
 * `guest-get-memory-blocks` (`./get_blocks.ts`), `guest-set-memory-blocks` (`./set_blocks.ts`)
 * and `guest-get-memory-block-info` (`./block_info.ts`).
 *
 * @module
 */

import type { Handler } from "../context.ts";
import { memoryBlockInfo } from "./block_info.ts";
import { listMemoryBlocks } from "./get_blocks.ts";

export { guestSetMemoryBlocks } from "./set_blocks.ts";

/** `guest-get-memory-blocks`. */
export const guestGetMemoryBlocks: Handler<"guest-get-memory-blocks"> = (_args, ctx) =>
  listMemoryBlocks(ctx.sys.memory);

/** `guest-get-memory-block-info`. */
export const guestGetMemoryBlockInfo: Handler<"guest-get-memory-block-info"> = (_args, ctx) =>
  memoryBlockInfo(ctx.sys.memory);
