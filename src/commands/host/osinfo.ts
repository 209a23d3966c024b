/**
 * `guest-get-osinfo`: STUB, being implemented (issue 10).
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import type { Handler } from "../context.ts";

/** `guest-get-osinfo`. */
export const guestGetOsinfo: Handler<"guest-get-osinfo"> = () => {
  throw new QgaError("Command guest-get-osinfo is not implemented yet in qga-deno");
};
