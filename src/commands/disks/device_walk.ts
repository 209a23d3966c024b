/**
 * qemu-ga 7.2's `build_guest_fsinfo_for_device()`: from a sysfs device path (such as
 * `/sys/dev/block/8:1` or a `slaves/` entry) to the filesystem's device name and the disk
 * addresses behind it — shared by guest-get-fsinfo and guest-get-disks.
 *
 * - `realpath(path)`: `ENOENT` (a container without the device) ends the walk, and the name
 *   becomes the path's own basename (`8:1`) if none was set; any other error is
 *   `realpath("<path>"): <strerror>`.
 * - The name, when not yet set, is the resolved path's basename (`sda1`, `dm-0`).
 * - A resolved path containing `/devices/virtual/block/` (device mapper, md, loop) is virtual:
 *   its `slaves/` directory is listed (missing: nothing; other `opendir` errors:
 *   `opendir("<dir>"): <strerror>`), and every entry that is a symbolic link is walked the
 *   same way, recursively; a failing `readdir` gives `readdir("<dir>"): <strerror>`.
 * - Any other device is real: its address (`./address.ts`) is **prepended** to the list.
 *
 * The first error ends the walk (qemu-ga then fails the whole command, or ignores the address).
 *
 * @module
 */

import { genericError } from "../../schema/errors.ts";
import type { Disks } from "../../sys/disks/disks.ts";
import { Errno } from "../../sys/errno.ts";
import { OsError } from "../../sys/os_error.ts";
import { DT_LNK } from "../../sys/structs.ts";
import type { CommandLog } from "../context.ts";
import { type DiskAddress, pathBasename, realDeviceAddress } from "./address.ts";

/** What the walk collects for one filesystem. */
export interface DeviceInfo {
  /** The filesystem's device name, set by the first device walked. */
  name?: string;
  /** The disk addresses, most recently found first (qemu-ga prepends). */
  readonly disks: DiskAddress[];
}

/** Where sysfs puts virtual block devices. */
const VIRTUAL_BLOCK = "/devices/virtual/block/";

/** `realpath()` with qemu-ga's error text. */
function resolve(disks: Disks, path: string): string {
  try {
    return disks.realpath(path);
  } catch (e) {
    if (e instanceof OsError) throw genericError(`realpath("${path}"): ${e.message}`);
    throw e;
  }
}

/**
 * `is_disk_virtual()`: whether the device's resolved path is under `/devices/virtual/block/`.
 *
 * @throws QgaError `realpath("<path>"): <strerror>`.
 */
export function isDiskVirtual(disks: Disks, path: string): boolean {
  return resolve(disks, path).includes(VIRTUAL_BLOCK);
}

/** Walks the `slaves/` of a virtual device (`build_guest_fsinfo_for_virtual_device()`). */
function walkSlaves(disks: Disks, syspath: string, info: DeviceInfo, log?: CommandLog): void {
  const dir = `${syspath}/slaves`;
  let listing;
  try {
    listing = disks.listDirectory(dir);
  } catch (e) {
    if (!(e instanceof OsError)) throw e;
    if (e.errno === Errno.ENOENT) return;
    throw genericError(`opendir("${dir}"): ${e.message}`);
  }
  for (const entry of listing.entries) {
    if (entry.type !== DT_LNK) continue;
    log?.debug(` slave device '${entry.name}'`);
    walkDevice(disks, `${syspath}/slaves/${entry.name}`, info, log);
  }
  if (listing.readError) throw genericError(`readdir("${dir}"): ${listing.readError.message}`);
}

/**
 * Walks one device path into `info` (see the module documentation).
 *
 * @param disks The OS access.
 * @param path The device's sysfs path.
 * @param info Receives the name and the addresses.
 * @param log Receives qemu-ga's debug lines.
 * @throws QgaError with qemu-ga's text on the first failure.
 */
export function walkDevice(disks: Disks, path: string, info: DeviceInfo, log?: CommandLog): void {
  let syspath: string;
  try {
    syspath = disks.realpath(path);
  } catch (e) {
    if (!(e instanceof OsError)) throw e;
    if (e.errno !== Errno.ENOENT) throw genericError(`realpath("${path}"): ${e.message}`);
    info.name ??= pathBasename(path);
    return;
  }
  info.name ??= pathBasename(syspath);
  log?.debug(`  parse sysfs path '${syspath}'`);
  if (isDiskVirtual(disks, syspath)) {
    walkSlaves(disks, syspath, info, log);
    return;
  }
  const address = realDeviceAddress(disks, syspath);
  if (address !== null) info.disks.unshift(address);
}
