/**
 * Tests of `guest-set-memory-blocks` against the fake `Sys` only — the command takes memory
 * offline, so it never runs on a real sysfs here: every response path of qemu-ga 7.2's
 * `transfer_memory_block()` with its exact system-call sequence. (`./oracle_diff_test.ts` sends
 * the one harmless request — an index that does not exist — to qemu-ga and to ours on the host.)
 *
 * @module
 */

import assert from "node:assert/strict";
import { setMemoryBlocks } from "../../../src/commands/memory/set_blocks.ts";
import { HANDLERS } from "../../../src/commands/mod.ts";
import { shapeValue } from "../../../src/dispatch/shape.ts";
import { toJson } from "../../../src/qobject/writer.ts";
import { testContext } from "../../helpers/command_context.ts";
import {
  FakeMemory,
  type FakeMemoryBlock,
  type FakeMemoryOptions,
  FakeSys,
} from "../../helpers/fake_sys/fake_sys.ts";

const DIR = "/sys/devices/system/memory/";
const PROBE = [`opendir ${DIR}`, `closedir ${DIR}`];

/** The calls that read `memory3/state`. */
const READ_STATE = [
  `open ${DIR}memory3/`,
  "openat memory3/ state O_RDONLY",
  "pread memory3/state 10@0",
  "close memory3/state",
];

function fakeWith(block: FakeMemoryBlock, options: FakeMemoryOptions = {}): FakeMemory {
  return new FakeMemory({ ...options, blocks: { memory3: block } });
}

const request = (online: boolean, index = 3n) => ({ "phys-index": index, online });

Deno.test("setMemoryBlocks() leaves a block alone when its state already matches", () => {
  for (const [state, online] of [["online\n", true], ["offline\n", false]] as const) {
    const fake = fakeWith({ state });
    assert.deepEqual(setMemoryBlocks(fake, [request(online)]), [
      { "phys-index": 3n, response: "success" },
    ]);
    assert.deepEqual(fake.calls, [...PROBE, ...READ_STATE, `close memory3/`]);
    assert.equal(fake.block("memory3")!.state, state);
  }
});

Deno.test("setMemoryBlocks() writes offline / online to state when it differs", () => {
  for (
    const [state, online, word] of [["online\n", false, "offline"], [
      "offline\n",
      true,
      "online",
    ]] as const
  ) {
    const fake = fakeWith({ state, removable: "1\n" });
    assert.deepEqual(setMemoryBlocks(fake, [request(online)]), [
      { "phys-index": 3n, response: "success" },
    ]);
    assert.deepEqual(fake.calls, [
      ...PROBE,
      ...READ_STATE,
      "openat memory3/ state O_WRONLY",
      `pwrite memory3/state "${word}"@0`,
      "close memory3/state",
      "close memory3/",
    ]);
    assert.equal(fake.block("memory3")!.state, `${word}\n`);
    assert.equal(fake.openFds, 0);
  }
});

Deno.test("setMemoryBlocks() compares only the first 6 bytes of state with online", () => {
  const fake = fakeWith({ state: "online_movable\n" });
  assert.deepEqual(setMemoryBlocks(fake, [request(true)]), [
    { "phys-index": 3n, response: "success" },
  ]);
  assert.ok(!fake.calls.some((c) => c.startsWith("pwrite")));
  const going = fakeWith({ state: "going-offline\n" });
  setMemoryBlocks(going, [request(false)]);
  assert.ok(!going.calls.some((c) => c.startsWith("pwrite")));
});

Deno.test("setMemoryBlocks() answers not-found with error-code 2 for a missing block", () => {
  const fake = fakeWith({ state: "online\n" });
  const got = setMemoryBlocks(fake, [request(true, 999999n)]);
  assert.deepEqual(got, [{ "phys-index": 999999n, response: "not-found", "error-code": 2n }]);
  assert.deepEqual(fake.calls, [...PROBE, `open ${DIR}memory999999/`]);
  assert.equal(
    toJson(shapeValue({ list: "GuestMemoryBlockResponse" }, got)),
    '[{"response": "not-found", "error-code": 2, "phys-index": 999999}]',
  );
});

