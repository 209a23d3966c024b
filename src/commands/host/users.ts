/**
 * `guest-get-users`: STUB, being implemented (issue 10).
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import type { Handler } from "../context.ts";

/** `guest-get-users`. */
export const guestGetUsers: Handler<"guest-get-users"> = () => {
  throw new QgaError("Command guest-get-users is not implemented yet in qga-deno");
};
