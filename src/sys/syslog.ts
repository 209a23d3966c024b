/**
 * The audit trail's destination: syslog at `LOG_INFO`, facility `LOG_DAEMON`, identity
 * `qemu-ga`, as qemu-ga's `slog()` sends it.
 *
 * @module
 */

import { statPath } from "./fd.ts";
import { cString, libc } from "./libc.ts";
import { recentTime } from "./recent_time.ts";

const LOG_PID = 0x01;
const LOG_DAEMON = 3 << 3;
const LOG_INFO = 6;
const PERCENT_S = cString("%s");
const DEV_LOG = "/dev/log";

/** The identity string handed to `openlog`, kept alive for the process lifetime. */
let syslogIdent: Uint8Array<ArrayBuffer> | undefined;
let devLogCheckedAt = -Infinity;
let devLogPresent = false;

/** True when a syslog socket exists (looked up at most once a second, by the recent time). */
function hasSyslog(): boolean {
  const now = recentTime();
  if (now - devLogCheckedAt >= 1000) {
    devLogCheckedAt = now;
    try {
      statPath(DEV_LOG, { follow: false, mask: 0 });
      devLogPresent = true;
    } catch {
      devLogPresent = false;
    }
  }
  return devLogPresent;
}

/** Sends one line to syslog at LOG_INFO (qemu-ga's audit trail); never throws. */
export function syslogInfo(message: string): void {
  // Without /dev/log glibc's syslog() opens a socket, fails to connect and drops the line
  // (about 9 µs per call): skip the call instead.
  if (!hasSyslog()) return;
  try {
    if (!syslogIdent) {
      syslogIdent = cString("qemu-ga");
      libc().openlog(syslogIdent, LOG_PID, LOG_DAEMON);
    }
    libc().syslog(LOG_INFO, PERCENT_S, cString(message));
  } catch {
    // No syslog: the audit line is dropped, as glibc does without a syslog daemon.
  }
}
