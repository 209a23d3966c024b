/**
 * The passwd database through glibc's `getpwnam_r` (NSS: `/etc/passwd`, LDAP, systemd-userdb…),
 * looked up the way GLib's `g_unix_get_passwd_entry()` does for qemu-ga 7.2: a string buffer of
 * `sysconf(_SC_GETPW_R_SIZE_MAX)` bytes (glibc: 1024), doubled after each `ERANGE` while it is at
 * most 32 KiB, and the failure reported with the errno read right after the call — which glibc
 * sets to 0 for a name that does not exist (so qemu-ga says `Success`).
 *
 * @module
 */

import { cString, errno, libc } from "./libc.ts";
import { Errno } from "./errno.ts";
import { OsError } from "./os_error.ts";
import { Passwd } from "./structs.ts";

/** The fields of a passwd entry the agent uses. */
export interface PasswdEntry {
  /** `pw_uid`. */
  readonly uid: number;
  /** `pw_gid`. */
  readonly gid: number;
  /** `pw_dir`, the home directory, as raw bytes (it need not be UTF-8). */
  readonly home: Uint8Array;
}

/** GLib stops doubling the string buffer once it is larger than this. */
const GROWTH_LIMIT = 32 * 1024;

/**
 * Looks `name` up in the passwd database.
 *
 * @param name The user name as the bytes qemu-ga passes (modified UTF-8 of the wire string).
 * @param initialSize The first string buffer size (tests pass a tiny one to force `ERANGE`).
 * @returns The entry.
 * @throws OsError with the errno GLib reports: 0 (`Success`) when the user does not exist,
 *   `ERANGE` when even a buffer above 32 KiB is too small, or the NSS failure.
 */
export function lookupPasswd(
  name: Uint8Array,
  initialSize: number = Passwd.NSS_BUFLEN_PASSWD,
): PasswdEntry {
  const cName = cString(name);
  let size = initialSize;
  while (true) {
    const pwd = new Uint8Array(Passwd.SIZE);
    // An ArrayBuffer's store lives outside the V8 heap and never moves (a small
    // `new Uint8Array(n)` may live on the heap): glibc's pointers into it stay comparable.
    const strings = new Uint8Array(new ArrayBuffer(size));
    const result = new BigUint64Array(1);
    libc().getpwnam_r(cName, pwd, strings, BigInt(size), new Uint8Array(result.buffer));
    const errsv = errno();
    if (result[0] !== 0n) return readEntry(pwd, strings);
    if (errsv === Errno.ERANGE && size <= GROWTH_LIMIT) {
      size *= 2;
      continue;
    }
    throw new OsError(errsv, "getpwnam_r");
  }
}

/** Reads the entry from `pwd`, whose string pointers point into `strings`. */
function readEntry(pwd: Uint8Array, strings: Uint8Array): PasswdEntry {
  const view = new DataView(pwd.buffer, pwd.byteOffset, pwd.byteLength);
  return {
    uid: view.getUint32(Passwd.UID, true),
    gid: view.getUint32(Passwd.GID, true),
    home: stringAt(view.getBigUint64(Passwd.DIR, true), strings),
  };
}

/**
 * The NUL-terminated string at `address`, which glibc placed inside `strings` (the buffer we
 * passed); read as an offset into that buffer, so no raw pointer is dereferenced.
 */
function stringAt(address: bigint, strings: Uint8Array): Uint8Array {
  if (address === 0n) return new Uint8Array(0);
  // SAFETY: only the address of our own buffer is taken (to turn glibc's pointer into an
  // offset); the bytes are then read from the JS array with bounds checks.
  const base = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(strings)));
  const offset = Number(address - base);
  if (!(offset >= 0 && offset < strings.length)) {
    throw new Error("getpwnam_r returned a string outside its buffer");
  }
  const end = strings.indexOf(0, offset);
  return strings.slice(offset, end < 0 ? strings.length : end);
}
