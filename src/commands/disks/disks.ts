/**
 * `guest-get-disks` (spec §2.16), as qemu-ga 7.2's `qmp_guest_get_disks()` built with libudev:
 *
 * - `/sys/block` is listed in `readdir()` order (`Can't open directory "/sys/block": <strerror>`
 *   when it cannot be opened); entries that are not symbolic links are skipped, and so are
 *   disks whose `size` cannot be read or reads exactly `"0\n"`, and disks without a udev device
 *   node;
 * - a disk: `name` = its udev device node, `partition` false, `alias` = udev `DM_NAME` when not
 *   empty; `address` only when it is not virtual (its resolved path lacks
 *   `/devices/virtual/block/`), computed like guest-get-fsinfo's (any error: no address);
 *   `dependencies` when `slaves/` can be opened: the device nodes of its entries, in reverse
 *   order (possibly `[]`);
 * - its partitions: the entries of the disk's directory whose `d_type` has the `DT_DIR` bit and
 *   whose name is the disk's followed by a digit, or by `p` and a digit; each with a device node
 *   gives `{name, partition: true, dependencies: [<disk's node>]}`;
 * - every disk and partition is **prepended** to the list, so the reply is reversed: the last
 *   disk's partitions (last first), then that disk, then the previous disk's, and so on.
 *
 * 7.2 also reports NVMe SMART data (`smart`, from an NVMe admin command); the schema here has
 * no `smart` member, so NVMe disks are listed without it.
 *
 * @module
 */

import { genericError, QgaError } from "../../schema/errors.ts";
import type { Named } from "../../schema/types.ts";
import type { Disks } from "../../sys/disks/disks.ts";
import { Dirent, DT_LNK } from "../../sys/structs.ts";
import { OsError } from "../../sys/os_error.ts";
import type { CommandLog, Handler } from "../context.ts";
import type { DiskAddress } from "./address.ts";
import { type DeviceInfo, isDiskVirtual, walkDevice } from "./device_walk.ts";
import { UdevDevice } from "./udev.ts";

/** One element of the reply. */
export type DiskInfo = Named<"GuestDiskInfo">;

const SYS_BLOCK = "/sys/block";

/** `get_device_for_syspath()`: the udev device node, or null. */
function deviceNode(disks: Disks, syspath: string): string | null {
  return UdevDevice.fromSyspath(disks, syspath)?.devnode() ?? null;
}

/** `get_alias_for_syspath()`: udev's `DM_NAME` when not empty. */
function alias(disks: Disks, syspath: string): string | null {
  const value = UdevDevice.fromSyspath(disks, syspath)?.property("DM_NAME") ?? null;
  return value === "" ? null : value;
}

/** `get_disk_address()`: the first address of the device walk, none on error. */
function diskAddress(disks: Disks, syspath: string, log?: CommandLog): DiskAddress | null {
  const info: DeviceInfo = { disks: [] };
  try {
    walkDevice(disks, syspath, info, log);
  } catch (e) {
    if (!(e instanceof QgaError)) throw e;
    log?.debug(`  failed to get device info, ignoring error: ${e.message}`);
    return null;
  }
  return info.disks[0] ?? null;
}

/** `get_disk_deps()`: the slaves' device nodes, reversed; undefined without `slaves/`. */
function dependencies(disks: Disks, diskDir: string): string[] | undefined {
  let listing;
  try {
    listing = disks.listDirectory(`${diskDir}/slaves`);
  } catch (e) {
    if (e instanceof OsError) return undefined;
    throw e;
  }
  const deps: string[] = [];
  for (const entry of listing.entries) {
    const node = deviceNode(disks, `${diskDir}/slaves/${entry.name}`);
    if (node !== null) deps.unshift(node);
  }
  return deps;
}

const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";

/** Whether a directory entry of a disk is one of its partitions (by name). */
export function isPartitionName(disk: string, entry: string): boolean {
  if (!entry.startsWith(disk)) return false;
  const next = entry[disk.length];
  return (next === "p" && isDigit(entry[disk.length + 1])) || isDigit(next);
}

/** `get_disk_partitions()`: prepends the disk's partitions to `list`. */
function prependPartitions(disks: Disks, list: DiskInfo[], name: string, node: string): void {
  const diskDir = `${SYS_BLOCK}/${name}`;
  let entries;
  try {
    ({ entries } = disks.listDirectory(diskDir));
  } catch (e) {
    if (e instanceof OsError) return;
    throw e;
  }
  for (const entry of entries) {
    if ((entry.type & Dirent.DT_DIR) === 0 || !isPartitionName(name, entry.name)) continue;
    const partition = deviceNode(disks, `${diskDir}/${entry.name}`);
    if (partition === null) continue;
    list.unshift({ name: partition, partition: true, dependencies: [node] });
  }
}

/** Whether a disk's `size` file is readable and not `"0\n"` (as a C string: up to a NUL). */
function hasSize(disks: Disks, name: string): boolean {
  try {
    const bytes = disks.readFile(`${SYS_BLOCK}/${name}/size`);
    const nul = bytes.indexOf(0);
    const size = nul < 0 ? bytes : bytes.subarray(0, nul);
    return !(size.length === 2 && size[0] === 0x30 && size[1] === 0x0a);
  } catch (e) {
    if (e instanceof OsError) return false;
    throw e;
  }
}

/**
 * Lists the disks and partitions as qemu-ga 7.2 does.
 *
 * @param disks The OS access.
 * @param log Receives qemu-ga's debug lines.
 * @returns The reply list.
 * @throws QgaError `Can't open directory "/sys/block": <strerror>`.
 */
export function listDisks(disks: Disks, log?: CommandLog): DiskInfo[] {
  let entries;
  try {
    ({ entries } = disks.listDirectory(SYS_BLOCK));
  } catch (e) {
    if (e instanceof OsError) {
      throw genericError(`Can't open directory "${SYS_BLOCK}": ${e.message}`);
    }
    throw e;
  }
  const list: DiskInfo[] = [];
  for (const entry of entries) {
    if (entry.type !== DT_LNK || !hasSize(disks, entry.name)) continue;
    const diskDir = `${SYS_BLOCK}/${entry.name}`;
    const node = deviceNode(disks, diskDir);
    if (node === null) continue;
    const disk: DiskInfo = { name: node, partition: false };
    const dmName = alias(disks, diskDir);
    if (dmName !== null) disk.alias = dmName;
    list.unshift(disk);
    let virtual: boolean;
    try {
      virtual = isDiskVirtual(disks, diskDir);
    } catch (e) {
      if (!(e instanceof QgaError)) throw e;
      log?.debug(`  failed to check disk path, ignoring error: ${e.message}`);
      virtual = true;
    }
    if (!virtual) {
      const address = diskAddress(disks, diskDir, log);
      if (address !== null) disk.address = address;
    }
    const deps = dependencies(disks, diskDir);
    if (deps !== undefined) disk.dependencies = deps;
    prependPartitions(disks, list, entry.name, node);
  }
  return list;
}

/** `guest-get-disks`. */
export const guestGetDisks: Handler<"guest-get-disks"> = (_args, ctx) =>
  listDisks(ctx.sys.disks, ctx.log);
