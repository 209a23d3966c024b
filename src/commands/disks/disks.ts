/**
 * `guest-get-disks`: STUB, being implemented (issue 10).
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import type { Handler } from "../context.ts";

/** `guest-get-disks`. */
export const guestGetDisks: Handler<"guest-get-disks"> = () => {
  throw new QgaError("Command guest-get-disks is not implemented yet in qga-deno");
};
