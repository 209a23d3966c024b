/**
 * The sysfs fixture trees of guest-get-fsinfo and guest-get-disks
 * (`tests/fixtures/sys/disks_*`), as code: `deno run -A tests/commands/disks/fixture_trees.ts`
 * rewrites them. Each tree has `sys/` (devices, `/sys/block`, `/sys/dev/block`), `run/udev/data`
 * and `proc/self/mountinfo`; `oracle_diff_test.ts` bind-mounts them over the real paths for
 * qemu-ga 7.2, so every branch is compared byte for byte. What each tree exercises is in
 * `tests/fixtures/sys/README.md`.
 *
 * @module
 */

import { TreeBuilder } from "./tree_builder.ts";

const PCI = "/sys/devices/pci0000:00";
const VIRTUAL = "/sys/devices/virtual/block";

/** A VM with one disk of every kind 7.2 recognises, plus USB, device mapper, md and loop. */
function typical(t: TreeBuilder): void {
  t.device(`${PCI}/0000:00:02.0`, "virtio-pci");
  const vda = `${PCI}/0000:00:02.0/virtio1/block/vda`;
  t.block({ path: vda, devnum: [254, 0] });
  t.block({ path: `${vda}/vda1`, devnum: [254, 1], partition: true });
  t.block({ path: `${vda}/vda2`, devnum: [254, 2], partition: true });
  t.udev("b254:0", ["S:disk/by-id/virtio-QM00001", "E:ID_SERIAL=QM00001", "G:systemd", "V:1"]);
  t.udev("b254:1", ["E:ID_SERIAL=QM00001", "E:ID_PART_ENTRY_NUMBER=1"]);
  // virtio-scsi: host2, target 3, lun 1.
  t.device(`${PCI}/0000:00:05.0`, "virtio-pci");
  const sda = `${PCI}/0000:00:05.0/virtio2/host2/target2:0:3/2:0:3:1/block/sda`;
  t.block({ path: sda, devnum: [8, 0] });
  t.block({ path: `${sda}/sda1`, devnum: [8, 1], partition: true });
  t.udev("b8:0", ["E:ID_SERIAL=0QEMU_QEMU_HARDDISK_drive-scsi0-0-3-1"]);
  // AHCI: six ports, the disk on the third.
  t.device(`${PCI}/0000:00:1f.2`, "ahci");
  for (let n = 1; n <= 6; n++) t.file(`${PCI}/0000:00:1f.2/ata${n}/uevent`, "");
  const sdb = `${PCI}/0000:00:1f.2/ata3/host4/target4:0:0/4:0:0:0/block/sdb`;
  t.block({ path: sdb, devnum: [8, 16] });
  t.udev("b8:16", ["E:ID_SERIAL=QEMU_HARDDISK_QM00005"]);
  // PIIX IDE: two channels, the disk is the slave (id 1) of the second.
  t.device(`${PCI}/0000:00:01.1`, "ata_piix");
  for (let n = 1; n <= 2; n++) t.file(`${PCI}/0000:00:01.1/ata${n}/uevent`, "");
  const sdc = `${PCI}/0000:00:01.1/ata2/host1/target1:0:1/1:0:1:0/block/sdc`;
  t.block({ path: sdc, devnum: [8, 32] });
  // LSI 53C895A: target id 4.
  t.device(`${PCI}/0000:00:06.0`, "sym53c8xx");
  t.block({ path: `${PCI}/0000:00:06.0/host5/target5:0:4/5:0:4:0/block/sdd`, devnum: [8, 48] });
  // NVMe with a partition.
  t.device(`${PCI}/0000:00:04.0`, "nvme");
  const nvme = `${PCI}/0000:00:04.0/nvme/nvme0/nvme0n1`;
  t.block({ path: nvme, devnum: [259, 0] });
  t.block({ path: `${nvme}/nvme0n1p1`, devnum: [259, 1], partition: true });
  t.udev("b259:0", ["E:ID_SERIAL=QEMU_NVMe_Ctrl_deadbeef_1"]);
  // virtio-blk behind a PCIe root port: the address is the inner device's.
  t.device(`${PCI}/0000:00:1c.0`, "pcieport");
  t.device(`${PCI}/0000:00:1c.0/0000:01:00.0`, "virtio-pci");
  t.block({ path: `${PCI}/0000:00:1c.0/0000:01:00.0/virtio3/block/vdb`, devnum: [254, 16] });
  // USB storage (xhci): 7.2 has no USB support, so only dev and serial.
  t.device(`${PCI}/0000:00:14.0`, "xhci_hcd");
  const sde = `${PCI}/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block/sde`;
  t.block({ path: sde, devnum: [8, 64] });
  t.udev("b8:64", ["E:ID_SERIAL=QEMU_QEMU_HARDDISK_1-0000:00:14.0-1-0:0"]);
  // virtio-mmio (no PCI).
  t.block({
    path: "/sys/devices/platform/a003e00.virtio_mmio/virtio0/block/vdc",
    devnum: [254, 32],
  });
  // Virtual devices.
  t.block({ path: `${VIRTUAL}/dm-0`, devnum: [253, 0], slaves: [`${vda}/vda2`, `${sda}/sda1`] });
  t.udev("b253:0", ["E:DM_NAME=vg0-root", "E:DM_UUID=LVM-0123"]);
  t.block({ path: `${VIRTUAL}/md0`, devnum: [9, 0], slaves: [sdb, sdc] });
  t.block({ path: `${VIRTUAL}/loop0`, devnum: [7, 0], size: "0\n" });
  t.block({ path: `${VIRTUAL}/loop1`, devnum: [7, 1], size: "131072\n" });
  t.mounts([
    ["254:1", "/proc", "ext4"],
    ["253:0", "/srv/data", "xfs"],
    ["9:0", "/srv/raid", "ext4"],
    ["259:1", "/srv/nvme", "ext4"],
    ["8:64", "/srv/usb", "vfat"],
    ["254:16", "/srv/bridge", "ext4"],
    ["254:32", "/srv/mmio", "ext4"],
    ["8:48", "/srv/lsi", "ext4"],
    ["7:1", "/srv/loop", "squashfs"],
    ["8:99", "/srv/gone", "ext4"],
  ]);
}

