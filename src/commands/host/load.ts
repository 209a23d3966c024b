/**
 * `guest-get-load`: STUB, being implemented (issue 10).
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import type { Handler } from "../context.ts";

/** `guest-get-load`. */
export const guestGetLoad: Handler<"guest-get-load"> = () => {
  throw new QgaError("Command guest-get-load is not implemented yet in qga-deno");
};
