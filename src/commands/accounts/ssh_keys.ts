/**
 * `guest-ssh-get-authorized-keys`, `guest-ssh-add-authorized-keys`, `guest-ssh-remove-authorized-keys`: STUB, being implemented (issue 10).
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import type { Handler } from "../context.ts";

/** `guest-ssh-get-authorized-keys`. */
export const guestSshGetAuthorizedKeys: Handler<"guest-ssh-get-authorized-keys"> = () => {
  throw new QgaError("Command guest-ssh-get-authorized-keys is not implemented yet in qga-deno");
};

/** `guest-ssh-add-authorized-keys`. */
export const guestSshAddAuthorizedKeys: Handler<"guest-ssh-add-authorized-keys"> = () => {
  throw new QgaError("Command guest-ssh-add-authorized-keys is not implemented yet in qga-deno");
};

/** `guest-ssh-remove-authorized-keys`. */
export const guestSshRemoveAuthorizedKeys: Handler<"guest-ssh-remove-authorized-keys"> = () => {
  throw new QgaError("Command guest-ssh-remove-authorized-keys is not implemented yet in qga-deno");
};
