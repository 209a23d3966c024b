/**
 * Tests of `guest-get-cpustats` on `/proc/stat` fixtures under `tests/fixtures/proc/` (read
 * through the real FFI reader) and against the fake `Sys` (clock tick rates, failures, the log).
 * `./oracle_diff_test.ts` checks the same fixtures against qemu-ga 7.2 itself.
 *
 * @module
 */

import assert from "node:assert/strict";
import { cLines, parseProcStat, readCpuStats } from "../../../src/commands/stats/cpustats.ts";
import { shapeValue } from "../../../src/dispatch/shape.ts";
import { toJson } from "../../../src/qobject/writer.ts";
import { QgaError } from "../../../src/schema/errors.ts";
import { LinuxCpus } from "../../../src/sys/cpus.ts";
import { testContext } from "../../helpers/command_context.ts";
import { FakeCpus, FakeSys } from "../../helpers/fake_sys/fake_sys.ts";
import { HANDLERS } from "../../../src/commands/mod.ts";

const PROC = decodeURIComponent(new URL("../../fixtures/proc/", import.meta.url).pathname);

function errorText(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof QgaError) return String(e.desc);
    throw e;
  }
  throw new Error("expected a QgaError");
}

function json(value: unknown): string {
  return toJson(shapeValue({ list: "GuestCpuStats" }, value));
}

Deno.test("readCpuStats() converts a typical /proc/stat to milliseconds, skipping the total", () => {
  const got = readCpuStats(new LinuxCpus(PROC + "stat_typical"));
  assert.equal(got.length, 4);
  assert.deepEqual(got[1], {
    type: "linux",
    cpu: 1n,
    user: 450330n,
    nice: 20n,
    system: 198760n,
    idle: 11446300n,
    iowait: 25670n,
    irq: 0n,
    softirq: 5120n,
    steal: 95120n,
    guest: 0n,
    guestnice: 10n,
  });
  assert.deepEqual(got.map((c) => c.cpu), [0n, 1n, 2n, 3n]);
});

Deno.test("readCpuStats() reply is byte-exact after shaping (qemu-ga's member order)", () => {
  const got = readCpuStats(new LinuxCpus(PROC + "stat_typical"));
  assert.equal(
    json(got.slice(0, 1)),
    '[{"cpu": 0, "guestnice": 0, "idle": 11451120, "steal": 94300, "iowait": 21010, ' +
      '"system": 201170, "guest": 10, "nice": 30, "irq": 0, "type": "linux", ' +
      '"user": 441020, "softirq": 3100}]',
  );
});

Deno.test("readCpuStats() reads odd lines as qemu-ga's sscanf does and stops at a short one", () => {
  const got = readCpuStats(new LinuxCpus(PROC + "stat_odd"));
  const short = (cpu: bigint, v: bigint[]) => ({
    type: "linux",
    cpu,
    user: v[0],
    nice: v[1],
    system: v[2],
    idle: v[3],
  });
  const ten = [10n, 20n, 30n, 40n];
  assert.deepEqual(got, [
    short(0n, [1000n, 2000n, 3000n, 4000n]),
    { ...short(1n, ten), iowait: 50n },
    { ...short(2n, ten), iowait: 50n, irq: 60n, softirq: 70n },
    { ...short(3n, ten), iowait: 50n, irq: 60n, softirq: 70n, steal: 80n },
    { ...short(4n, ten), iowait: 50n, irq: 60n, softirq: 70n, steal: 80n, guest: 90n },
    {
      ...short(5n, ten),
      iowait: 50n,
      irq: 60n,
      softirq: 70n,
      steal: 80n,
      guest: 90n,
      guestnice: 100n,
    },
    {
      ...short(6n, ten),
      iowait: 50n,
      irq: 60n,
      softirq: 70n,
      steal: 80n,
      guest: 90n,
      guestnice: 100n,
    },
    short(0n, [110n, 120n, 130n, 140n]), // cpuX: atoi("X") = 0
    short(-7n, [10n, 10n, 10n, 10n]), // cpu-7
    short(7n, [20n, 20n, 20n, 20n]), // cpu007
    short(1215752191n, [30n, 30n, 30n, 30n]), // atoi(99999999999): truncated to int
    // ULONG_MAX, -1 and an overflow all read as ULONG_MAX; × 1000 wraps modulo 2^64; "+5";
    // "0x10" reads 0 and stops the line at the "x".
    {
      ...short(8n, [184467440737095506n, 184467440737095506n, 184467440737095506n, 50n]),
      iowait: 0n,
    },
    { ...short(9n, ten), iowait: 50n }, // leading blanks and tabs
    short(10n, ten), // the rest of the line after a NUL byte is not seen
    short(14n, ten), // a lone "-" stops the line
    short(15n, [18446744073709550n, 18446744073709560n, 3n, 30n]), // 18446744073709552 × 1000 wraps
    short(0n, ten), // cpux1
    // cpu11 has 3 numbers: parsing stops, cpu12 is not reported.
  ]);
});

