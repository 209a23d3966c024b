/**
 * Tests of `realDeviceAddress()` (`src/commands/disks/address.ts`), every branch of qemu-ga
 * 7.2's address computation: on the fixture trees `disks_typical` and `disks_odd` (through the
 * real FFI reader) and on fake trees where listing order or a failure matters.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type DiskAddress, realDeviceAddress } from "../../../src/commands/disks/address.ts";
import { QgaError } from "../../../src/schema/errors.ts";
import { LinuxDisks } from "../../../src/sys/disks/disks.ts";
import { FakeDisks } from "../../helpers/fake_sys/disks.ts";
import { block, pciDevice, type Tree } from "./fake_tree.ts";
import { FIXTURES } from "./fixture_trees.ts";

const PCI = "/sys/devices/pci0000:00";
const typical = new LinuxDisks(FIXTURES + "disks_typical");
const odd = new LinuxDisks(FIXTURES + "disks_odd");

/** An address with the defaults qemu-ga starts from. */
function address(patch: Partial<DiskAddress>): DiskAddress {
  return {
    "pci-controller": { domain: -1n, bus: -1n, slot: -1n, function: -1n },
    "bus-type": "unknown",
    bus: 0n,
    target: 0n,
    unit: 0n,
    ...patch,
  };
}

const pci = (slot: bigint, fn = 0n, bus = 0n) => ({ domain: 0n, bus, slot, function: fn });

Deno.test("realDeviceAddress() gives virtio-blk its PCI function, node and udev serial", () => {
  assert.deepStrictEqual(
    realDeviceAddress(typical, `${PCI}/0000:00:02.0/virtio1/block/vda`),
    address({
      "pci-controller": pci(2n),
      "bus-type": "virtio",
      dev: "/dev/vda",
      serial: "QM00001",
    }),
  );
});

Deno.test("realDeviceAddress() gives virtio-scsi bus type scsi and the LUN as unit", () => {
  const sda = `${PCI}/0000:00:05.0/virtio2/host2/target2:0:3/2:0:3:1/block/sda`;
  assert.deepStrictEqual(
    realDeviceAddress(typical, sda),
    address({
      "pci-controller": pci(5n),
      "bus-type": "scsi",
      unit: 1n,
      dev: "/dev/sda",
      serial: "0QEMU_QEMU_HARDDISK_drive-scsi0-0-3-1",
    }),
  );
});

Deno.test("realDeviceAddress() numbers AHCI ports and PIIX channels among their siblings", () => {
  const sdb = `${PCI}/0000:00:1f.2/ata3/host4/target4:0:0/4:0:0:0/block/sdb`;
  assert.deepStrictEqual(
    realDeviceAddress(typical, sdb),
    address({
      "pci-controller": pci(31n, 2n),
      "bus-type": "sata",
      unit: 2n,
      dev: "/dev/sdb",
      serial: "QEMU_HARDDISK_QM00005",
    }),
  );
  const sdc = `${PCI}/0000:00:01.1/ata2/host1/target1:0:1/1:0:1:0/block/sdc`;
  assert.deepStrictEqual(
    realDeviceAddress(typical, sdc),
    address({
      "pci-controller": pci(1n, 1n),
      "bus-type": "ide",
      bus: 1n,
      unit: 1n,
      dev: "/dev/sdc",
    }),
  );
});

Deno.test("realDeviceAddress() reads sym53c8xx's SCSI id, NVMe, and a device behind a bridge", () => {
  const sdd = `${PCI}/0000:00:06.0/host5/target5:0:4/5:0:4:0/block/sdd`;
  assert.deepStrictEqual(
    realDeviceAddress(typical, sdd),
    address({ "pci-controller": pci(6n), "bus-type": "scsi", unit: 4n, dev: "/dev/sdd" }),
  );
  const nvme = `${PCI}/0000:00:04.0/nvme/nvme0/nvme0n1/nvme0n1p1`;
  assert.deepStrictEqual(
    realDeviceAddress(typical, nvme),
    address({ "pci-controller": pci(4n), "bus-type": "nvme", dev: "/dev/nvme0n1p1" }),
  );
  const vdb = `${PCI}/0000:00:1c.0/0000:01:00.0/virtio3/block/vdb`;
  assert.deepStrictEqual(
    realDeviceAddress(typical, vdb),
    address({ "pci-controller": pci(0n, 0n, 1n), "bus-type": "virtio", dev: "/dev/vdb" }),
  );
});

Deno.test("realDeviceAddress() knows no USB (7.2): only the node and serial", () => {
  const sde = `${PCI}/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block/sde`;
  assert.deepStrictEqual(
    realDeviceAddress(typical, sde),
    address({ dev: "/dev/sde", serial: "QEMU_QEMU_HARDDISK_1-0000:00:14.0-1-0:0" }),
  );
});

