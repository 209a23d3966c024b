/**
 * Tests of `LinuxDisks` (`src/sys/disks/disks.ts`): the FFI calls under a fixture root —
 * `realpath` answering inside the root, `readlink`, `d_type`s, whole files, `statvfs`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { DISKSTATS_PATH, LinuxDisks } from "../../../src/sys/disks/disks.ts";
import { OsError } from "../../../src/sys/os_error.ts";
import { Dirent, DT_LNK } from "../../../src/sys/structs.ts";
import { FIXTURES } from "./fixture_trees.ts";

const ROOT = FIXTURES + "disks_typical";
const disks = new LinuxDisks(ROOT);
const VDA = "/sys/devices/pci0000:00/0000:00:02.0/virtio1/block/vda";

function osError(fn: () => unknown): OsError {
  try {
    fn();
  } catch (e) {
    if (e instanceof OsError) return e;
    throw e;
  }
  throw new Error("expected an OsError");
}

Deno.test("LinuxDisks.realpath() resolves links inside the root and answers without it", () => {
  assert.equal(disks.realpath("/sys/block/vda"), VDA);
  assert.equal(disks.realpath("/sys/dev/block/254:1"), `${VDA}/vda1`);
  assert.equal(disks.realpath("/sys/block/../block/vda/"), VDA);
  assert.equal(disks.realpath("/"), "/");
  assert.equal(new LinuxDisks(`${ROOT}/`).realpath("/sys/block/vda"), VDA);
  const missing = osError(() => disks.realpath("/sys/dev/block/8:99"));
  assert.deepStrictEqual([missing.code, missing.call], ["ENOENT", "realpath"]);
  const loop = osError(() =>
    new LinuxDisks(FIXTURES + "disks_realpath_loop").realpath("/sys/dev/block/8:0")
  );
  assert.equal(loop.message, "Too many levels of symbolic links");
});

Deno.test("LinuxDisks.realpath() on the real root is plain realpath()", () => {
  const real = new LinuxDisks();
  assert.equal(real.realpath("/"), "/");
  assert.equal(real.realpath("/proc/self/.."), "/proc");
});

Deno.test("LinuxDisks.readlink() returns the target as stored", () => {
  assert.equal(
    disks.readlink("/sys/devices/pci0000:00/0000:00:02.0/driver"),
    "../../../bus/pci/drivers/virtio-pci",
  );
  assert.equal(osError(() => disks.readlink(`${VDA}/size`)).code, "EINVAL");
});

Deno.test("LinuxDisks.listDirectory() reports names with d_type, without . and ..", () => {
  osError(() => disks.readlink(`${VDA}/size`)); // errno is EINVAL now: readdir() must not see it
  const { entries, readError } = disks.listDirectory(VDA);
  assert.equal(readError, undefined);
  const byName = Object.fromEntries(entries.map((e) => [e.name, e.type]));
  assert.equal(byName["vda1"], Dirent.DT_DIR);
  assert.equal(byName["subsystem"], DT_LNK);
  assert.equal(byName["size"], 8);
  assert.equal(byName["."], undefined);
  assert.deepStrictEqual(
    entries.map((e) => e.name).sort(),
    Array.from(Deno.readDirSync(ROOT + VDA), (e) => e.name).sort(),
  );
  const error = osError(() => disks.listDirectory(`${VDA}/size`));
  assert.deepStrictEqual([error.code, error.call], ["ENOTDIR", "opendir"]);
});

Deno.test("LinuxDisks reads files, stats directories and statvfs()s mount points", () => {
  assert.equal(new TextDecoder().decode(disks.readFile(`${VDA}/size`)), "2048\n");
  assert.equal(disks.isDirectory("/sys/block/vda"), true);
  assert.equal(disks.isDirectory(`${VDA}/uevent`), false);
  const root = disks.statvfs(new TextEncoder().encode("/"));
  assert.ok(root.frsize > 0n && root.blocks >= root.bfree && root.bfree >= root.bavail);
  const proc = disks.statvfs(new TextEncoder().encode("/proc"));
  assert.deepStrictEqual([proc.blocks, proc.bfree, proc.bavail], [0n, 0n, 0n]);
  const missing = osError(() => disks.statvfs(new TextEncoder().encode("/nonexistent/x")));
  assert.deepStrictEqual([missing.code, missing.call], ["ENOENT", "statvfs"]);
});

Deno.test("LinuxDisks.readDiskstats() reads /proc/diskstats under the root", () => {
  const real = new LinuxDisks().readDiskstats();
  assert.equal(real.error, undefined);
  assert.match(new TextDecoder().decode(real.bytes), /^\s*\d+\s+\d+ \S+/);
  const missing = osError(() => disks.readDiskstats());
  assert.deepStrictEqual([missing.code, missing.call], ["ENOENT", "open"]);
  assert.equal(DISKSTATS_PATH, "/proc/diskstats");
});
