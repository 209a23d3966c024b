/**
 * `guest-get-cpustats`: STUB, being implemented (issue 10).
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import type { Handler } from "../context.ts";

/** `guest-get-cpustats`. */
export const guestGetCpustats: Handler<"guest-get-cpustats"> = () => {
  throw new QgaError("Command guest-get-cpustats is not implemented yet in qga-deno");
};
