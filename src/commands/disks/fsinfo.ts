/**
 * `guest-get-fsinfo` (spec §2.17), as qemu-ga 7.2's `qmp_guest_get_fsinfo()`: one entry per
 * mount of the mount list that guest-fsfreeze-* walk (`mountList()`, same errors and audit
 * lines), **prepended**, so the reply lists the mounts in reverse order. For each mount:
 *
 * - `mountpoint` and `type` from the mount list;
 * - `name` and `disk` from walking `/sys/dev/block/<major>:<minor>` (`./device_walk.ts`);
 * - `used-bytes` = (f_blocks − f_bfree) × f_frsize and `total-bytes` = (used blocks + f_bavail)
 *   × f_frsize from `statvfs(mountpoint)`, in 64-bit unsigned arithmetic as qemu-ga's
 *   `unsigned long`s; both left out when `statvfs` fails. 7.2 has no `total-bytes-privileged`.
 *
 * The first error of a walk fails the whole command with its text.
 *
 * @module
 */

import type { Named } from "../../schema/types.ts";
import type { Disks, StatvfsFields } from "../../sys/disks/disks.ts";
import type { FsMount } from "../../sys/filesystems/mountinfo.ts";
import { OsError } from "../../sys/os_error.ts";
import type { Sys } from "../../sys/sys.ts";
import type { CommandLog, Handler } from "../context.ts";
import { mountList } from "../freeze/fs_walk.ts";
import { type DeviceInfo, walkDevice } from "./device_walk.ts";

/** One element of the reply. */
export type FilesystemInfo = Named<"GuestFilesystemInfo">;

const U64 = 64;

/** `used-bytes` and `total-bytes` of a `statvfs` result, wrapping as `unsigned long` does. */
export function filesystemSizes(st: StatvfsFields): { used: bigint; total: bigint } {
  const used = BigInt.asUintN(U64, st.blocks - st.bfree);
  const nonrootTotal = BigInt.asUintN(U64, used + st.bavail);
  return {
    used: BigInt.asUintN(U64, used * st.frsize),
    total: BigInt.asUintN(U64, nonrootTotal * st.frsize),
  };
}

/**
 * The entry of one mount (`build_guest_fsinfo()`).
 *
 * @throws QgaError when the device walk fails.
 */
export function filesystemInfo(disks: Disks, mount: FsMount, log?: CommandLog): FilesystemInfo {
  const info: DeviceInfo = { disks: [] };
  walkDevice(disks, `/sys/dev/block/${mount.devmajor}:${mount.devminor}`, info, log);
  const fs: FilesystemInfo = {
    name: info.name!,
    mountpoint: mount.dirname,
    type: mount.devtype,
    disk: info.disks,
  };
  let st: StatvfsFields;
  try {
    st = disks.statvfs(mount.path);
  } catch (e) {
    if (e instanceof OsError) return fs;
    throw e;
  }
  const { used, total } = filesystemSizes(st);
  fs["used-bytes"] = used;
  fs["total-bytes"] = total;
  return fs;
}

/**
 * Lists the mounted filesystems as qemu-ga 7.2 does.
 *
 * @param sys The mount tables and the disks domain.
 * @param log Audit lines of the mount list, and debug lines.
 * @returns The reply list.
 * @throws QgaError with qemu-ga's text on the first failure.
 */
export function listFilesystems(
  sys: Pick<Sys, "filesystems" | "disks">,
  log?: CommandLog,
): FilesystemInfo[] {
  const mounts = mountList(sys.filesystems, (m) => log?.audit(m));
  const list: FilesystemInfo[] = [];
  for (const mount of mounts) {
    log?.debug(`Building guest fsinfo for '${mount.dirname}'`);
    list.unshift(filesystemInfo(sys.disks, mount, log));
  }
  return list;
}

/** `guest-get-fsinfo`. */
export const guestGetFsinfo: Handler<"guest-get-fsinfo"> = (_args, ctx) =>
  listFilesystems(ctx.sys, ctx.log);
