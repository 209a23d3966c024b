/**
 * glibc's login records (`/var/run/utmp`) decoded from the file's bytes with the layout of one
 * architecture (`struct utmp` in `./structs.ts`: 384-byte records with 32-bit `ut_tv` fields on
 * x86_64, 400-byte records with 64-bit ones on aarch64).
 *
 * Reading stops where glibc's `getutxent()` stops: at the end of the file, or before a trailing
 * partial record (a short read ends the scan).
 *
 * @module
 */

import { type ArchAbi, Utmp } from "./structs.ts";

/** The fields of one `struct utmp` that guest-get-users looks at. */
export interface UtmpRecord {
  /** `ut_type` (`USER_PROCESS` = 7 for a login session). */
  readonly type: number;
  /**
   * `ut_user` as `strdup()` copies it: the bytes up to the first NUL. A name filling all 32 bytes
   * runs on into `ut_host` (bounded here by the record's end).
   */
  readonly user: Uint8Array;
  /** `ut_tv.tv_sec` (sign-extended). */
  readonly seconds: bigint;
  /** `ut_tv.tv_usec` (sign-extended). */
  readonly microseconds: bigint;
}

/**
 * Decodes the records of a utmp file.
 *
 * @param bytes The file's contents.
 * @param abi The layout (the running architecture's in production; both in tests).
 * @returns The whole records, in file order.
 */
export function parseUtmp(bytes: Uint8Array, abi: ArchAbi): UtmpRecord[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: UtmpRecord[] = [];
  for (let at = 0; at + abi.utmpSize <= bytes.length; at += abi.utmpSize) {
    const record = bytes.subarray(at, at + abi.utmpSize);
    const nul = record.indexOf(0, Utmp.USER);
    const user = record.slice(Utmp.USER, nul < 0 ? record.length : nul);
    const tv = at + abi.utmpTvOffset;
    const wide = abi.utmpTvFieldSize === 8;
    records.push({
      type: view.getInt16(at + Utmp.TYPE, true),
      user,
      seconds: wide ? view.getBigInt64(tv, true) : BigInt(view.getInt32(tv, true)),
      microseconds: wide ? view.getBigInt64(tv + 8, true) : BigInt(view.getInt32(tv + 4, true)),
    });
  }
  return records;
}
