/**
 * The disk address of a real (non-virtual) block device, computed from its sysfs path exactly as
 * qemu-ga 7.2's `build_guest_fsinfo_for_real_device()` and its helpers do:
 *
 * - the address starts as `pci-controller` −1/−1/−1/−1, `bus-type` `unknown`, bus/target/unit
 *   0; `dev` is the udev device node and `serial` the udev property `ID_SERIAL` (when not empty);
 * - a path containing `/devices/pci`: the PCI address `%*x:%*x/%x:%x:%x.%x` after it, then down
 *   nested `/<domain>:<bus>:<slot>.<function>` components until the device whose `driver` link
 *   names `ata_piix`, `sym53c8xx`, `virtio-pci`, `ahci` or `nvme` (7.2 knows no USB); no such
 *   device → no bus information. The SCSI address comes from `/target%*u:%*u:%*u/%*u:%u:%u:%u`
 *   (channel, id, lun), the host from the first `/ata<N>` (else `/host<N>`), whose index among the
 *   sorted numbers of the first 8 `ata%d` (`host%d`) entries of its directory is the IDE bus
 *   (`ata_piix`, unit = SCSI id) or the SATA unit (`ahci`); `sym53c8xx` → `scsi`, unit = SCSI
 *   id; `virtio-pci` → `scsi` with unit = lun when there is a target (virtio-scsi), else
 *   `virtio`; `nvme` → `nvme`. The PCI address is stored before the driver's own checks, so a
 *   device failing them keeps it with bus type `unknown`.
 * - a path containing `/devices/css` (s390x): `ccw-address` from `%*x/%x.%x.%x/%*x.%*x.%x/`,
 *   plus the virtio information below when the path has `/virtio` after `/devices/css`;
 * - another path containing `/virtio` and `/block`: virtio-scsi (bus, target, unit from the
 *   target path) or virtio-blk.
 * The address is kept when bus information was found or `dev`/`serial` is known.
 *
 * @module
 */

import { genericError } from "../../schema/errors.ts";
import type { Named } from "../../schema/types.ts";
import type { Disks } from "../../sys/disks/disks.ts";
import { OsError } from "../../sys/os_error.ts";
import { scanf } from "./scanf.ts";
import { UdevDevice } from "./udev.ts";

/** A disk address of the reply. */
export type DiskAddress = Named<"GuestDiskAddress">;

/** The PCI drivers 7.2's walk stops at. */
export const PCI_DRIVERS: readonly string[] = [
  "ata_piix",
  "sym53c8xx",
  "virtio-pci",
  "ahci",
  "nvme",
];

/** `ARRAY_SIZE(hosts)` of `build_guest_fsinfo_for_pci_dev()`. */
const MAX_HOSTS = 8;

/** GLib's `g_path_get_basename()`. */
export function pathBasename(path: string): string {
  if (path === "") return ".";
  const trimmed = path.replace(/\/+$/, "");
  if (trimmed === "") return "/";
  return trimmed.slice(trimmed.lastIndexOf("/") + 1);
}

/** `get_pci_driver()`: the basename of `<device>/driver`'s target, or null. */
function pciDriver(disks: Disks, device: string): string | null {
  try {
    return pathBasename(disks.readlink(`${device}/driver`));
  } catch (e) {
    if (e instanceof OsError) return null;
    throw e;
  }
}

/**
 * `build_hosts()`: the sorted numbers of the first 8 entries `ata%d` (or `host%d`) of `dir`.
 *
 * @throws QgaError `opendir("<dir>"): <strerror>`.
 */
