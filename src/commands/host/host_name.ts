/**
 * `guest-get-host-name`, as qemu-ga 7.2 answers it: `gethostname()` with a buffer of
 * `sysconf(_SC_HOST_NAME_MAX)` (64) bytes, asked anew on every call (not cached, so a changed
 * host name shows at once).
 *
 * qemu-ga's fallback to `localhost` when `gethostname()` fails is dead code: the failure has
 * already been set as the command's error, and that error is the reply —
 * `cannot get hostname: <strerror>`. glibc fails with `ENAMETOOLONG` when the name has the
 * maximum length of 64 bytes (`cannot get hostname: File name too long`, confirmed against 7.2
 * in a UTS namespace).
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import { OsError } from "../../sys/os_error.ts";
import type { Handler } from "../context.ts";
import { wireText } from "./wire_text.ts";

/** `guest-get-host-name`. */
export const guestGetHostName: Handler<"guest-get-host-name"> = (_args, ctx) => {
  try {
    return { "host-name": wireText(ctx.sys.host.hostName()) };
  } catch (error) {
    if (error instanceof OsError) throw new QgaError(`cannot get hostname: ${error.message}`);
    throw error;
  }
};