Deno.test("setMemoryBlocks() sets error-code to the errno on every failure path", async (t) => {
  const cases: [string, FakeMemory, boolean, string, bigint, string[]][] = [
    [
      "no memory directory",
      fakeWith({ state: "online\n" }, { dirError: "ENOENT" }),
      false,
      "operation-not-supported",
      2n,
      [`opendir ${DIR}`],
    ],
    [
      // Any other opendir errno leaves the response at 0, success (sic).
      "memory directory unreadable",
      fakeWith({ state: "online\n" }, { dirError: "EACCES" }),
      false,
      "success",
      13n,
      [`opendir ${DIR}`],
    ],
    [
      "block directory unreadable",
      fakeWith({ state: "online\n", dirError: "EACCES" }),
      false,
      "operation-failed",
      13n,
      [...PROBE, `open ${DIR}memory3/`],
    ],
    [
      "no state file, offline requested",
      fakeWith({}),
      false,
      "operation-not-supported",
      2n,
      [...PROBE, `open ${DIR}memory3/`, "openat memory3/ state O_RDONLY", "close memory3/"],
    ],
    [
      // Re-onlining a block without state "succeeds", still with error-code 2 (sic).
      "no state file, online requested",
      fakeWith({}),
      true,
      "success",
      2n,
      [...PROBE, `open ${DIR}memory3/`, "openat memory3/ state O_RDONLY", "close memory3/"],
    ],
    [
      "state unreadable",
      fakeWith({ state: "online\n", stateOpenError: "EACCES" }),
      false,
      "operation-failed",
      13n,
      [...PROBE, `open ${DIR}memory3/`, "openat memory3/ state O_RDONLY", "close memory3/"],
    ],
    [
      "state read error",
      fakeWith({ state: "online\n", statePreadError: "EIO" }),
      false,
      "operation-failed",
      5n,
      [...PROBE, ...READ_STATE, "close memory3/"],
    ],
    [
      // errno is 0 after an empty read.
      "state empty",
      fakeWith({ state: "" }),
      false,
      "operation-failed",
      0n,
      [...PROBE, ...READ_STATE, "close memory3/"],
    ],
    [
      "state not writable",
      fakeWith({ state: "online\n", writeOpenError: "EACCES" }),
      false,
      "operation-failed",
      13n,
      [...PROBE, ...READ_STATE, "openat memory3/ state O_WRONLY", "close memory3/"],
    ],
    [
      "the kernel refuses",
      fakeWith({ state: "online\n", pwriteError: "EBUSY" }),
      false,
      "operation-failed",
      16n,
      [
        ...PROBE,
        ...READ_STATE,
        "openat memory3/ state O_WRONLY",
        `pwrite memory3/state "offline"@0`,
        "close memory3/state",
        "close memory3/",
      ],
    ],
  ];
  for (const [name, fake, online, response, code, calls] of cases) {
    await t.step(name, () => {
      assert.deepEqual(setMemoryBlocks(fake, [request(online)]), [
        { "phys-index": 3n, response, "error-code": code },
      ]);
      assert.deepEqual(fake.calls, calls);
      assert.equal(fake.openFds, 0);
    });
  }
});

Deno.test("setMemoryBlocks() opens memory-1/ for index 2^64 - 1 (PRId64), echoing the uint64", () => {
  const fake = new FakeMemory({ blocks: { "memory-1": { state: "online\n" } } });
  assert.deepEqual(setMemoryBlocks(fake, [request(true, 18446744073709551615n)]), [
    { "phys-index": 18446744073709551615n, response: "success" },
  ]);
  assert.ok(fake.calls.includes(`open ${DIR}memory-1/`));
});

Deno.test("setMemoryBlocks() answers each entry in order, going on after failures", () => {
  const fake = new FakeMemory({
    blocks: {
      memory1: { state: "online\n", pwriteError: "EBUSY" },
      memory2: { state: "offline\n" },
    },
  });
  const got = setMemoryBlocks(fake, [
    request(false, 1n),
    request(true, 7n),
    { ...request(true, 2n), "can-offline": false },
  ]);
  assert.deepEqual(got, [
    { "phys-index": 1n, response: "operation-failed", "error-code": 16n },
    { "phys-index": 7n, response: "not-found", "error-code": 2n },
    { "phys-index": 2n, response: "success" },
  ]);
  assert.equal(fake.block("memory2")!.state, "online\n");
  assert.deepEqual(setMemoryBlocks(fake, []), []);
});

Deno.test("guest-set-memory-blocks handler writes through ctx.sys.memory", async () => {
  const sys = new FakeSys({ memory: { blocks: { memory4: { state: "online\n" } } } });
  const got = await HANDLERS["guest-set-memory-blocks"](
    { "mem-blks": [{ "phys-index": 4n, online: false }] },
    testContext({ sys }),
  );
  assert.deepEqual(got, [{ "phys-index": 4n, response: "success" }]);
  assert.equal(sys.memory.block("memory4")!.state, "offline\n");
});
