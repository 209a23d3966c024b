/**
 * `guest-get-fsinfo`: STUB, being implemented (issue 10).
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import type { Handler } from "../context.ts";

/** `guest-get-fsinfo`. */
export const guestGetFsinfo: Handler<"guest-get-fsinfo"> = () => {
  throw new QgaError("Command guest-get-fsinfo is not implemented yet in qga-deno");
};
