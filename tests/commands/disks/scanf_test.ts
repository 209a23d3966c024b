/**
 * Tests of `scanf()` (`src/commands/disks/scanf.ts`): the conversions qemu-ga 7.2 uses on sysfs
 * paths and `/proc/diskstats`, by hand, and — when a C compiler is installed — against glibc's
 * own `sscanf()` on a corpus of odd inputs (a probe compiled and run once per test run).
 *
 * @module
 */

import assert from "node:assert/strict";
import { scanf } from "../../../src/commands/disks/scanf.ts";
import { DISKSTATS_FORMAT } from "../../../src/commands/disks/diskstats.ts";

Deno.test("scanf() reads a PCI address and the bytes consumed as qemu-ga does", () => {
  assert.deepStrictEqual(scanf("0000:00/0000:00:1f.2/ata3", "%*x:%*x/%x:%x:%x.%x%n"), {
    count: 4,
    values: [0n, 0n, 0x1fn, 2n, 20n],
  });
  assert.deepStrictEqual(scanf("/0000:01:00.0/virtio3", "/%x:%x:%x.%x%n"), {
    count: 4,
    values: [0n, 1n, 0n, 0n, 13n],
  });
  assert.equal(scanf("/virtio1/block/vda", "/%x:%x:%x.%x%n").count, 0);
});

Deno.test("scanf() %x takes a 0x prefix and a sign, and truncates to 32 bits", () => {
  assert.deepStrictEqual(scanf("0x1f", "%x").values, [0x1fn]);
  assert.deepStrictEqual(scanf("0xg", "%x%n").values, [0n, 2n]);
  assert.deepStrictEqual(scanf("-1", "%x").values, [0xffffffffn]);
  assert.deepStrictEqual(scanf("123456789", "%x").values, [0x23456789n]);
});

Deno.test("scanf() %u/%d/%lu convert like strtoul/strtol, then to the argument's width", () => {
  assert.deepStrictEqual(scanf("4294967301", "%u").values, [5n]);
  assert.deepStrictEqual(scanf("-1", "%u").values, [0xffffffffn]);
  assert.deepStrictEqual(scanf("-1", "%lu").values, [(1n << 64n) - 1n]);
  assert.deepStrictEqual(scanf("99999999999999999999999", "%lu").values, [(1n << 64n) - 1n]);
  assert.deepStrictEqual(scanf("99999999999999999999999", "%u").values, [0xffffffffn]);
  assert.deepStrictEqual(scanf("ata-2", "ata%d").values, [-2n]);
  assert.deepStrictEqual(scanf("ata4294967297", "ata%d").values, [1n]);
  assert.deepStrictEqual(scanf("+7", "%u").values, [7n]);
});

Deno.test("scanf() returns -1 when the input ends before the first conversion", () => {
  assert.equal(scanf("", "%u").count, -1);
  assert.equal(scanf("   \n", "%u %u").count, -1);
  assert.equal(scanf("ata", "ata%d").count, -1);
  assert.equal(scanf("at", "ata%d").count, -1);
  assert.equal(scanf("8 18\n", "%u %u %s").count, 2);
  assert.equal(scanf("atb1", "ata%d").count, 0);
  assert.equal(scanf("-", "%u").count, 0);
});

Deno.test("scanf() skips suppressed conversions without counting them", () => {
  assert.deepStrictEqual(scanf("2:0:3/2:0:3:1/block/sda", "%*u:%*u:%*u/%*u:%u:%u:%u"), {
    count: 3,
    values: [0n, 3n, 1n],
  });
  assert.equal(scanf("5", "%*u %u").count, -1);
});

/** Inputs for the comparison with glibc, per format. */
const CORPUS: Record<string, readonly string[]> = {
  pci: [
    "0000:00/0000:00:02.0/virtio1/block/vda",
    "10000:00/10000:00:0e.0/x",
    "0000:00/0000:00:1f",
    "0000:00/0x0:0X1:0x:0x1g",
    "ffff:ff/-1:+2:  3. 4",
    "0000:00/123456789:0:0.0",
    "",
    "0000",
  ],
  nested: ["/0000:01:00.0/virtio3", "/ata1/host0", "/a:b:c.d", "/0000:01:00", "x"],
  target: ["2:0:3/2:0:3:1/block/sda", "0:0:0/0:0:0", "1:2:3/4:5:6:-7", "x", "1:2:3/4:5"],
  ata: ["ata1", "ata", "ata-3", "ata 4", "ata+5x", "atax", "ata99999999999", ""],
  host: ["host12", "host", "hostile", "host-0"],
  unsigned: ["12", "  7/x", "-1", "+", "4294967296", ""],
  ccw: ["0/0.0.0002/0.0.0004/virtio1", "0/0.0.0002/0.0.0004", "0/0.0.x", "fe/1.2.3/4.5.6/"],
  diskstats: [
    "   8       0 sda 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20",
    "   8       1 sda1 100 200 300 400",
    "8 16 sdb 4294967296 4294967297 18446744073709551615 18446744073709551616 9 4294967301 -1",
    "8 17 sdb1 -1 +2 0x10 0010",
    "8 21 sdb5 1 2 3 x 5 6 7 8 9 10 11 12 13 14",
    "x 20 bad 1 2 3 4",
    "8",
    "",
    "-8 -24 neg 1 2 3 4 5 6 7 8 9 10 11 99999999999 13 14 15 16 17 18 19 20 21",
  ],
};

