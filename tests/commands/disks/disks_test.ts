/**
 * Tests of guest-get-disks (`src/commands/disks/disks.ts`) on fake trees, whose listing order is
 * exact, and on the fixture tree `disks_odd` for the filters.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type DiskInfo, isPartitionName, listDisks } from "../../../src/commands/disks/disks.ts";
import { QgaError } from "../../../src/schema/errors.ts";
import { LinuxDisks } from "../../../src/sys/disks/disks.ts";
import { FakeDisks, type FakeDisksOptions } from "../../helpers/fake_sys/disks.ts";
import { block, pciDevice, type Tree } from "./fake_tree.ts";
import { FIXTURES } from "./fixture_trees.ts";

const PCI = "/sys/devices/pci0000:00";
const VIRTUAL = "/sys/devices/virtual/block";
const VDA = `${PCI}/0000:00:02.0/virtio1/block/vda`;
const SDA = `${PCI}/0000:00:05.0/virtio2/host2/target2:0:0/2:0:0:1/block/sda`;

function vdaAddress(serial?: string) {
  return {
    "pci-controller": { domain: 0n, bus: 0n, slot: 2n, function: 0n },
    "bus-type": "virtio" as const,
    bus: 0n,
    target: 0n,
    unit: 0n,
    dev: "/dev/vda",
    ...(serial ? { serial } : {}),
  };
}

/** vda with two partitions, sda with one, dm-0 over vda2 and sda1. */
function machine(): Tree {
  return {
    ...pciDevice(`${PCI}/0000:00:02.0`, "virtio-pci"),
    ...block(VDA, 254, 0),
    ...block(`${VDA}/vda1`, 254, 1, { partition: true }),
    ...block(`${VDA}/vda2`, 254, 2, { partition: true }),
    ...pciDevice(`${PCI}/0000:00:05.0`, "virtio-pci"),
    [`${PCI}/0000:00:05.0/virtio2/host2/uevent`]: "",
    ...block(SDA, 8, 0),
    ...block(`${SDA}/sda1`, 8, 1, { partition: true }),
    ...block(`${VIRTUAL}/dm-0`, 253, 0, { slaves: [`${VDA}/vda2`, `${SDA}/sda1`] }),
    "/run/udev/data/b253:0": "E:DM_NAME=vg-root\n",
    "/run/udev/data/b254:0": "E:ID_SERIAL=QM1\n",
  };
}

function disks(tree: Tree, options: Omit<FakeDisksOptions, "tree"> = {}): DiskInfo[] {
  return listDisks(new FakeDisks({ tree, ...options }));
}

Deno.test("listDisks() prepends disks and partitions: the reply is /sys/block reversed", () => {
  assert.deepStrictEqual(disks(machine()), [
    {
      name: "/dev/dm-0",
      partition: false,
      alias: "vg-root",
      dependencies: ["/dev/sda1", "/dev/vda2"],
    },
    { name: "/dev/sda1", partition: true, dependencies: ["/dev/sda"] },
    {
      name: "/dev/sda",
      partition: false,
      dependencies: [],
      address: {
        ...vdaAddress(),
        "pci-controller": { ...vdaAddress()["pci-controller"], slot: 5n },
        "bus-type": "scsi",
        unit: 1n,
        dev: "/dev/sda",
      },
    },
    { name: "/dev/vda2", partition: true, dependencies: ["/dev/vda"] },
    { name: "/dev/vda1", partition: true, dependencies: ["/dev/vda"] },
    { name: "/dev/vda", partition: false, dependencies: [], address: vdaAddress("QM1") },
  ]);
});

