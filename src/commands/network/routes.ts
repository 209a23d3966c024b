/**
 * `guest-network-get-route`: STUB, being implemented (issue 10).
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import type { Handler } from "../context.ts";

/** `guest-network-get-route`. */
export const guestNetworkGetRoute: Handler<"guest-network-get-route"> = () => {
  throw new QgaError("Command guest-network-get-route is not implemented yet in qga-deno");
};
