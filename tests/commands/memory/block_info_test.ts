/**
 * Tests of `guest-get-memory-block-info` on fixture trees under `tests/fixtures/memory/` and
 * against the fake `Sys`. `./oracle_diff_test.ts` checks the same trees against qemu-ga 7.2.
 *
 * @module
 */

import assert from "node:assert/strict";
import { memoryBlockInfo } from "../../../src/commands/memory/block_info.ts";
import { HANDLERS } from "../../../src/commands/mod.ts";
import { QgaError } from "../../../src/schema/errors.ts";
import { LinuxMemory } from "../../../src/sys/memory.ts";
import { testContext } from "../../helpers/command_context.ts";
import { FakeMemory, FakeSys } from "../../helpers/fake_sys/fake_sys.ts";

const FIXTURES = decodeURIComponent(new URL("../../fixtures/memory/", import.meta.url).pathname);

function info(name: string) {
  return memoryBlockInfo(new LinuxMemory(FIXTURES + name));
}

function errorText(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof QgaError) return String(e.desc);
    throw e;
  }
  throw new Error("expected a QgaError");
}

Deno.test("memoryBlockInfo() reads block_size_bytes as strtol(text, NULL, 16)", () => {
  const table: [string, bigint][] = [
    ["blocks_mixed", 134217728n], // 8000000
    ["blocks_none", 2147483648n], // 80000000
    ["removable_missing", 16n], // "  0x10"
    ["huge_index", 18446744073709551615n], // -1, stored in a uint64
    ["block_size_huge", 9223372036854775807n], // saturates at LONG_MAX
    ["block_size_garbage", 0n], // "zz"
  ];
  for (const [fixture, size] of table) assert.deepEqual(info(fixture), { size }, fixture);
});

Deno.test("memoryBlockInfo() fails with 7.2's texts", () => {
  assert.equal(
    errorText(() => info("no_memory_dir")),
    'open("/sys/devices/system/memory/"): No such file or directory',
  );
  assert.equal(
    errorText(() => info("leading_zero")),
    'open sysfs file "block_size_bytes": No such file or directory',
  );
  assert.equal(
    errorText(() => info("block_size_empty")),
    'pread sysfs file "block_size_bytes": unexpected EOF',
  );
});

Deno.test("memoryBlockInfo() opens the directory, reads 20 bytes and closes both", () => {
  const fake = new FakeMemory({ blockSize: "40000000\n" });
  assert.deepEqual(memoryBlockInfo(fake), { size: 1073741824n });
  assert.deepEqual(fake.calls, [
    "open /sys/devices/system/memory/",
    "openat memory/ block_size_bytes O_RDONLY",
    "pread memory/block_size_bytes 20@0",
    "close memory/block_size_bytes",
    "close memory/",
  ]);
  assert.equal(fake.openFds, 0);
});

Deno.test("memoryBlockInfo() reads no further than 20 bytes (7.2 reads past its buffer)", () => {
  const fake = new FakeMemory({ blockSize: "0000000000000000000123" });
  assert.deepEqual(memoryBlockInfo(fake), { size: 1n });
});

Deno.test("guest-get-memory-block-info handler reads ctx.sys.memory", async () => {
  const sys = new FakeSys({ memory: { blockSize: "8000000\n" } });
  assert.deepEqual(await HANDLERS["guest-get-memory-block-info"]({}, testContext({ sys })), {
    size: 134217728n,
  });
});