Deno.test("listDisks() skips non-links, zero and unreadable sizes, and disks without a node", () => {
  const tree: Tree = {
    "/sys/block/notalink/size": "100\n",
    ...block(`${VIRTUAL}/loop0`, 7, 0, { size: "0\n" }),
    ...block(`${VIRTUAL}/loop1`, 7, 1, { size: "0" }),
    ...block(`${VIRTUAL}/loop4`, 7, 4, { size: "0\n\0junk" }),
    ...block(`${VIRTUAL}/loop2`, 7, 2),
    ...block(`${VIRTUAL}/loop3`, 7, 3),
    [`${VIRTUAL}/loop3/uevent`]: "MAJOR=7\nMINOR=3\n",
  };
  const got = disks(tree, { failures: { [`read /sys/block/loop2/size`]: "EIO" } });
  assert.deepStrictEqual(got, [{ name: "/dev/loop1", partition: false, dependencies: [] }]);
});

Deno.test("listDisks() leaves out dependencies without slaves/, and an empty DM_NAME", () => {
  const tree: Tree = {
    ...block(`${VIRTUAL}/dm-1`, 253, 1, { slaves: null }),
    "/run/udev/data/b253:1": "E:DM_NAME=\n",
  };
  assert.deepStrictEqual(disks(tree), [{ name: "/dev/dm-1", partition: false }]);
  assert.deepStrictEqual(
    disks(tree, { failures: { [`opendir /sys/block/dm-1/slaves`]: "EACCES" } }),
    [
      { name: "/dev/dm-1", partition: false },
    ],
  );
});

Deno.test("listDisks() drops the address when computing it fails", () => {
  const tree = machine();
  const hostDir = `${PCI}/0000:00:05.0/virtio2`;
  const got = disks(tree, { failures: { [`opendir ${hostDir}`]: "EACCES" } });
  const sda = got.find((d) => d.name === "/dev/sda")!;
  assert.equal(sda.address, undefined);
  assert.deepStrictEqual(sda.dependencies, []);
});

Deno.test('listDisks() fails with Can\'t open directory "/sys/block"', () => {
  assert.throws(
    () => disks({}, { failures: { "opendir /sys/block": "EACCES" } }),
    new QgaError('Can\'t open directory "/sys/block": Permission denied'),
  );
  assert.throws(
    () => disks({ "/sys/x": "" }),
    new QgaError('Can\'t open directory "/sys/block": No such file or directory'),
  );
});

Deno.test("isPartitionName() wants the disk's name, then a digit or p and a digit", () => {
  assert.equal(isPartitionName("vda", "vda1"), true);
  assert.equal(isPartitionName("nvme0n1", "nvme0n1p12"), true);
  assert.equal(isPartitionName("vda", "vdap2"), true);
  assert.equal(isPartitionName("vda", "vdax"), false);
  assert.equal(isPartitionName("vda", "vdap"), false);
  assert.equal(isPartitionName("vda", "vda"), false);
  assert.equal(isPartitionName("vda", "vdb1"), false);
});

Deno.test("listDisks() on disks_odd: partitions by name, type and node; kept zero size", () => {
  const list = listDisks(new LinuxDisks(FIXTURES + "disks_odd"));
  const names = list.map((d) => d.name);
  for (const name of ["/dev/vdf1", "/dev/vdfp2", "/dev/vdn"]) assert.ok(names.includes(name), name);
  for (const name of ["/dev/vdfx", "/dev/vdf3", "/dev/vdf4", "/dev/vdo", "/dev/vdp", "/dev/xda"]) {
    assert.ok(!names.includes(name), name);
  }
  assert.ok(!names.some((n) => n.includes("notalink")));
  const vdf = list.findIndex((d) => d.name === "/dev/vdf");
  for (const p of ["/dev/vdf1", "/dev/vdfp2"]) {
    const at = list.findIndex((d) => d.name === p);
    assert.ok(at < vdf, `${p} before its disk`);
    assert.deepStrictEqual(list[at], { name: p, partition: true, dependencies: ["/dev/vdf"] });
  }
  assert.deepStrictEqual(list.find((d) => d.name === "/dev/dm-1")!.dependencies, ["/dev/vdf"]);
  assert.equal(list.find((d) => d.name === "/dev/dm-1")!.alias, undefined);
  assert.equal(list.find((d) => d.name === "/dev/dm-2")!.alias, "from-uevent");
  assert.equal(list.find((d) => d.name === "/dev/vdq")!.dependencies, undefined);
});