const FORMATS: Record<string, string> = {
  pci: "%*x:%*x/%x:%x:%x.%x%n",
  nested: "/%x:%x:%x.%x%n",
  target: "%*u:%*u:%*u/%*u:%u:%u:%u",
  ata: "ata%d",
  host: "host%d",
  unsigned: "%u",
  ccw: "%*x/%x.%x.%x/%*x.%*x.%x/",
  diskstats: DISKSTATS_FORMAT,
};

/** A C program printing `count v1 v2 ...` for each stdin line under one of the formats. */
const PROBE = `#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
  char line[4096];
  const char *k = argv[1];
  while (fgets(line, sizeof line, stdin)) {
    line[strcspn(line, "\\n")] = 0;
    if (!strcmp(k, "pci") || !strcmp(k, "nested")) {
      unsigned a = 0, b = 0, c = 0, d = 0; int n = -1;
      int r = sscanf(line, !strcmp(k, "pci") ? "${FORMATS.pci}" : "${FORMATS.nested}",
                     &a, &b, &c, &d, &n);
      printf("%d %u %u %u %u %d\\n", r, a, b, c, d, n);
    } else if (!strcmp(k, "target") || !strcmp(k, "ccw")) {
      unsigned a = 0, b = 0, c = 0, d = 0;
      int r = sscanf(line, !strcmp(k, "target") ? "${FORMATS.target}" : "${FORMATS.ccw}",
                     &a, &b, &c, &d);
      printf("%d %u %u %u %u\\n", r, a, b, c, d);
    } else if (!strcmp(k, "ata") || !strcmp(k, "host")) {
      int a = 0; int r = sscanf(line, !strcmp(k, "ata") ? "ata%d" : "host%d", &a);
      printf("%d %d\\n", r, a);
    } else if (!strcmp(k, "unsigned")) {
      unsigned a = 0; int r = sscanf(line, "%u", &a);
      printf("%d %u\\n", r, a);
    } else {
      unsigned mj = 0, mn = 0, u[6] = {0}; unsigned long l[11] = {0}; char name[128] = "";
      int r = sscanf(line, "${FORMATS.diskstats}", &mj, &mn, name, &l[0], &l[1], &l[2], &l[3],
                     &l[4], &l[5], &l[6], &u[0], &u[1], &u[2], &u[3], &l[7], &l[8], &l[9],
                     &u[4], &l[10], &u[5]);
      printf("%d %u %u %s %lu %lu %lu %lu %lu %lu %lu %u %u %u %u %lu %lu %lu %u %lu %u\\n",
             r, mj, mn, name[0] ? name : "-", l[0], l[1], l[2], l[3], l[4], l[5], l[6], u[0],
             u[1], u[2], u[3], l[7], l[8], l[9], u[4], l[10], u[5]);
    }
  }
  return 0;
}
`;

/** Compiles the probe; undefined without a C compiler. */
async function compileProbe(dir: string): Promise<string | undefined> {
  await Deno.writeTextFile(`${dir}/probe.c`, PROBE);
  try {
    const out = await new Deno.Command("cc", {
      args: ["-O0", "-w", "-o", `${dir}/probe`, `${dir}/probe.c`],
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    return `${dir}/probe`;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return undefined;
    throw e;
  }
}

/** Our result in the probe's output format (unassigned values as the probe's zero/-1/"-"). */
function ours(kind: string, line: string): string {
  const { count, values } = scanf(line, FORMATS[kind]!);
  const v = (i: number, fill: string) => (values[i] === undefined ? fill : String(values[i]));
  if (kind === "pci" || kind === "nested") {
    return [count, v(0, "0"), v(1, "0"), v(2, "0"), v(3, "0"), v(4, "-1")].join(" ");
  }
  if (kind === "target" || kind === "ccw") {
    return [count, v(0, "0"), v(1, "0"), v(2, "0"), v(3, "0")].join(" ");
  }
  if (kind === "ata" || kind === "host" || kind === "unsigned") return [count, v(0, "0")].join(" ");
  return [count, ...Array.from({ length: 20 }, (_, i) => v(i, i === 2 ? "-" : "0"))].join(" ");
}

Deno.test("scanf() converts like glibc's sscanf() on odd inputs", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "qga-scanf-" });
  try {
    const probe = await compileProbe(dir);
    if (!probe) {
      console.warn("no C compiler (cc): glibc comparison skipped");
      return;
    }
    for (const [kind, inputs] of Object.entries(CORPUS)) {
      await t.step(kind, async () => {
        const child = new Deno.Command(probe, { args: [kind], stdin: "piped", stdout: "piped" })
          .spawn();
        const writer = child.stdin.getWriter();
        await writer.write(new TextEncoder().encode(inputs.map((i) => `${i}\n`).join("")));
        await writer.close();
        const glibc = new TextDecoder().decode((await child.output()).stdout).trimEnd()
          .split("\n");
        assert.deepStrictEqual(inputs.map((i) => ours(kind, i)), glibc);
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
