/**
 * `guest-get-host-name`: STUB, being implemented (issue 10).
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import type { Handler } from "../context.ts";

/** `guest-get-host-name`. */
export const guestGetHostName: Handler<"guest-get-host-name"> = () => {
  throw new QgaError("Command guest-get-host-name is not implemented yet in qga-deno");
};
