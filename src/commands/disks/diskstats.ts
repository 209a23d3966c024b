/**
 * `guest-get-diskstats`: STUB, being implemented (issue 10).
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import type { Handler } from "../context.ts";

/** `guest-get-diskstats`. */
export const guestGetDiskstats: Handler<"guest-get-diskstats"> = () => {
  throw new QgaError("Command guest-get-diskstats is not implemented yet in qga-deno");
};