/** Corner cases of the address walk, of libudev's files and of guest-get-disks' filters. */
function odd(t: TreeBuilder): void {
  // s390x: virtio over CCW, and a DASD (CCW without virtio).
  t.block({ path: "/sys/devices/css0/0.0.0002/0.0.0004/virtio1/block/vdd", devnum: [254, 48] });
  t.block({ path: "/sys/devices/css0/0.0.0005/0.0.0100/block/dasda", devnum: [94, 0] });
  // ata_piix without a target: the PCI address is kept, the bus type stays unknown.
  t.device(`${PCI}/0000:00:01.1`, "ata_piix");
  t.block({ path: `${PCI}/0000:00:01.1/ata1/host0/block/sdh`, devnum: [8, 112] });
  // An unknown driver, and a PCI device without a driver link.
  t.device(`${PCI}/0000:00:07.0`, "megaraid_sas");
  t.block({ path: `${PCI}/0000:00:07.0/host7/target7:2:0/7:2:0:0/block/sdf`, devnum: [8, 80] });
  t.device(`${PCI}/0000:00:08.0`);
  t.block({ path: `${PCI}/0000:00:08.0/virtio4/block/vde`, devnum: [254, 64] });
  // AHCI with twelve ports: only the first eight readdir() returns are numbered.
  t.device(`${PCI}/0000:00:1f.5`, "ahci");
  for (let n = 1; n <= 12; n++) t.file(`${PCI}/0000:00:1f.5/ata${n}/uevent`, "");
  t.block({
    path: `${PCI}/0000:00:1f.5/ata12/host21/target21:0:0/21:0:0:0/block/sdi`,
    devnum: [8, 128],
  });
  // No uevent: no udev device, no address.
  t.block({ path: "/sys/devices/platform/foo/block/xda", devnum: [240, 0], noUevent: true });
  // udev properties: from uevent, overridden by the database, removed by an empty value,
  // swallowed by odd database lines, and without a subsystem link or device number.
  const mmio = "/sys/devices/platform/mmio";
  const vd = (name: string, minor: number, extra: Partial<Parameters<TreeBuilder["block"]>[0]>) =>
    t.block({
      path: `${mmio}${minor}/virtio${minor}/block/${name}`,
      devnum: [252, minor],
      ...extra,
    });
  vd("vdf", 0, { ueventExtra: ["ID_SERIAL=from-uevent"] });
  vd("vdg", 1, { ueventExtra: ["ID_SERIAL=from-uevent"] });
  t.udev("b252:1", ["E:ID_SERIAL=from-database"]);
  vd("vdh", 2, { ueventExtra: ["ID_SERIAL=from-uevent"] });
  t.udev("b252:2", ["E:ID_SERIAL="]);
  vd("vdi", 3, {});
  t.udev("b252:3", ["X", "E:ID_SERIAL=swallowed"]);
  vd("vdj", 4, {});
  t.udev("b252:4", ["E:", "E:ID_SERIAL=swallowed-too"]);
  vd("vdk", 5, {});
  t.file("/run/udev/data/b252:5", "E:ID_SERIAL=unterminated");
  vd("vdl", 6, { noSubsystem: true });
  t.udev("b252:6", ["E:ID_SERIAL=no-subsystem"]);
  t.block({ path: `${mmio}7/virtio7/block/vdm`, devnum: null });
  t.link("/sys/dev/block/252:7", `${mmio}7/virtio7/block/vdm`);
  t.udev("+block:vdm", ["E:ID_SERIAL=by-name"]);
  // Partitions by name and type: vdf1 and vdfp2 count, vdfx, a file vdf3 and vdf4 without
  // uevent do not.
  const vdf = `${mmio}0/virtio0/block/vdf`;
  t.block({ path: `${vdf}/vdf1`, devnum: [252, 100], partition: true });
  t.block({ path: `${vdf}/vdfp2`, devnum: [252, 101], partition: true });
  t.block({ path: `${vdf}/vdfx`, devnum: [252, 102], partition: true });
  t.file(`${vdf}/vdf3`, "");
  t.block({ path: `${vdf}/vdf4`, devnum: [252, 103], partition: true, noUevent: true });
  // guest-get-disks' filters: not a link, size "0" without newline (kept), no size, size a
  // directory, no slaves directory, "0\n" then a NUL (skipped: compared as a C string).
  t.file("/sys/block/notalink/size", "100\n");
  t.block({ path: `${mmio}8/virtio8/block/vdn`, devnum: [252, 8], size: "0" });
  t.block({ path: `${mmio}9/virtio9/block/vdo`, devnum: [252, 9], size: null });
  t.block({ path: `${mmio}10/virtio10/block/vdp`, devnum: [252, 10], size: null });
  t.dir(`${mmio}10/virtio10/block/vdp/size`);
  t.block({ path: `${mmio}11/virtio11/block/vdq`, devnum: [252, 11], slaves: null });
  t.block({ path: `${mmio}12/virtio12/block/vdr`, devnum: [252, 12], size: "0\n\0junk" });
  // Device mapper: an empty DM_NAME, a DM_NAME from uevent, a slaves entry that is a file.
  t.block({ path: `${VIRTUAL}/dm-1`, devnum: [253, 1], slaves: [vdf] });
  t.file(`${VIRTUAL}/dm-1/slaves/junk`, "");
  t.udev("b253:1", ["E:DM_NAME="]);
  t.block({ path: `${VIRTUAL}/dm-2`, devnum: [253, 2], ueventExtra: ["DM_NAME=from-uevent"] });
  t.mounts([
    ["254:48", "/odd/ccw", "ext4"],
    ["94:0", "/odd/dasd", "ext4"],
    ["8:112", "/odd/piix", "ext4"],
    ["8:80", "/odd/megaraid", "ext4"],
    ["254:64", "/odd/nodriver", "ext4"],
    ["8:128", "/odd/ahci12", "ext4"],
    ["240:0", "/odd/platform", "ext4"],
    ["252:0", "/odd/uevent", "ext4"],
    ["252:1", "/odd/database", "ext4"],
    ["252:2", "/odd/emptied", "ext4"],
    ["252:3", "/odd/swallowed", "ext4"],
    ["252:4", "/odd/swallowed-too", "ext4"],
    ["252:5", "/odd/unterminated", "ext4"],
    ["252:6", "/odd/nosubsystem", "ext4"],
    ["252:7", "/odd/byname", "ext4"],
    ["253:1", "/odd/dm1", "ext4"],
  ]);
}

