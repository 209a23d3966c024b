/**
 * Tests of guest-get-fsinfo (`src/commands/disks/fsinfo.ts`): on the fixture tree
 * `disks_typical` through the real readers, and on `FakeSys` for sizes and every error text.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  filesystemSizes,
  guestGetFsinfo,
  listFilesystems,
} from "../../../src/commands/disks/fsinfo.ts";
import { QgaError } from "../../../src/schema/errors.ts";
import { linuxSys } from "../../../src/sys/linux.ts";
import { testContext } from "../../helpers/command_context.ts";
import { FakeSys } from "../../helpers/fake_sys/fake_sys.ts";
import type { FakeDisksOptions } from "../../helpers/fake_sys/disks.ts";
import { block, type Tree } from "./fake_tree.ts";
import { FIXTURES } from "./fixture_trees.ts";

const VIRTUAL = "/sys/devices/virtual/block";
const MMIO = "/sys/devices/platform/mmio/virtio0/block";

function mountinfo(entries: readonly (readonly [string, string, string])[]): string {
  return entries.map(([devnum, mp, type], i) =>
    `${30 + i} 1 ${devnum} / ${mp} rw - ${type} /dev/x rw\n`
  )
    .join("");
}

function fake(mounts: readonly (readonly [string, string, string])[], disks: FakeDisksOptions) {
  return new FakeSys({ filesystems: { mountinfo: mountinfo(mounts) }, disks });
}

function failure(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof QgaError) return String(e.desc);
    throw e;
  }
  throw new Error("expected a QgaError");
}

Deno.test("listFilesystems() lists the mounts in reverse, named after their sysfs device", () => {
  const list = listFilesystems(linuxSys(FIXTURES + "disks_typical"));
  assert.deepStrictEqual(list.map((fs) => [fs.mountpoint, fs.name, fs.type]), [
    ["/srv/gone", "8:99", "ext4"],
    ["/srv/loop", "loop1", "squashfs"],
    ["/srv/lsi", "sdd", "ext4"],
    ["/srv/mmio", "vdc", "ext4"],
    ["/srv/bridge", "vdb", "ext4"],
    ["/srv/usb", "sde", "vfat"],
    ["/srv/nvme", "nvme0n1p1", "ext4"],
    ["/srv/raid", "md0", "ext4"],
    ["/srv/data", "dm-0", "xfs"],
    ["/proc", "vda1", "ext4"],
  ]);
  const byMount = Object.fromEntries(list.map((fs) => [fs.mountpoint, fs]));
  assert.deepStrictEqual(byMount["/srv/gone"]!.disk, []);
  assert.deepStrictEqual(byMount["/srv/loop"]!.disk, []);
  assert.deepStrictEqual(byMount["/proc"]!["used-bytes"], 0n);
  assert.equal(byMount["/srv/data"]!["used-bytes"], undefined);
  assert.equal(byMount["/srv/data"]!["total-bytes"], undefined);
  // A virtual device's slaves, walked in readdir() order and prepended.
  const slaves = Array.from(Deno.readDirSync(`${FIXTURES}disks_typical${VIRTUAL}/dm-0/slaves`))
    .filter((e) => e.isSymlink).map((e) => `/dev/${e.name}`);
  assert.deepStrictEqual(byMount["/srv/data"]!.disk.map((d) => d.dev), slaves.reverse());
});

Deno.test("filesystemSizes() computes used and unprivileged total in unsigned long arithmetic", () => {
  assert.deepStrictEqual(
    filesystemSizes({ frsize: 4096n, blocks: 1000n, bfree: 300n, bavail: 250n }),
    {
      used: 700n * 4096n,
      total: 950n * 4096n,
    },
  );
  const huge = { frsize: 1n << 20n, blocks: (1n << 50n) + 3n, bfree: 0n, bavail: 1n };
  assert.deepStrictEqual(filesystemSizes(huge), { used: 3n << 20n, total: 4n << 20n });
  const wrap = { frsize: 1n, blocks: 5n, bfree: 7n, bavail: 1n };
  assert.deepStrictEqual(filesystemSizes(wrap), {
    used: (1n << 64n) - 2n,
    total: (1n << 64n) - 1n,
  });
});

Deno.test("guest-get-fsinfo reports statvfs sizes, and leaves them out when statvfs fails", () => {
  const tree: Tree = block(`${MMIO}/vda`, 254, 0);
  const sys = fake([["254:0", "/", "ext4"], ["254:0", "/dup", "ext4"], ["8:1", "/gone", "ext4"]], {
    tree,
    statvfs: { "/": { frsize: 4096n, blocks: 100n, bfree: 40n, bavail: 30n } },
  });
  const list = guestGetFsinfo({}, testContext({ sys })) as ReturnType<typeof listFilesystems>;
  assert.deepStrictEqual(list, [
    { name: "8:1", mountpoint: "/gone", type: "ext4", disk: [] },
    {
      name: "vda",
      mountpoint: "/",
      type: "ext4",
      "used-bytes": 60n * 4096n,
      "total-bytes": 90n * 4096n,
      disk: [{
        "pci-controller": { domain: -1n, bus: -1n, slot: -1n, function: -1n },
        "bus-type": "virtio",
        bus: 0n,
        target: 0n,
        unit: 0n,
        dev: "/dev/vda",
      }],
    },
  ]);
});

Deno.test('guest-get-fsinfo fails with realpath("<path>") on any error but ENOENT', () => {
  const sys = fake([["254:0", "/", "ext4"]], {
    tree: block(`${MMIO}/vda`, 254, 0),
    failures: { "realpath /sys/dev/block/254:0": "EACCES" },
  });
  assert.equal(
    failure(() => listFilesystems(sys)),
    'realpath("/sys/dev/block/254:0"): Permission denied',
  );
});

Deno.test("guest-get-fsinfo fails with opendir/readdir/realpath texts inside a virtual device", () => {
  const tree: Tree = {
    ...block(`${MMIO}/vda`, 254, 0),
    ...block(`${VIRTUAL}/dm-0`, 253, 0, { slaves: [`${MMIO}/vda`] }),
  };
  const slaves = `${VIRTUAL}/dm-0/slaves`;
  const run = (failures: FakeDisksOptions["failures"]) =>
    failure(() => listFilesystems(fake([["253:0", "/srv", "xfs"]], { tree, failures })));
  assert.equal(run({ [`opendir ${slaves}`]: "EACCES" }), `opendir("${slaves}"): Permission denied`);
  assert.equal(run({ [`readdir ${slaves}`]: "EIO" }), `readdir("${slaves}"): Input/output error`);
  assert.equal(
    run({ [`realpath ${slaves}/vda`]: "ELOOP" }),
    `realpath("${slaves}/vda"): Too many levels of symbolic links`,
  );
  assert.equal(
    run({ [`realpath ${VIRTUAL}/dm-0`]: "EIO" }),
    `realpath("${VIRTUAL}/dm-0"): Input/output error`,
  );
  // A missing slaves/ is no error.
  const noSlaves = block(`${VIRTUAL}/dm-1`, 253, 1, { slaves: null });
  const list = listFilesystems(fake([["253:1", "/srv", "xfs"]], { tree: noSlaves }));
  assert.deepStrictEqual(list, [{ name: "dm-1", mountpoint: "/srv", type: "xfs", disk: [] }]);
});

Deno.test("guest-get-fsinfo fails like freeze when no mount table can be read", () => {
  const sys = new FakeSys({ filesystems: { mountinfo: null, procMounts: null } });
  assert.equal(
    failure(() => listFilesystems(sys)),
    "failed to open mtab file: '/proc/self/mounts'",
  );
});

Deno.test("guest-get-fsinfo audits a mount source it cannot stat, as the freeze walk does", () => {
  const audits: string[] = [];
  const log = { audit: (m: string) => audits.push(m), debug() {}, warning() {}, error() {} };
  const sys = new FakeSys({
    filesystems: { mountinfo: "30 1 0:40 / /srv rw - btrfs /dev/missing rw\n" },
  });
  assert.deepStrictEqual(listFilesystems(sys, log), []);
  assert.deepStrictEqual(audits, [
    "failed to stat device file '/dev/missing': No such file or directory",
  ]);
});