Deno.test("parseProcStat() logs qemu-ga's message when a CPU line has fewer than 4 numbers", () => {
  const lines: string[] = [];
  const got = parseProcStat(["cpu0 1 2 3 4", "cpu1 1 2 3", "cpu2 1 2 3 4"], 100, {
    audit: (m) => lines.push(m),
  });
  assert.deepEqual(got.map((c) => c.cpu), [0n]);
  assert.deepEqual(lines, ['Parsing cpu stat from /proc/stat failed, see "man proc"']);
});

Deno.test("parseProcStat() divides by the clock tick rate in unsigned 64-bit arithmetic", () => {
  const line = ["cpu0 7 1000 18446744073709551615 3"];
  const at = (hz: number) => {
    const c = parseProcStat(line, hz)[0]!;
    return [c.user, c.nice, c.system, c.idle];
  };
  assert.deepEqual(at(100), [70n, 10000n, 184467440737095506n, 30n]);
  assert.deepEqual(at(1000), [7n, 1000n, 18446744073709550n, 3n]);
  assert.deepEqual(at(300), [23n, 3333n, 61489146912365168n, 10n]);
  // sysconf failing (-1) divides by ULONG_MAX, as C converts the int divisor.
  assert.deepEqual(at(-1), [0n, 0n, 0n, 0n]);
});

Deno.test("parseProcStat() reports softirq 0 for a line of exactly 6 numbers (7.2: uninitialised)", () => {
  const got = parseProcStat(["cpu0 1 2 3 4 5 6"], 100);
  assert.deepEqual(got[0], {
    type: "linux",
    cpu: 0n,
    user: 10n,
    nice: 20n,
    system: 30n,
    idle: 40n,
    iowait: 50n,
    irq: 60n,
    softirq: 0n,
  });
});

Deno.test("cLines() splits like getline and cuts each line at a NUL", () => {
  const bytes = new TextEncoder().encode("a\n\nb\0c\nlast");
  assert.deepEqual(cLines(bytes), ["a", "", "b", "last"]);
  assert.deepEqual(cLines(new TextEncoder().encode("x\n")), ["x"]);
  assert.deepEqual(cLines(new Uint8Array()), []);
});

Deno.test("readCpuStats() fails with 7.2's open() text, and a read error ends the file", () => {
  assert.equal(
    errorText(() => readCpuStats(new LinuxCpus(PROC + "no_proc_stat"))),
    'open("/proc/stat"): No such file or directory',
  );
  const denied = new FakeCpus({}, { procStatError: "EACCES" });
  assert.equal(errorText(() => readCpuStats(denied)), 'open("/proc/stat"): Permission denied');
  assert.deepEqual(denied.calls, ["sysconf _SC_CLK_TCK", "read /proc/stat"]);
  const broken = new FakeCpus({}, { procStatError: "EIO", procStatCall: "read" });
  assert.deepEqual(readCpuStats(broken), []);
});

Deno.test("guest-get-cpustats handler reads ctx.sys.cpus and logs through ctx.log", async () => {
  const sys = new FakeSys({
    cpuStats: { procStat: "cpu 1 1 1 1\ncpu3 1 2 3 4 5 6 7 8\ncpu4 1\n", clockTicks: 250 },
  });
  const audits: string[] = [];
  const ctx = testContext({
    sys,
    log: { audit: (m) => audits.push(m), debug() {}, warning() {}, error() {} },
  });
  const got = await HANDLERS["guest-get-cpustats"]({}, ctx);
  assert.deepEqual(got, [{
    type: "linux",
    cpu: 3n,
    user: 4n,
    nice: 8n,
    system: 12n,
    idle: 16n,
    iowait: 20n,
    irq: 24n,
    softirq: 28n,
    steal: 32n,
  }]);
  assert.deepEqual(audits, ['Parsing cpu stat from /proc/stat failed, see "man proc"']);
});

Deno.test("LinuxCpus.clockTicksPerSecond() is sysconf(_SC_CLK_TCK), as getconf reports it", async () => {
  const out = await new Deno.Command("getconf", { args: ["CLK_TCK"], stdout: "piped" }).output();
  const want = Number(new TextDecoder().decode(out.stdout).trim());
  assert.equal(new LinuxCpus().clockTicksPerSecond(), want);
});
