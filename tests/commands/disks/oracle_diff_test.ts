/**
 * Differential tests of guest-get-fsinfo, guest-get-disks and guest-get-diskstats against
 * Debian's qemu-ga 7.2 on fixture trees, byte for byte. The oracle runs in a private mount
 * namespace where the tree replaces the real files:
 *
 * - a `tests/fixtures/sys/disks_*` tree's `sys/` is bind-mounted over `/sys`, its `run/` (or an
 *   empty tmpfs) over `/run`, and its `proc/self/mountinfo` over the oracle's own
 *   `/proc/<pid>/mountinfo`; `SYSTEMD_DEVICE_VERIFY_SYSFS=0` lets libudev accept a `/sys` that
 *   is not sysfs. Ours reads the same tree through `linuxSys(root)`.
 * - a `tests/fixtures/proc/diskstats_*` file is bind-mounted over `/proc/diskstats` (a tree
 *   without one gets a tmpfs over `/proc`: the file is missing).
 *
 * `used-bytes` is compared as `@N@`: `statvfs("/")` (the host tree's root mount) moves between
 * the two reads; every other mount point of the trees gives constant sizes or none.
 *
 * Skipped (ignored) when the oracle is missing or namespaces cannot be created (not root).
 *
 * @module
 */

import assert from "node:assert/strict";
import { listDisks } from "../../../src/commands/disks/disks.ts";
import { listDiskstats } from "../../../src/commands/disks/diskstats.ts";
import { listFilesystems } from "../../../src/commands/disks/fsinfo.ts";
import { linuxSys } from "../../../src/sys/linux.ts";
import { CAN_UNSHARE, ourReply, startOracle } from "../network/oracle_helper.ts";
import { FIXTURES, TREES } from "./fixture_trees.ts";
import { existsNoFollow } from "../../helpers/fs.ts";

const PROC_FIXTURES = decodeURIComponent(
  new URL("../../fixtures/proc/", import.meta.url).pathname,
);

/** Single-quotes a path for `sh`. */
function quote(path: string): string {
  return `'${path.replaceAll("'", `'\\''`)}'`;
}

/** `used-bytes` moves with the host's root filesystem. */
function normalize(reply: string): string {
  return reply.replace(/"used-bytes": \d+/g, '"used-bytes": @N@');
}

/** The oracle's setup commands that put a disks tree in place. */
function treeSetup(root: string): string[] {
  return [
    "export SYSTEMD_DEVICE_VERIFY_SYSFS=0",
    `mount --bind ${quote(`${root}/sys`)} /sys`,
    existsNoFollow(`${root}/run`)
      ? `mount --bind ${quote(`${root}/run`)} /run`
      : "mount -t tmpfs none /run",
    `mount --bind ${quote(`${root}/proc/self/mountinfo`)} /proc/$$/mountinfo`,
  ];
}

Deno.test({
  name: "guest-get-fsinfo and guest-get-disks equal qemu-ga 7.2 on every disks fixture tree",
  ignore: !CAN_UNSHARE,
  async fn(t) {
    for (const name of Object.keys(TREES)) {
      await t.step(name, async () => {
        const root = FIXTURES + name;
        const sys = linuxSys(root);
        const oracle = await startOracle({ unshare: ["-m"], setup: treeSetup(root) });
        try {
          const fsinfo = await oracle.ask('{"execute":"guest-get-fsinfo"}');
          const disks = await oracle.ask('{"execute":"guest-get-disks"}');
          assert.equal(
            normalize(ourReply({ list: "GuestFilesystemInfo" }, () => listFilesystems(sys))),
            normalize(fsinfo),
          );
          assert.equal(ourReply({ list: "GuestDiskInfo" }, () => listDisks(sys.disks)), disks);
        } finally {
          await oracle.stop();
        }
      });
    }
  },
});

Deno.test({
  name: "guest-get-diskstats equals qemu-ga 7.2 on every diskstats fixture",
  ignore: !CAN_UNSHARE,
  async fn(t) {
    const names = Array.from(Deno.readDirSync(PROC_FIXTURES)).filter((e) =>
      e.isDirectory && e.name.startsWith("diskstats_")
    ).map((e) => e.name).sort();
    assert.ok(names.length >= 4);
    for (const name of names) {
      await t.step(name, async () => {
        const root = PROC_FIXTURES + name;
        const file = `${root}/proc/diskstats`;
        const setup = existsNoFollow(file)
          ? [`mount --bind ${quote(file)} /proc/diskstats`]
          : ["mount -t tmpfs none /proc"];
        const oracle = await startOracle({ unshare: ["-m"], setup });
        try {
          const reply = await oracle.ask('{"execute":"guest-get-diskstats"}');
          const ours = ourReply(
            { list: "GuestDiskStatsInfo" },
            () => listDiskstats(linuxSys(root).disks),
          );
          assert.equal(ours, reply);
        } finally {
          await oracle.stop();
        }
      });
    }
  },
});
