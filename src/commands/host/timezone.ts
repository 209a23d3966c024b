/**
 * `guest-get-timezone`: STUB, being implemented (issue 10).
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import type { Handler } from "../context.ts";

/** `guest-get-timezone`. */
export const guestGetTimezone: Handler<"guest-get-timezone"> = () => {
  throw new QgaError("Command guest-get-timezone is not implemented yet in qga-deno");
};
