/**
 * The filesystem walks behind guest-fsfreeze-freeze(-list) and guest-fsfreeze-thaw, as
 * qemu-ga's `qmp_guest_fsfreeze_do_freeze_list()` and `qmp_guest_fsfreeze_do_thaw()`:
 *
 * - freeze walks the mount list in **reverse**, optionally only mount points named in the
 *   request; `open` failure → `failed to open <mp>: <strerror>`; FIFREEZE errors EOPNOTSUPP and
 *   EBUSY (already frozen through a bind mount) are skipped and not counted, any other →
 *   `failed to freeze <mp>: <strerror>`. The caller thaws on error.
 * - thaw walks the list in order, skips mount points it cannot open, and issues FITHAW until it
 *   fails (nested freezes need several); a mount counts once if any FITHAW succeeded.
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import { Errno } from "../../sys/errno.ts";
import {
  FIFREEZE,
  type Filesystems,
  FITHAW,
  type MountTables,
} from "../../sys/filesystems/filesystems.ts";
import { buildMountList, type FsMount, MTAB_OPEN_ERROR } from "../../sys/filesystems/mountinfo.ts";
import { OsError } from "../../sys/os_error.ts";

/** Safety bound on FITHAWs per mount (upstream loops until failure; the kernel needs ≤ 2). */
export const MAX_THAWS_PER_MOUNT = 1024;

const encoder = new TextEncoder();

/**
 * Builds the mount list from the OS.
 *
 * @param ops Mount table access.
 * @param audit Receives audit lines (failed `stat`s of btrfs / mtab sources).
 * @returns The list.
 * @throws QgaError `failed to open mtab file: '/proc/self/mounts'` when no table can be read.
 */
export function mountList(ops: MountTables, audit?: (message: string) => void): FsMount[] {
  const list = buildMountList(
    ops.readMountinfo(),
    () => ops.readProcMounts(),
    (path) => ops.statDevice(path),
    audit,
  );
  if (list === null) throw new QgaError(MTAB_OPEN_ERROR);
  return list;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Freezes the mounts (reverse order); see the module documentation.
 *
 * @param ops The system calls.
 * @param mounts The mount list.
 * @param mountpoints Only these mount points (exact string match), when given.
 * @returns The number of filesystems frozen.
 * @throws QgaError on the first open failure or unexpected FIFREEZE error.
 */
export function freezeMounts(
  ops: Filesystems,
  mounts: readonly FsMount[],
  mountpoints?: readonly string[],
): bigint {
  const wanted = mountpoints?.map((m) => encoder.encode(m));
  let count = 0n;
  for (let i = mounts.length - 1; i >= 0; i--) {
    const mount = mounts[i]!;
    if (wanted && !wanted.some((w) => sameBytes(w, mount.path))) continue;
    let fd: number;
    try {
      fd = ops.openReadOnly(mount.path);
    } catch (e) {
      if (!(e instanceof OsError)) throw e;
      throw new QgaError(`failed to open ${mount.dirname}: ${e.message}`);
    }
    try {
      ops.ioctl(fd, FIFREEZE);
      count++;
    } catch (e) {
      if (!(e instanceof OsError)) throw e;
      if (e.errno !== Errno.EOPNOTSUPP && e.errno !== Errno.EBUSY) {
        throw new QgaError(`failed to freeze ${mount.dirname}: ${e.message}`);
      }
    } finally {
      ops.close(fd);
    }
  }
  return count;
}

/**
 * Thaws every mount (list order); see the module documentation.
 *
 * @param ops The system calls.
 * @param mounts The mount list.
 * @returns The number of filesystems thawed by at least one FITHAW.
 */
export function thawMounts(ops: Filesystems, mounts: readonly FsMount[]): bigint {
  let count = 0n;
  for (const mount of mounts) {
    let fd: number;
    try {
      fd = ops.openReadOnly(mount.path);
    } catch (e) {
      if (!(e instanceof OsError)) throw e;
      continue;
    }
    try {
      for (let n = 0; n < MAX_THAWS_PER_MOUNT; n++) {
        try {
          ops.ioctl(fd, FITHAW);
        } catch (e) {
          if (!(e instanceof OsError)) throw e;
          break;
        }
        if (n === 0) count++;
      }
    } finally {
      ops.close(fd);
    }
  }
  return count;
}
