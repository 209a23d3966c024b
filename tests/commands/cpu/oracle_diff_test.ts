/**
 * Differential test of `guest-get-vcpus` against Debian's qemu-ga 7.2, byte for byte (nothing
 * is normalised):
 *
 * 1. on the host's own `/sys/devices/system/cpu`;
 * 2. on every fixture tree under `tests/fixtures/sys/`: the oracle runs in a private mount
 *    namespace with the fixture bind-mounted over `/sys/devices/system/cpu` (or over
 *    `/sys/devices/system` for `no_cpu_dir`), ours reads the fixture through `SysfsCpus(root)`.
 *    Error replies are compared too.
 *
 * Not compared: a directory without any `cpu<N>` entry, where 7.2 aborts on an assertion
 * (`qmp_guest_get_vcpus: assertion failed: (head != NULL)`) and we answer `[]`.
 *
 * Skipped (ignored) when `/usr/sbin/qemu-ga` is missing; case 2 also when namespaces cannot be
 * created (not root).
 *
 * @module
 */

import assert from "node:assert/strict";
import { listVcpus } from "../../../src/commands/cpu/get.ts";
import { LinuxCpus } from "../../../src/sys/cpus.ts";
import { CAN_UNSHARE, ORACLE_INSTALLED, ourReply, startOracle } from "../network/oracle_helper.ts";

const REQUEST = '{"execute":"guest-get-vcpus"}';
const FIXTURES = decodeURIComponent(new URL("../../fixtures/sys/", import.meta.url).pathname);

function ours(root?: string): string {
  return ourReply({ list: "GuestLogicalProcessor" }, () => listVcpus(new LinuxCpus(root)));
}

/** Single-quotes a path for `sh`. */
function quote(path: string): string {
  return `'${path.replaceAll("'", `'\\''`)}'`;
}

Deno.test({
  name: "guest-get-vcpus equals qemu-ga 7.2 on this host",
  ignore: !ORACLE_INSTALLED,
  async fn() {
    const oracle = await startOracle();
    try {
      assert.equal(ours(), await oracle.ask(REQUEST));
    } finally {
      await oracle.stop();
    }
  },
});

Deno.test({
  name: "guest-get-vcpus equals qemu-ga 7.2 on every sysfs fixture tree",
  ignore: !CAN_UNSHARE,
  async fn(t) {
    const fixtures = Array.from(Deno.readDirSync(FIXTURES)).filter((e) => e.isDirectory)
      .map((e) => e.name).sort();
    assert.ok(fixtures.length >= 8);
    for (const name of fixtures) {
      await t.step(name, async () => {
        const root = FIXTURES + name;
        const hasCpuDir = await Deno.stat(`${root}/sys/devices/system/cpu`).then(
          () => true,
          () => false,
        );
        const mount = hasCpuDir
          ? `mount --bind ${quote(`${root}/sys/devices/system/cpu`)} /sys/devices/system/cpu`
          : `mount --bind ${quote(`${root}/sys/devices/system`)} /sys/devices/system`;
        const oracle = await startOracle({ unshare: ["-m"], setup: [mount] });
        try {
          assert.equal(ours(root), await oracle.ask(REQUEST));
        } finally {
          await oracle.stop();
        }
      });
    }
  },
});
