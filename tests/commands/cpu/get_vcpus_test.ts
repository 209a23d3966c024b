/**
 * Tests of `guest-get-vcpus` against fixture trees under `tests/fixtures/sys/` (read through the
 * real FFI sysfs reader), and of qemu-ga's `sscanf("cpu%" PRId64)` entry matching.
 *
 * Directory order in a fixture tree is whatever the filesystem's `readdir()` gives, so expected
 * lists are built in the order `Deno.readDir` reports (the same `readdir()` order).
 *
 * @module
 */

import assert from "node:assert/strict";
import { listVcpus, scanCpuId } from "../../../src/commands/cpu/get.ts";
import { QgaError } from "../../../src/schema/errors.ts";
import { shapeValue } from "../../../src/dispatch/shape.ts";
import { toJson } from "../../../src/qobject/writer.ts";
import { LinuxCpus } from "../../../src/sys/cpus.ts";
import { FakeCpus } from "../../helpers/fake_sys/fake_sys.ts";

const FIXTURES = decodeURIComponent(new URL("../../fixtures/sys/", import.meta.url).pathname);

function root(name: string): string {
  return FIXTURES + name;
}

/** Entry names of a fixture's cpu directory, in readdir order. */
function readdirOrder(name: string): string[] {
  return Array.from(Deno.readDirSync(`${root(name)}/sys/devices/system/cpu`), (e) => e.name);
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

Deno.test("listVcpus() reports offline CPUs, cpu0 without online, skips cpufreq/cpuidle", () => {
  const expected: Record<string, unknown> = {
    cpu0: { "logical-id": 0n, online: true, "can-offline": false },
    cpu1: { "logical-id": 1n, online: true, "can-offline": true },
    cpu2: { "logical-id": 2n, online: false, "can-offline": true },
    cpu3: { "logical-id": 3n, online: true, "can-offline": true },
    cpu10: { "logical-id": 10n, online: false, "can-offline": true },
  };
  const order = readdirOrder("vcpus_mixed").filter((n) => n in expected);
  assert.deepStrictEqual(order.length, 5);
  assert.deepStrictEqual(
    listVcpus(new LinuxCpus(root("vcpus_mixed"))),
    order.map((n) => expected[n]),
  );
});

Deno.test("listVcpus() on a guest without hotpluggable CPUs: online, cannot offline", () => {
  const got = listVcpus(new LinuxCpus(root("vcpus_not_hotpluggable")));
  const ids = readdirOrder("vcpus_not_hotpluggable").filter((n) => /^cpu\d+$/.test(n))
    .map((n) => BigInt(n.slice(3)));
  assert.deepStrictEqual(
    got,
    ids.map((id) => ({ "logical-id": id, online: true, "can-offline": false })),
  );
});

Deno.test("listVcpus() reply is byte-exact after shaping (member order online, can-offline, id)", () => {
  const got = listVcpus(new LinuxCpus(root("vcpus_not_hotpluggable")));
  const json = toJson(shapeValue({ list: "GuestLogicalProcessor" }, got));
  const parts = got.map((v) =>
    `{"online": true, "can-offline": false, "logical-id": ${v["logical-id"]}}`
  );
  assert.deepStrictEqual(json, `[${parts.join(", ")}]`);
});

Deno.test("listVcpus() uses the id sscanf reads from odd names (cpu1abc → cpu1, cpu-0 → cpu0)", () => {
  const byName: Record<string, unknown> = {
    cpu0: { "logical-id": 0n, online: true, "can-offline": true },
    "cpu-0": { "logical-id": 0n, online: true, "can-offline": true },
    cpu1: { "logical-id": 1n, online: false, "can-offline": true },
    cpu1abc: { "logical-id": 1n, online: false, "can-offline": true },
  };
  const order = readdirOrder("vcpus_odd_names").filter((n) => n in byName);
  assert.deepStrictEqual(order.length, 4);
  assert.deepStrictEqual(
    listVcpus(new LinuxCpus(root("vcpus_odd_names"))),
    order.map((n) => byName[n]),
  );
});

Deno.test("listVcpus() fails with 7.2's texts", async (t) => {
  const cases: [string, string][] = [
    ["no_cpu_dir", "failed to list entries: /sys/devices/system/cpu: No such file or directory"],
    ["vcpus_cpu_is_file", 'open("/sys/devices/system/cpu/cpu1/"): Not a directory'],
    ["vcpus_leading_zero", 'open("/sys/devices/system/cpu/cpu7/"): No such file or directory'],
    ["vcpus_empty_online", 'pread("/sys/devices/system/cpu/cpu1//online"): unexpected EOF'],
    ["vcpus_online_is_dir", 'pread("/sys/devices/system/cpu/cpu1//online"): Is a directory'],
  ];
  for (const [fixture, text] of cases) {
    await t.step(fixture, () => {
      assert.deepStrictEqual(errorText(() => listVcpus(new LinuxCpus(root(fixture)))), text);
    });
  }
});

/** Fake CPUs whose directory lists `names` (or throws `error`). */
class ListedCpus extends FakeCpus {
  constructor(readonly names: string[], readonly error?: Error) {
    super({});
  }

  override listCpuDir(): string[] {
    if (this.error) throw this.error;
    return this.names;
  }
}

Deno.test("listVcpus() reports an open() failure of online and a bug in the listing", () => {
  const cpus = new FakeCpus({ "4": { online: "1", openError: "EACCES" } });
  assert.deepStrictEqual(
    errorText(() => listVcpus(cpus)),
    'open("/sys/devices/system/cpu/cpu4//online"): Permission denied',
  );
  assert.deepStrictEqual(cpus.calls, [
    "list /sys/devices/system/cpu",
    "open /sys/devices/system/cpu/cpu4/",
    "openat cpu4/ online O_RDONLY",
    "close cpu4/",
  ]);
  assert.throws(() => listVcpus(new ListedCpus([], new TypeError("bug"))), TypeError);
});

Deno.test("listVcpus() answers [] when no processor is listed (7.2 aborts)", () => {
  assert.deepStrictEqual(listVcpus(new ListedCpus(["cpufreq"])), []);
});

Deno.test('scanCpuId() matches glibc sscanf(name, "cpu%" PRId64)', () => {
  // Results checked against glibc 2.36's sscanf with a small C program.
  const table: [string, bigint | "no-match" | "eof"][] = [
    ["cpu0", 0n],
    ["cpu12", 12n],
    ["cpufreq", "no-match"],
    ["cpuidle", "no-match"],
    ["cpu", "eof"],
    ["cp", "eof"],
    ["c", "eof"],
    ["", "eof"],
    ["cpu ", "eof"],
    ["cpu-", "no-match"],
    ["cpu+", "no-match"],
    ["cpu-1", -1n],
    ["cpu+3", 3n],
    [" cpu1", "no-match"],
    ["cpu 5", 5n],
    ["cpu\t7", 7n],
    ["cpu1abc", 1n],
    ["cpu007", 7n],
    ["cpu99999999999999999999", 9223372036854775807n],
    ["cpu-99999999999999999999", -9223372036854775808n],
    ["Cpu1", "no-match"],
    ["cpux", "no-match"],
  ];
  for (const [name, want] of table) assert.deepStrictEqual(scanCpuId(name), want, name);
});
