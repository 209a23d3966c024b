/**
 * `guest-exec`, `guest-exec-status`: STUB, being implemented (issue 10).
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import type { Handler } from "../context.ts";

/** `guest-exec`. */
export const guestExec: Handler<"guest-exec"> = () => {
  throw new QgaError("Command guest-exec is not implemented yet in qga-deno");
};

/** `guest-exec-status`. */
export const guestExecStatus: Handler<"guest-exec-status"> = () => {
  throw new QgaError("Command guest-exec-status is not implemented yet in qga-deno");
};
