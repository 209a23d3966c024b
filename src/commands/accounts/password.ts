/**
 * `guest-set-user-password`: STUB, being implemented (issue 10).
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import type { Handler } from "../context.ts";

/** `guest-set-user-password`. */
export const guestSetUserPassword: Handler<"guest-set-user-password"> = () => {
  throw new QgaError("Command guest-set-user-password is not implemented yet in qga-deno");
};