/** This host's disks, trimmed: one virtio-blk disk (the root), eight loops and zram0. */
function host(t: TreeBuilder): void {
  t.device(`${PCI}/0000:00:02.0`, "virtio-pci");
  t.block({
    path: `${PCI}/0000:00:02.0/virtio1/block/vda`,
    devnum: [254, 0],
    ueventExtra: ["DISKSEQ=9"],
    size: "536870912\n",
  });
  for (let n = 0; n < 8; n++) {
    t.block({
      path: `${VIRTUAL}/loop${n}`,
      devnum: [7, n],
      ueventExtra: [`DISKSEQ=${n + 1}`],
      size: "0\n",
    });
  }
  t.block({ path: `${VIRTUAL}/zram0`, devnum: [253, 0], ueventExtra: ["DISKSEQ=10"], size: "0\n" });
  t.file(
    "/proc/self/mountinfo",
    "22 27 0:21 / /proc rw,relatime - proc proc rw\n" +
      "23 27 0:22 / /sys rw,relatime - sysfs sysfs rw\n" +
      "24 27 0:6 / /dev rw,relatime - devtmpfs devtmpfs rw,size=12334460k,mode=755\n" +
      "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard\n",
  );
}

/** Error trees: each makes guest-get-fsinfo fail in one way. */
function realpathLoop(t: TreeBuilder): void {
  host(t);
  t.rawLink("/sys/dev/block/8:0", "8:0");
  t.rawLink("/sys/block/sda", "sda");
  t.mounts([["254:0", "/proc", "ext4"], ["8:0", "/srv/loop", "ext4"]]);
}

