/**
 * Tests of `UdevDevice` (`src/commands/disks/udev.ts`): libudev's device lookup, device node
 * and properties, computed from `uevent` files and udev's database on a fake tree. (The same
 * rules are compared with qemu-ga's libudev on fixture trees by `oracle_diff_test.ts`.)
 *
 * @module
 */

import assert from "node:assert/strict";
import { UdevDevice } from "../../../src/commands/disks/udev.ts";
import { FakeDisks } from "../../helpers/fake_sys/disks.ts";
import { block, type Tree } from "./fake_tree.ts";

const VDA = "/sys/devices/pci0000:00/0000:00:02.0/virtio1/block/vda";

function device(tree: Tree, path = VDA, failures = {}): UdevDevice | null {
  return UdevDevice.fromSyspath(new FakeDisks({ tree, failures }), path);
}

function serial(tree: Tree, failures = {}): string | null {
  return device(tree, VDA, failures)!.property("ID_SERIAL");
}

Deno.test("UdevDevice.fromSyspath() resolves links and needs a uevent under /sys/devices", () => {
  const tree = { ...block(VDA, 254, 0), "/sys/devices/platform/x/block/xda/size": "1\n" };
  assert.equal(device(tree, "/sys/block/vda")!.syspath, VDA);
  assert.equal(device(tree, "/sys/dev/block/254:0")!.syspath, VDA);
  assert.equal(device(tree, "/sys/devices/platform/x/block/xda"), null);
  assert.equal(device(tree, "/sys/block/vdz"), null);
  assert.equal(device(tree, "/dev/vda"), null);
  assert.equal(device(tree, `${VDA}/size`), null);
});

Deno.test("UdevDevice.fromSyspath() outside /sys/devices only needs a directory", () => {
  const tree = { "/sys/block/vda/uevent": "DEVNAME=vda\n", "/sys/block/vdb": "file" };
  assert.equal(device(tree, "/sys/block/vda")!.devnode(), "/dev/vda");
  assert.equal(device(tree, "/sys/block/vdb"), null);
});

Deno.test("devnode() is /dev/ + DEVNAME, DEVNAME itself when absolute, else null", () => {
  assert.equal(device(block(VDA, 254, 0))!.devnode(), "/dev/vda");
  const absolute = { [`${VDA}/uevent`]: "DEVNAME=/dev/mapper/x\n" };
  assert.equal(device(absolute)!.devnode(), "/dev/mapper/x");
  assert.equal(device({ [`${VDA}/uevent`]: "MAJOR=254\n" })!.devnode(), null);
});

Deno.test("property() takes uevent keys, overridden by the database, removed by E:KEY=", () => {
  const tree = block(VDA, 254, 0, { uevent: ["ID_SERIAL=u"] });
  assert.equal(serial(tree), "u");
  assert.equal(serial({ ...tree, "/run/udev/data/b254:0": "E:ID_SERIAL=db\n" }), "db");
  assert.equal(serial({ ...tree, "/run/udev/data/b254:0": "E:ID_SERIAL=\n" }), null);
  assert.equal(serial({ ...tree, "/run/udev/data/b254:0": "E:ID_SERIAL=a=b\n" }), "a=b");
});

Deno.test("property() reads no database for a device without subsystem link", () => {
  const tree: Tree = { ...block(VDA, 254, 0, { uevent: ["ID_SERIAL=u"] }) };
  delete tree[`${VDA}/subsystem`];
  assert.equal(serial({ ...tree, "/run/udev/data/b254:0": "E:ID_SERIAL=db\n" }), null);
});

Deno.test("property() looks up +<subsystem>:<name> without MAJOR, c<maj>:<min> off block", () => {
  const noMajor: Tree = { ...block(VDA, 254, 0), [`${VDA}/uevent`]: "DEVNAME=vda\n" };
  assert.equal(serial({ ...noMajor, "/run/udev/data/+block:vda": "E:ID_SERIAL=n\n" }), "n");
  const zero: Tree = { ...block(VDA, 254, 0), [`${VDA}/uevent`]: "MAJOR=0\nMINOR=1\n" };
  assert.equal(serial({ ...zero, "/run/udev/data/+block:vda": "E:ID_SERIAL=z\n" }), "z");
  const char: Tree = { ...block(VDA, 254, 0), [`${VDA}/subsystem`]: { link: "../../class/misc" } };
  assert.equal(serial({ ...char, "/run/udev/data/c254:0": "E:ID_SERIAL=c\n" }), "c");
});

Deno.test("property() is null when the database cannot be read (not ENOENT) or uevent fails", () => {
  const tree = block(VDA, 254, 0, { uevent: ["ID_SERIAL=u"] });
  const withDb = { ...tree, "/run/udev/data/b254:0": "E:ID_MODEL=m\n" };
  assert.equal(serial(withDb), "u");
  assert.equal(serial(withDb, { "read /run/udev/data/b254:0": "EIO" }), null);
  assert.equal(serial({ ...tree, "/run/udev/data/b254:0": { dir: true } }), null);
  assert.equal(serial(tree, { [`read ${VDA}/uevent`]: "EIO" }), null);
  assert.equal(device(tree, VDA, { [`read ${VDA}/uevent`]: "EIO" })!.devnode(), null);
  assert.equal(serial(tree, { [`read ${VDA}/uevent`]: "EACCES" }), null);
  const db = { ...tree, "/run/udev/data/b254:0": "E:ID_SERIAL=db\n" };
  assert.equal(serial(db, { [`read ${VDA}/uevent`]: "EACCES" }), null); // no MAJOR: +block:vda
});

Deno.test("property() parses the database like sd-device: odd lines swallow the next one", () => {
  const tree = block(VDA, 254, 0);
  const db = (text: string) => serial({ ...tree, "/run/udev/data/b254:0": text });
  assert.equal(db("S:disk/by-id/x\nG:systemd\nI:123\nE:ID_SERIAL=s\nV:1\n"), "s");
  assert.equal(db("X\nE:ID_SERIAL=swallowed\n"), null);
  assert.equal(db("XY\nE:ID_SERIAL=kept\n"), "kept");
  assert.equal(db("E:\nE:ID_SERIAL=swallowed\n"), null);
  assert.equal(db("E:ID_SERIAL=unterminated"), null);
  assert.equal(db("\r\n\nE:ID_SERIAL=crlf\r\n"), "crlf");
  assert.equal(db("E:ID_SERIAL=nul\0cut\n"), "nul");
  assert.equal(db("E:ID_SERIAL\n"), null);
});

Deno.test("property() parses uevent like sd-device: key before the first '=' after byte 1", () => {
  const uevent = (text: string, key: string) =>
    device({ ...block(VDA, 254, 0), [`${VDA}/uevent`]: text })!.property(key);
  assert.equal(uevent("MAJOR=254\nMINOR=0\n=a=b\n", "=a"), "b");
  assert.equal(uevent("MAJOR=254\nnoequals\nK=v\n", "K"), "v");
  assert.equal(uevent("MAJOR=254\rK=v\r", "K"), "v");
  assert.equal(uevent("MAJOR=254\nK=v", "K"), null);
  assert.equal(uevent("MAJOR=254\nK=\n", "K"), "");
});
