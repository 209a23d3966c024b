/**
 * Builds utmp files byte by byte in glibc's layout of either architecture, for the parser and
 * command tests (and for checking qemu-ga 7.2 on the same bytes).
 *
 * @module
 */

import type { Arch } from "../../../src/sys/structs.ts";

/** One record to write; absent fields are zero bytes. */
export interface UtmpSpec {
  /** `ut_type`. */
  readonly type: number;
  /** `ut_user`: up to 32 bytes (a string is UTF-8 encoded). */
  readonly user?: string | Uint8Array;
  /** `ut_line`. */
  readonly line?: string;
  /** `ut_host`. */
  readonly host?: string;
  /** `ut_tv.tv_sec`. */
  readonly seconds?: bigint;
  /** `ut_tv.tv_usec`. */
  readonly microseconds?: bigint;
}

/** Record types of `<utmp.h>`. */
export const UtType = {
  RUN_LVL: 1,
  BOOT_TIME: 2,
  INIT_PROCESS: 5,
  LOGIN_PROCESS: 6,
  USER_PROCESS: 7,
  DEAD_PROCESS: 8,
} as const;

const encoder = new TextEncoder();

/**
 * The bytes of a utmp file holding `records` for `arch`.
 *
 * @param arch The layout: x86_64 (384-byte records, 32-bit `ut_tv` at 340) or aarch64 (400-byte
 *   records, 64-bit `ut_tv` at 344).
 * @param records The records.
 */
export function utmpBytes(arch: Arch, records: readonly UtmpSpec[]): Uint8Array {
  // Written out here rather than taken from structs.ts, so the tests check structs.ts.
  const abi = arch === "x86_64"
    ? { utmpSize: 384, utmpTvOffset: 340 }
    : { utmpSize: 400, utmpTvOffset: 344 };
  const out = new Uint8Array(abi.utmpSize * records.length);
  const view = new DataView(out.buffer);
  records.forEach((r, i) => {
    const at = i * abi.utmpSize;
    view.setInt16(at + 0, r.type, true);
    view.setInt32(at + 4, 1000 + i, true); // ut_pid
    out.set(encoder.encode(r.line ?? "").subarray(0, 32), at + 8); // ut_line
    const user = typeof r.user === "string" ? encoder.encode(r.user) : r.user ?? new Uint8Array();
    out.set(user.subarray(0, 32), at + 44); // ut_user
    out.set(encoder.encode(r.host ?? "").subarray(0, 256), at + 76); // ut_host
    const tv = at + abi.utmpTvOffset;
    if (arch === "x86_64") {
      view.setInt32(tv, Number(r.seconds ?? 0n), true);
      view.setInt32(tv + 4, Number(r.microseconds ?? 0n), true);
    } else {
      view.setBigInt64(tv, r.seconds ?? 0n, true);
      view.setBigInt64(tv + 8, r.microseconds ?? 0n, true);
    }
  });
  return out;
}
