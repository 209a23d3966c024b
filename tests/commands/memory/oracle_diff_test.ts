/**
 * Differential tests of the memory block commands against Debian's qemu-ga 7.2, byte for byte
 * (nothing is normalised):
 *
 * 1. `guest-get-memory-blocks` and `guest-get-memory-block-info` on this host's sysfs;
 * 2. both on every fixture tree under `tests/fixtures/memory/`: the oracle runs in a private
 *    mount namespace with the tree bind-mounted over `/sys/devices/system/memory` (or over
 *    `/sys/devices/system` for `no_memory_dir`), ours reads the tree through
 *    `LinuxMemory(root)`; error replies are compared too;
 * 3. `guest-set-memory-blocks` with the spec's one harmless request, an index this host does not
 *    have (`memory999999`): both agents only fail to open its directory (`not-found`). The test
 *    first checks that the directory really does not exist.
 *
 * Skipped (ignored) when `/usr/sbin/qemu-ga` is missing; case 2 also when namespaces cannot be
 * created (not root).
 *
 * @module
 */

import assert from "node:assert/strict";
import { memoryBlockInfo } from "../../../src/commands/memory/block_info.ts";
import { listMemoryBlocks } from "../../../src/commands/memory/get_blocks.ts";
import { setMemoryBlocks } from "../../../src/commands/memory/set_blocks.ts";
import { LinuxMemory } from "../../../src/sys/memory.ts";
import { CAN_UNSHARE, ORACLE_INSTALLED, ourReply, startOracle } from "../network/oracle_helper.ts";

const FIXTURES = decodeURIComponent(new URL("../../fixtures/memory/", import.meta.url).pathname);
const GET = '{"execute":"guest-get-memory-blocks"}';
const INFO = '{"execute":"guest-get-memory-block-info"}';

function ours(root?: string): [string, string] {
  const memory = new LinuxMemory(root);
  return [
    ourReply({ list: "GuestMemoryBlock" }, () => listMemoryBlocks(memory)),
    ourReply("GuestMemoryBlockInfo", () => memoryBlockInfo(memory)),
  ];
}

/** Single-quotes a path for `sh`. */
function quote(path: string): string {
  return `'${path.replaceAll("'", `'\\''`)}'`;
}

Deno.test({
  name: "guest-get-memory-blocks and -block-info equal qemu-ga 7.2 on this host",
  ignore: !ORACLE_INSTALLED,
  async fn() {
    const oracle = await startOracle();
    try {
      assert.deepEqual(ours(), [await oracle.ask(GET), await oracle.ask(INFO)]);
    } finally {
      await oracle.stop();
    }
  },
});

Deno.test({
  name: "guest-get-memory-blocks and -block-info equal qemu-ga 7.2 on every memory fixture tree",
  ignore: !CAN_UNSHARE,
  async fn(t) {
    const fixtures = Array.from(Deno.readDirSync(FIXTURES)).filter((e) => e.isDirectory)
      .map((e) => e.name).sort();
    assert.ok(fixtures.length >= 12);
    for (const name of fixtures) {
      await t.step(name, async () => {
        const root = FIXTURES + name;
        const hasDir = await Deno.stat(`${root}/sys/devices/system/memory`).then(
          () => true,
          () => false,
        );
        const mount = hasDir
          ? `mount --bind ${quote(`${root}/sys/devices/system/memory`)} /sys/devices/system/memory`
          : `mount --bind ${quote(`${root}/sys/devices/system`)} /sys/devices/system`;
        const oracle = await startOracle({ unshare: ["-m"], setup: [mount] });
        try {
          assert.deepEqual(ours(root), [await oracle.ask(GET), await oracle.ask(INFO)]);
        } finally {
          await oracle.stop();
        }
      });
    }
  },
});

const ABSENT = "/sys/devices/system/memory/memory999999";

Deno.test({
  name:
    "guest-set-memory-blocks of an absent index equals qemu-ga 7.2 (not-found, nothing written)",
  ignore: !ORACLE_INSTALLED,
  async fn() {
    // Harmless only while no such block exists: both agents then stop at open(ENOENT).
    assert.equal(await Deno.stat(ABSENT).then(() => true, () => false), false, ABSENT);
    const request = { "phys-index": 999999n, online: true };
    const expected =
      '{"return": [{"response": "not-found", "error-code": 2, "phys-index": 999999}]}';
    const oracle = await startOracle();
    try {
      const args = '{"mem-blks":[{"phys-index":999999,"online":true}]}';
      assert.equal(
        await oracle.ask(`{"execute":"guest-set-memory-blocks","arguments":${args}}`),
        expected,
      );
    } finally {
      await oracle.stop();
    }
    const got = ourReply(
      { list: "GuestMemoryBlockResponse" },
      () => setMemoryBlocks(new LinuxMemory(), [request]),
    );
    assert.equal(got, expected);
  },
});