function slavesFile(t: TreeBuilder): void {
  t.block({ path: `${VIRTUAL}/dm-0`, devnum: [253, 0], slaves: null });
  t.file(`${VIRTUAL}/dm-0/slaves`, "");
  t.mounts([["253:0", "/srv/data", "ext4"]]);
}

function slaveLoop(t: TreeBuilder): void {
  t.block({ path: `${VIRTUAL}/dm-0`, devnum: [253, 0] });
  t.rawLink(`${VIRTUAL}/dm-0/slaves/vdz`, "vdz");
  t.mounts([["253:0", "/srv/data", "ext4"]]);
}

function noSysBlock(t: TreeBuilder): void {
  t.mounts([["254:1", "/proc", "ext4"], ["8:1", "/srv/data", "ext4"]]);
}

/** The trees by directory name. */
export const TREES: Readonly<Record<string, (t: TreeBuilder) => void>> = {
  disks_typical: typical,
  disks_odd: odd,
  disks_host: host,
  disks_realpath_loop: realpathLoop,
  disks_slaves_file: slavesFile,
  disks_slave_loop: slaveLoop,
  disks_no_sys_block: noSysBlock,
};

/** Where the trees live. */
export const FIXTURES = decodeURIComponent(
  new URL("../../fixtures/sys/", import.meta.url).pathname,
);

if (import.meta.main) {
  for (const [name, build] of Object.entries(TREES)) {
    await Deno.remove(FIXTURES + name, { recursive: true }).catch(() => {});
    const tree = new TreeBuilder(FIXTURES + name);
    build(tree);
    tree.finish();
    console.log(`wrote ${FIXTURES}${name}`);
  }
}
