/**
 * Tests of guest-get-diskstats (`src/commands/disks/diskstats.ts`): the four line formats of
 * `/proc/diskstats`, 7.2's 32-bit tick counters, odd lines, and the error text — on the fixture
 * `diskstats_formats` through the real reader and on `FakeDisks`.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  listDiskstats,
  parseDiskstats,
  parseDiskstatsLine,
} from "../../../src/commands/disks/diskstats.ts";
import { QgaError } from "../../../src/schema/errors.ts";
import { LinuxDisks } from "../../../src/sys/disks/disks.ts";
import { FakeDisks } from "../../helpers/fake_sys/disks.ts";

const PROC = decodeURIComponent(new URL("../../fixtures/proc/", import.meta.url).pathname);

Deno.test("parseDiskstatsLine() maps a 20-field line (kernel 5.5+) to every counter", () => {
  const line = " 254       0 vda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n";
  assert.deepStrictEqual(parseDiskstatsLine(line), {
    name: "vda",
    major: 254n,
    minor: 0n,
    stats: {
      "read-ios": 1n,
      "read-merges": 2n,
      "read-sectors": 3n,
      "read-ticks": 4n,
      "write-ios": 5n,
      "write-merges": 6n,
      "write-sectors": 7n,
      "write-ticks": 8n,
      "ios-pgr": 9n,
      "total-ticks": 10n,
      "weight-ticks": 11n,
      "discard-ios": 12n,
      "discard-merges": 13n,
      "discard-sectors": 14n,
      "discard-ticks": 15n,
      "flush-ios": 16n,
      "flush-ticks": 17n,
    },
  });
});

Deno.test("parseDiskstatsLine() reads 18 and 14 fields, and old partition lines of 7", () => {
  const keys = (line: string) => Object.keys(parseDiskstatsLine(line)!.stats).sort();
  assert.equal(keys("8 0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15").length, 15);
  assert.equal(keys("8 0 sda 1 2 3 4 5 6 7 8 9 10 11").length, 11);
  assert.deepStrictEqual(parseDiskstatsLine("8 1 sda1 100 200 300 400\n")!.stats, {
    "read-ios": 100n,
    "read-sectors": 200n,
    "write-ios": 300n,
    "write-sectors": 400n,
  });
});

Deno.test("parseDiskstatsLine() gives empty stats for 8 to 13 fields and skips fewer than 7", () => {
  assert.deepStrictEqual(parseDiskstatsLine("8 2 sda2 1 2 3 4 5")!.stats, {});
  assert.deepStrictEqual(parseDiskstatsLine("8 3 sda3 1 2 3 4 5 6 7 8 9 10")!.stats, {});
  assert.equal(parseDiskstatsLine("8 6 sda6 1 2 3"), null);
  assert.equal(parseDiskstatsLine("\n"), null);
  assert.equal(parseDiskstatsLine("x 20 bad 1 2 3 4"), null);
});

Deno.test("parseDiskstatsLine() truncates 7.2's unsigned int ticks, not its unsigned longs", () => {
  const big = 4294967296n + 5n;
  const line = `8 0 sda ${big} 2 3 4 5 6 7 ${big} ${big} ${big} ${big} 12 13 14 ${big} 16 ${big}`;
  const stats = parseDiskstatsLine(line)!.stats;
  assert.equal(stats["read-ios"], big);
  assert.equal(stats["write-ticks"], 5n);
  assert.equal(stats["ios-pgr"], 5n);
  assert.equal(stats["total-ticks"], 5n);
  assert.equal(stats["weight-ticks"], 5n);
  assert.equal(stats["discard-ios"], 12n);
  assert.equal(stats["discard-ticks"], 5n);
  assert.equal(stats["flush-ticks"], 5n);
  assert.equal(parseDiskstatsLine("8 0 sda -1 2 3 4")!.stats["read-ios"], (1n << 64n) - 1n);
});

Deno.test("parseDiskstats() keeps file order and cuts a line at a NUL byte", () => {
  const text = "8 0 sda 1 2 3 4\n8 1 sda1 1 2 3\0 4\n8 2 sdb 1 2 3 4";
  assert.deepStrictEqual(
    parseDiskstats(new TextEncoder().encode(text)).map((e) => e.name),
    ["sda", "sdb"],
  );
});

Deno.test("listDiskstats() on diskstats_formats: one entry per line of 7 fields or more", () => {
  const list = listDiskstats(new LinuxDisks(PROC + "diskstats_formats"));
  assert.deepStrictEqual(
    list.map((e) => [e.name, Object.keys(e.stats).length]),
    [["vda", 17], ["vda1", 15], ["sda", 11], ["sda1", 4], ["sda2", 0], ["sda3", 0], ["sda4", 15], [
      "sda5",
      17,
    ]],
  );
});

Deno.test('listDiskstats() fails with open("/proc/diskstats") and keeps lines read before an error', () => {
  assert.throws(
    () => listDiskstats(new FakeDisks()),
    new QgaError('open("/proc/diskstats"): No such file or directory'),
  );
  assert.throws(
    () => listDiskstats(new LinuxDisks(PROC + "diskstats_missing")),
    new QgaError('open("/proc/diskstats"): No such file or directory'),
  );
  const partial = new FakeDisks({
    diskstats: "8 0 sda 1 2 3 4\n",
    failures: { "read /proc/diskstats": "EIO" },
  });
  assert.deepStrictEqual(listDiskstats(partial).map((e) => e.name), ["sda"]);
});
