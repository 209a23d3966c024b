/**
 * `guest-get-users`, as qemu-ga 7.2 answers it: the `USER_PROCESS` records of the login records
 * (`getutxent()` over `/var/run/utmp`), one entry per distinct `ut_user` in the order users are
 * first seen, with the earliest `login-time` = `tv_sec + tv_usec / 1e6` (a double) of their
 * sessions. Other record types (`LOGIN_PROCESS`, `DEAD_PROCESS`, boot records) are skipped.
 *
 * When the file is missing or cannot be read, `getutxent()` simply returns no record: the reply
 * is `[]`, never an error (7.2 on a host without `/var/run/utmp` answers `[]`).
 *
 * @module
 */

import type { Named } from "../../schema/types.ts";
import type { UtmpRecord } from "../../sys/host.ts";
import { OsError } from "../../sys/os_error.ts";
import { Utmp } from "../../sys/structs.ts";
import type { Handler } from "../context.ts";
import { wireText } from "./wire_text.ts";

/** One element of the reply. */
export type User = Named<"GuestUser">;

/** `ga_get_login_time()`: seconds plus microseconds / 1e6, in doubles as C computes them. */
export function loginTime(record: UtmpRecord): number {
  return Number(record.seconds) + Number(record.microseconds) / 1000000;
}

/**
 * The users of a list of login records.
 *
 * @param records The records, in file order.
 * @returns One entry per user, first-seen order, earliest login.
 */
export function usersOf(records: readonly UtmpRecord[]): User[] {
  const byName = new Map<string, User>();
  for (const record of records) {
    if (record.type !== Utmp.USER_PROCESS) continue;
    const key = Array.from(record.user, (b) => String.fromCharCode(b)).join("");
    const time = loginTime(record);
    const seen = byName.get(key);
    if (seen === undefined) byName.set(key, { user: wireText(record.user), "login-time": time });
    else if (time < seen["login-time"]) seen["login-time"] = time;
  }
  return [...byName.values()];
}

/** `guest-get-users`. */
export const guestGetUsers: Handler<"guest-get-users"> = (_args, ctx) => {
  let records: UtmpRecord[];
  try {
    records = ctx.sys.host.loginRecords();
  } catch (error) {
    if (error instanceof OsError) return [];
    throw error;
  }
  return usersOf(records);
};
