/**
 * `guest-get-memory-blocks`, `guest-set-memory-blocks`, `guest-get-memory-block-info`: STUB, being implemented (issue 10).
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import type { Handler } from "../context.ts";

/** `guest-get-memory-blocks`. */
export const guestGetMemoryBlocks: Handler<"guest-get-memory-blocks"> = () => {
  throw new QgaError("Command guest-get-memory-blocks is not implemented yet in qga-deno");
};

/** `guest-set-memory-blocks`. */
export const guestSetMemoryBlocks: Handler<"guest-set-memory-blocks"> = () => {
  throw new QgaError("Command guest-set-memory-blocks is not implemented yet in qga-deno");
};

/** `guest-get-memory-block-info`. */
export const guestGetMemoryBlockInfo: Handler<"guest-get-memory-block-info"> = () => {
  throw new QgaError("Command guest-get-memory-block-info is not implemented yet in qga-deno");
};