function buildHosts(disks: Disks, dir: string, ata: boolean): bigint[] {
  let entries;
  try {
    ({ entries } = disks.listDirectory(dir));
  } catch (e) {
    if (e instanceof OsError) throw genericError(`opendir("${dir}"): ${e.message}`);
    throw e;
  }
  const hosts: bigint[] = [];
  for (const entry of entries) {
    if (hosts.length >= MAX_HOSTS) break;
    const { count, values } = scanf(entry.name, ata ? "ata%d" : "host%d");
    if (count === 1) hosts.push(BigInt.asUintN(32, values[0] as bigint));
  }
  return hosts.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The SCSI `channel:id:lun` of a path with `/target…`, or null. */
function scsiTarget(syspath: string): bigint[] | null {
  const at = syspath.indexOf("/target");
  if (at < 0) return null;
  const { count, values } = scanf(syspath.slice(at + 7), "%*u:%*u:%*u/%*u:%u:%u:%u");
  return count === 3 ? (values as bigint[]) : null;
}

/**
 * `build_guest_fsinfo_for_pci_dev()`.
 *
 * @returns Whether bus information was stored.
 * @throws QgaError when the host directory cannot be listed.
 */
function pciDevice(disks: Disks, syspath: string, disk: DiskAddress): boolean {
  const start = syspath.indexOf("/devices/pci");
  if (start < 0) return false;
  const head = scanf(syspath.slice(start + 12), "%*x:%*x/%x:%x:%x.%x%n");
  if (head.count < 4) return false;
  let pci = head.values.slice(0, 4) as bigint[];
  let p = start + 12 + Number(head.values[4]);
  let driver: string | null;
  for (;;) {
    driver = pciDriver(disks, syspath.slice(0, p));
    if (driver !== null && PCI_DRIVERS.includes(driver)) break;
    const next = scanf(syspath.slice(p), "/%x:%x:%x.%x%n");
    if (next.count !== 4) return false;
    pci = next.values.slice(0, 4) as bigint[];
    p += Number(next.values[4]);
  }
  const tgt = scsiTarget(syspath);
  let hostAt = syspath.indexOf("/ata");
  const ata = hostAt >= 0;
  if (!ata) hostAt = syspath.indexOf("/host");
  let host: bigint | undefined;
  let hosts: bigint[] = [];
  if (hostAt >= 0) {
    const scanned = scanf(syspath.slice(hostAt + (ata ? 4 : 5)), "%u");
    if (scanned.count === 1) {
      host = scanned.values[0] as bigint;
      hosts = buildHosts(disks, syspath.slice(0, hostAt), ata);
    }
  }
  disk["pci-controller"] = { domain: pci[0]!, bus: pci[1]!, slot: pci[2]!, function: pci[3]! };
  const index = host === undefined ? -1 : hosts.indexOf(host);
  switch (driver) {
    case "ata_piix": // a host per IDE bus, target*:0:<unit>:0
      if (tgt === null || index < 0) return false;
      disk["bus-type"] = "ide";
      disk.bus = BigInt(index);
      disk.unit = tgt[1]!;
      return true;
    case "sym53c8xx": // scsi (LSI Logic): target*:0:<unit>:0
      if (tgt === null) return false;
      disk["bus-type"] = "scsi";
      disk.unit = tgt[1]!;
      return true;
    case "virtio-pci": // virtio-scsi: target*:0:0:<unit>; virtio-blk: a disk per device
      disk["bus-type"] = tgt === null ? "virtio" : "scsi";
      if (tgt !== null) disk.unit = tgt[2]!;
      return true;
    case "ahci": // a host per unit
      if (tgt === null || index < 0) return false;
      disk["bus-type"] = "sata";
      disk.unit = BigInt(index);
      return true;
    default: // nvme
      disk["bus-type"] = "nvme";
      return true;
  }
}

/** `build_guest_fsinfo_for_nonpci_virtio()`: virtio-scsi or virtio-blk off PCI. */
function nonPciVirtio(syspath: string, disk: DiskAddress): boolean {
  if (!syspath.includes("/virtio") || !syspath.includes("/block")) return false;
  const tgt = scsiTarget(syspath);
  if (tgt === null) {
    disk["bus-type"] = "virtio";
    return true;
  }
  disk["bus-type"] = "scsi";
  disk.bus = tgt[0]!;
  disk.target = tgt[1]!;
  disk.unit = tgt[2]!;
  return true;
}

/** `build_guest_fsinfo_for_ccw_dev()`: the s390x channel address, and virtio information. */
function ccwDevice(syspath: string, disk: DiskAddress): boolean {
  const start = syspath.indexOf("/devices/css");
  if (start < 0) return false;
  const { count, values } = scanf(syspath.slice(start + 12), "%*x/%x.%x.%x/%*x.%*x.%x/");
  if (count < 4) return false;
  const [cssid, ssid, subchno, devno] = values as bigint[];
  disk["ccw-address"] = { cssid: cssid!, ssid: ssid!, subchno: subchno!, devno: devno! };
  if (syspath.slice(start).includes("/virtio")) nonPciVirtio(syspath, disk);
  return true;
}

/**
 * The address of a real block device (`build_guest_fsinfo_for_real_device()`).
 *
 * @param disks The OS access.
 * @param syspath The device's resolved sysfs path.
 * @returns The address, or null when nothing is known about the device.
 * @throws QgaError `opendir("<dir>"): <strerror>` when a host directory cannot be listed.
 */
export function realDeviceAddress(disks: Disks, syspath: string): DiskAddress | null {
  const disk: DiskAddress = {
    "pci-controller": { domain: -1n, bus: -1n, slot: -1n, function: -1n },
    "bus-type": "unknown",
    bus: 0n,
    target: 0n,
    unit: 0n,
  };
  const device = UdevDevice.fromSyspath(disks, syspath);
  if (device !== null) {
    const dev = device.devnode();
    if (dev !== null) disk.dev = dev;
    const serial = device.property("ID_SERIAL");
    if (serial !== null && serial !== "") disk.serial = serial;
  }
  let found: boolean;
  if (syspath.includes("/devices/pci")) found = pciDevice(disks, syspath, disk);
  else if (syspath.includes("/devices/css")) found = ccwDevice(syspath, disk);
  else if (syspath.includes("/virtio")) found = nonPciVirtio(syspath, disk);
  else found = false;
  return found || disk.dev !== undefined || disk.serial !== undefined ? disk : null;
}