Deno.test("realDeviceAddress() off PCI: virtio-mmio, CCW virtio and a CCW DASD", () => {
  const vdc = "/sys/devices/platform/a003e00.virtio_mmio/virtio0/block/vdc";
  assert.deepStrictEqual(
    realDeviceAddress(typical, vdc),
    address({ "bus-type": "virtio", dev: "/dev/vdc" }),
  );
  assert.deepStrictEqual(
    realDeviceAddress(odd, "/sys/devices/css0/0.0.0002/0.0.0004/virtio1/block/vdd"),
    address({
      "bus-type": "virtio",
      dev: "/dev/vdd",
      "ccw-address": { cssid: 0n, ssid: 0n, subchno: 2n, devno: 4n },
    }),
  );
  assert.deepStrictEqual(
    realDeviceAddress(odd, "/sys/devices/css0/0.0.0005/0.0.0100/block/dasda"),
    address({
      dev: "/dev/dasda",
      "ccw-address": { cssid: 0n, ssid: 0n, subchno: 5n, devno: 256n },
    }),
  );
});

Deno.test("realDeviceAddress() keeps the PCI address when the driver's own checks fail", () => {
  assert.deepStrictEqual(
    realDeviceAddress(odd, `${PCI}/0000:00:01.1/ata1/host0/block/sdh`),
    address({ "pci-controller": pci(1n, 1n), dev: "/dev/sdh" }),
  );
});

Deno.test("realDeviceAddress() without a known driver or any udev data", () => {
  const sdf = `${PCI}/0000:00:07.0/host7/target7:2:0/7:2:0:0/block/sdf`;
  assert.deepStrictEqual(realDeviceAddress(odd, sdf), address({ dev: "/dev/sdf" }));
  const vde = `${PCI}/0000:00:08.0/virtio4/block/vde`;
  assert.deepStrictEqual(realDeviceAddress(odd, vde), address({ dev: "/dev/vde" }));
  assert.equal(realDeviceAddress(odd, "/sys/devices/platform/foo/block/xda"), null);
});

/** An AHCI controller whose ports are listed in `order`, with disks on ports 12 and 5. */
function ahci(order: readonly number[]): FakeDisks {
  const dir = `${PCI}/0000:00:1f.2`;
  const tree: Tree = { ...pciDevice(dir, "ahci") };
  for (const n of order) tree[`${dir}/ata${n}/uevent`] = "";
  Object.assign(tree, block(`${dir}/ata12/host11/target11:0:0/11:0:0:0/block/sdl`, 8, 176));
  Object.assign(tree, block(`${dir}/ata5/host4/target4:0:0/4:0:0:0/block/sde`, 8, 64));
  return new FakeDisks({ tree });
}

Deno.test("realDeviceAddress() numbers only the first 8 ports readdir() returns, sorted", () => {
  const disks = ahci([12, 11, 10, 9, 1, 2, 3, 4, 5, 6, 7, 8]);
  const dir = `${PCI}/0000:00:1f.2`;
  assert.deepStrictEqual(
    realDeviceAddress(disks, `${dir}/ata12/host11/target11:0:0/11:0:0:0/block/sdl`),
    address({ "pci-controller": pci(31n, 2n), "bus-type": "sata", unit: 7n, dev: "/dev/sdl" }),
  );
  assert.deepStrictEqual(
    realDeviceAddress(disks, `${dir}/ata5/host4/target4:0:0/4:0:0:0/block/sde`),
    address({ "pci-controller": pci(31n, 2n), dev: "/dev/sde" }),
  );
});

Deno.test('realDeviceAddress() fails with opendir("<dir>") when the host directory cannot be listed', () => {
  const dir = `${PCI}/0000:00:1f.2`;
  const tree: Tree = { ...pciDevice(dir, "ahci") };
  Object.assign(tree, block(`${dir}/ata1/host0/target0:0:0/0:0:0:0/block/sda`, 8, 0));
  const disks = new FakeDisks({ tree, failures: { [`opendir ${dir}`]: "EACCES" } });
  assert.throws(
    () => realDeviceAddress(disks, `${dir}/ata1/host0/target0:0:0/0:0:0:0/block/sda`),
    new QgaError(`opendir("${dir}"): Permission denied`),
  );
});

Deno.test("realDeviceAddress() stops the PCI walk at the first device of a known driver", () => {
  const outer = `${PCI}/0000:00:03.0`;
  const tree: Tree = {
    ...pciDevice(outer, "virtio-pci"),
    ...pciDevice(`${outer}/0000:05:00.0`, "nvme"),
  };
  Object.assign(tree, block(`${outer}/0000:05:00.0/nvme/nvme1/nvme1n1`, 259, 2));
  const got = realDeviceAddress(
    new FakeDisks({ tree }),
    `${outer}/0000:05:00.0/nvme/nvme1/nvme1n1`,
  );
  assert.deepStrictEqual(
    got,
    address({ "pci-controller": pci(3n), "bus-type": "virtio", dev: "/dev/nvme1n1" }),
  );
});
