/**
 * Tests of `guest-get-memory-blocks` on fixture trees under `tests/fixtures/memory/` (read
 * through the real FFI sysfs reader, `d_type` included) and against the fake `Sys` (exact call
 * sequences of qemu-ga's `transfer_memory_block()`, failures). `./oracle_diff_test.ts` checks the
 * same trees against qemu-ga 7.2 itself.
 *
 * Directory order in a fixture tree is whatever the filesystem's `readdir()` gives, so expected
 * lists are built in the order `Deno.readDirSync` reports (the same `readdir()` order).
 *
 * @module
 */

import assert from "node:assert/strict";
import { listMemoryBlocks } from "../../../src/commands/memory/get_blocks.ts";
import { HANDLERS } from "../../../src/commands/mod.ts";
import { shapeValue } from "../../../src/dispatch/shape.ts";
import { toJson } from "../../../src/qobject/writer.ts";
import { QgaError } from "../../../src/schema/errors.ts";
import { LinuxMemory } from "../../../src/sys/memory.ts";
import { testContext } from "../../helpers/command_context.ts";
import { FakeMemory, FakeSys } from "../../helpers/fake_sys/fake_sys.ts";

const FIXTURES = decodeURIComponent(new URL("../../fixtures/memory/", import.meta.url).pathname);

function memory(name: string): LinuxMemory {
  return new LinuxMemory(FIXTURES + name);
}

/** Entry names of a fixture's memory directory, in readdir order. */
function readdirOrder(name: string): string[] {
  return Array.from(
    Deno.readDirSync(`${FIXTURES}${name}/sys/devices/system/memory`),
    (e) => e.name,
  );
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

const block = (index: bigint, online: boolean, canOffline: boolean) => ({
  "phys-index": index,
  online,
  "can-offline": canOffline,
});

Deno.test("listMemoryBlocks() reads state and removable of every memory<N> directory", () => {
  const byName: Record<string, unknown> = {
    memory0: block(0n, true, false), // removable "0"
    memory1: block(1n, true, true),
    memory32: block(32n, false, true), // offline
    memory33: block(33n, false, true), // going-offline
    memory40: block(40n, true, false), // no removable
    memory41: block(41n, true, false), // no state: removable not read
    memory42: block(42n, true, true), // online_movable starts with "online"
    memory43: block(43n, false, true), // "onlin"
    memoryX: block(0n, true, false), // strtoul("X") = 0: memory0 again
  };
  // Skipped: memory_file (a file), memory9 (a symbolic link), power, auto_online_blocks, ...
  const order = readdirOrder("blocks_mixed").filter((n) => n in byName);
  assert.equal(order.length, 9);
  assert.deepEqual(listMemoryBlocks(memory("blocks_mixed")), order.map((n) => byName[n]));
});

Deno.test("listMemoryBlocks() reply is byte-exact after shaping (online, can-offline, index)", () => {
  const got = listMemoryBlocks(memory("removable_missing"));
  assert.equal(
    toJson(shapeValue({ list: "GuestMemoryBlock" }, got)),
    '[{"online": false, "can-offline": false, "phys-index": 3}]',
  );
});

Deno.test("listMemoryBlocks() prints the uint64 index as PRId64 in the path (memory-1/)", () => {
  // memory18446744073709551615 and memory-1 both read as index 2^64 - 1, whose directory
  // qemu-ga spells memory-1/.
  assert.deepEqual(listMemoryBlocks(memory("huge_index")), [
    block(18446744073709551615n, true, true),
    block(18446744073709551615n, true, true),
  ]);
});

Deno.test("listMemoryBlocks() answers [] without a memory directory", () => {
  assert.deepEqual(listMemoryBlocks(memory("no_memory_dir")), []);
});

Deno.test("listMemoryBlocks() fails with 7.2's texts", async (t) => {
  const cases: [string, string][] = [
    ["blocks_none", "guest reported zero memory blocks!"],
    ["leading_zero", 'open("/sys/devices/system/memory/memory7/"): No such file or directory'],
    ["state_empty", 'pread sysfs file "state": unexpected EOF'],
    ["state_is_dir", 'pread sysfs file "state": Is a directory'],
    ["removable_empty", 'pread sysfs file "removable": unexpected EOF'],
  ];
  for (const [fixture, text] of cases) {
    await t.step(
      fixture,
      () => assert.equal(errorText(() => listMemoryBlocks(memory(fixture))), text),
    );
  }
});

Deno.test("listMemoryBlocks() makes transfer_memory_block()'s calls, closing every descriptor", () => {
  const fake = new FakeMemory({
    blocks: { memory5: { state: "online\n", removable: "1\n" }, memory6: {} },
    others: ["block_size_bytes", { name: "power", dir: true }, "memory7"],
  });
  assert.deepEqual(listMemoryBlocks(fake), [block(5n, true, true), block(6n, true, false)]);
  assert.deepEqual(fake.calls, [
    "list /sys/devices/system/memory/",
    "open /sys/devices/system/memory/memory5/",
    "openat memory5/ state O_RDONLY",
    "pread memory5/state 10@0",
    "close memory5/state",
    "openat memory5/ removable O_RDONLY",
    "pread memory5/removable 1@0",
    "close memory5/removable",
    "close memory5/",
    "open /sys/devices/system/memory/memory6/",
    "openat memory6/ state O_RDONLY",
    "close memory6/",
  ]);
  assert.equal(fake.openFds, 0);
});

Deno.test("listMemoryBlocks() reports open and read failures and stops at the first", async (t) => {
  const cases: [string, ConstructorParameters<typeof FakeMemory>[0], string][] = [
    [
      "opendir",
      { dirError: "EACCES" },
      `Can't open directory"/sys/devices/system/memory/": Permission denied`,
    ],
    [
      "block directory",
      { blocks: { memory2: { state: "online\n", dirError: "EACCES" } } },
      'open("/sys/devices/system/memory/memory2/"): Permission denied',
    ],
    [
      "state open",
      { blocks: { memory2: { state: "online\n", stateOpenError: "EACCES" } } },
      'open sysfs file "state": Permission denied',
    ],
    [
      "state pread",
      { blocks: { memory2: { state: "online\n", statePreadError: "EIO" } } },
      'pread sysfs file "state": Input/output error',
    ],
    [
      "removable open",
      { blocks: { memory2: { state: "online\n", removable: "1", removableOpenError: "EPERM" } } },
      'open sysfs file "removable": Operation not permitted',
    ],
    [
      "removable pread",
      { blocks: { memory2: { state: "online\n", removable: "1", removablePreadError: "EIO" } } },
      'pread sysfs file "removable": Input/output error',
    ],
  ];
  for (const [name, options, text] of cases) {
    await t.step(name, () => {
      const fake = new FakeMemory({
        ...options,
        blocks: { ...options?.blocks, memory9: { state: "online\n" } },
      });
      assert.equal(errorText(() => listMemoryBlocks(fake)), text);
      assert.ok(!fake.calls.includes("open /sys/devices/system/memory/memory9/"), name);
      assert.equal(fake.openFds, 0);
    });
  }
});

Deno.test("guest-get-memory-blocks handler reads ctx.sys.memory", async () => {
  const sys = new FakeSys({ memory: { blocks: { memory1: { state: "offline\n" } } } });
  const got = await HANDLERS["guest-get-memory-blocks"]({}, testContext({ sys }));
  assert.deepEqual(got, [block(1n, false, false)]);
});
