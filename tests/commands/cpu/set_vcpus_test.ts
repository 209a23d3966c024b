/**
 * guest-set-vcpus through a fake `/sys/devices/system/cpu`: exact system call sequences, the
 * partial-success count, qemu-ga's error texts; and the production FFI ops on a temporary copy
 * of the tree (never the real sysfs).
 *
 * @module
 */

import assert from "node:assert/strict";
import { guestSetVcpus, setVcpus } from "../../../src/commands/cpu/set.ts";
import { LinuxCpus } from "../../../src/sys/cpus.ts";
import { testContext } from "../../helpers/command_context.ts";
import { FakeCpus, FakeSys } from "../../helpers/fake_sys/fake_sys.ts";

const DIR = "/sys/devices/system/cpu";

function want(id: number, online: boolean) {
  return { "logical-id": BigInt(id), online };
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as { desc: string }).desc;
  }
  throw new Error("expected an error");
}

Deno.test("guest-set-vcpus writes '0'/'1' only when the state differs", () => {
  const ops = new FakeCpus({
    "1": { online: "1\n" },
    "2": { online: "0\n" },
    "3": { online: "1\n" },
  });
  assert.equal(setVcpus(ops, [want(1, false), want(2, true), want(3, true)]), 3n);
  assert.deepEqual(ops.calls, [
    `open ${DIR}/cpu1/`,
    "openat cpu1/ online O_RDWR",
    "pread cpu1/online 1@0",
    'pwrite cpu1/online "0"@0',
    "close cpu1/online",
    "close cpu1/",
    `open ${DIR}/cpu2/`,
    "openat cpu2/ online O_RDWR",
    "pread cpu2/online 1@0",
    'pwrite cpu2/online "1"@0',
    "close cpu2/online",
    "close cpu2/",
    `open ${DIR}/cpu3/`,
    "openat cpu3/ online O_RDWR",
    "pread cpu3/online 1@0",
    "close cpu3/online",
    "close cpu3/",
  ]);
  assert.equal(ops.cpu("1")?.online, "0\n");
  assert.equal(ops.cpu("2")?.online, "1\n");
});

Deno.test("guest-set-vcpus: a CPU without 'online' can stay online but can't be offlined", () => {
  const ops = new FakeCpus({ "0": {} });
  assert.equal(setVcpus(ops, [want(0, true)]), 1n);
  assert.equal(
    errorOf(() => setVcpus(ops, [want(0, false)])),
    "logical processor #0 can't be offlined",
  );
  assert.equal(ops.openFds, 0);
});

Deno.test("guest-set-vcpus returns the count before a later failure (partial success)", () => {
  const ops = new FakeCpus({
    "1": { online: "1" },
    "2": { online: "1", pwriteError: "EBUSY" },
    "3": { online: "1" },
  });
  assert.equal(setVcpus(ops, [want(1, false), want(2, false), want(3, false)]), 1n);
  assert.ok(!ops.calls.some((c) => c.includes("cpu3")));
  assert.equal(ops.cpu("3")?.online, "1");
  assert.equal(ops.openFds, 0);
  const offline0 = new FakeCpus({ "1": { online: "1" }, "0": {} });
  assert.equal(setVcpus(offline0, [want(1, true), want(0, false), want(1, false)]), 1n);
});

Deno.test("guest-set-vcpus returns the error when the first entry fails", () => {
  const cases: [ConstructorParameters<typeof FakeCpus>[0], number, boolean, string][] = [
    [{}, 9, true, `open("${DIR}/cpu9/"): No such file or directory`],
    [{ "1": { dirError: "ENOTDIR" } }, 1, true, `open("${DIR}/cpu1/"): Not a directory`],
    [
      { "1": { online: "1", openError: "EACCES" } },
      1,
      false,
      `open("${DIR}/cpu1//online"): Permission denied`,
    ],
    [{ "1": { online: "" } }, 1, false, `pread("${DIR}/cpu1//online"): unexpected EOF`],
    [
      { "1": { online: "1", preadError: "EIO" } },
      1,
      false,
      `pread("${DIR}/cpu1//online"): Input/output error`,
    ],
    [
      { "1": { online: "1", pwriteError: "EBUSY" } },
      1,
      false,
      `pwrite("${DIR}/cpu1//online"): Device or resource busy`,
    ],
    [
      { "-1": { online: "1", pwriteError: "EINVAL" } },
      -1,
      false,
      `pwrite("${DIR}/cpu-1//online"): Invalid argument`,
    ],
  ];
  for (const [cpus, id, online, text] of cases) {
    const ops = new FakeCpus(cpus);
    assert.equal(errorOf(() => setVcpus(ops, [want(id, online), want(1, true)])), text);
    assert.equal(ops.openFds, 0, text);
  }
});

Deno.test("guest-set-vcpus with an empty list does nothing and returns 0", () => {
  const ops = new FakeCpus({});
  assert.equal(setVcpus(ops, []), 0n);
  assert.deepEqual(ops.calls, []);
});

Deno.test("the guest-set-vcpus handler ignores can-offline", async () => {
  const sys = new FakeSys({ cpus: { "2": { online: "1" } } });
  const reply = await guestSetVcpus({
    vcpus: [{ "logical-id": 2n, online: false, "can-offline": false }],
  }, testContext({ sys }));
  assert.equal(reply, 1n);
  assert.equal(sys.cpus.cpu("2")?.online, "0");
});

Deno.test("LinuxCpus writes the online byte through FFI (temporary tree, not sysfs)", () => {
  const root = Deno.makeTempDirSync({ prefix: "qga-cpus-" });
  try {
    for (const [id, value] of [["1", "1\n"], ["2", "0\n"]] as const) {
      Deno.mkdirSync(`${root}${DIR}/cpu${id}`, { recursive: true });
      Deno.writeTextFileSync(`${root}${DIR}/cpu${id}/online`, value);
    }
    Deno.mkdirSync(`${root}${DIR}/cpu0`, { recursive: true });
    const ops = new LinuxCpus(root);
    assert.equal(setVcpus(ops, [want(1, false), want(2, true), want(0, true)]), 3n);
    assert.equal(Deno.readTextFileSync(`${root}${DIR}/cpu1/online`), "0\n");
    assert.equal(Deno.readTextFileSync(`${root}${DIR}/cpu2/online`), "1\n");
    assert.equal(
      errorOf(() => setVcpus(ops, [want(0, false)])),
      "logical processor #0 can't be offlined",
    );
    assert.equal(
      errorOf(() => setVcpus(ops, [want(5, true)])),
      `open("${DIR}/cpu5/"): No such file or directory`,
    );
    Deno.writeTextFileSync(`${root}${DIR}/cpu2/online`, "");
    assert.equal(
      errorOf(() => setVcpus(ops, [want(2, true)])),
      `pread("${DIR}/cpu2//online"): unexpected EOF`,
    );
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
