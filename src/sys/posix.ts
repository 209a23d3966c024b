/**
 * Process-level POSIX calls through libc: signal dispositions (`sigaction`), `uname` and
 * `clock_gettime`.
 *
 * @module
 */

import { check, libc } from "./libc.ts";
import { sigactionHandler, sigactionStruct, TIME_STRUCT_SIZE, Utsname } from "./structs.ts";

/** `clock_gettime(clock)` in nanoseconds; throws an `OsError`. */
export function clockNs(clock: number): bigint {
  const ts = new BigInt64Array(TIME_STRUCT_SIZE / 8);
  check("clock_gettime", libc().clock_gettime(clock, ts));
  return ts[0]! * 1000000000n + ts[1]!;
}

/** The fields of `uname(2)`, decoded as UTF-8; throws an `OsError`. */
export function uname(): {
  sysname: string;
  nodename: string;
  release: string;
  version: string;
  machine: string;
} {
  const buffer = new Uint8Array(Utsname.SIZE);
  check("uname", libc().uname(buffer));
  const decoder = new TextDecoder();
  const field = (i: number) => {
    const bytes = buffer.subarray(i * Utsname.FIELD, (i + 1) * Utsname.FIELD);
    const end = bytes.indexOf(0);
    return decoder.decode(end < 0 ? bytes : bytes.subarray(0, end));
  };
  return {
    sysname: field(0),
    nodename: field(1),
    release: field(2),
    version: field(3),
    machine: field(4),
  };
}

/**
 * The current disposition of signal `signo` — `SIG_DFL` (0n), `SIG_IGN` (1n) or a handler's
 * address — read with `sigaction(signo, NULL, &old)`, which changes nothing. Throws
 * an `OsError`.
 */
export function signalDisposition(signo: number): bigint {
  const old = sigactionStruct(0n);
  check("sigaction", libc().sigaction(signo, null, old));
  return sigactionHandler(old);
}

/**
 * Sets signal `signo`'s disposition to `handler` (`SIG_DFL`/`SIG_IGN`; no flags, empty mask) and
 * returns the one it replaced. Throws an `OsError`.
 */
export function setSignalDisposition(signo: number, handler: bigint): bigint {
  const old = sigactionStruct(0n);
  check("sigaction", libc().sigaction(signo, sigactionStruct(handler), old));
  return sigactionHandler(old);
}
