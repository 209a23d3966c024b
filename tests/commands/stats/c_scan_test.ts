/**
 * Tests of the C conversions (`src/commands/stats/c_scan.ts`) against tables of what glibc
 * answers. The tables were recorded with glibc 2.36 (Debian 12); when a C compiler is installed
 * the same inputs also go through the running system's `strtoul`/`strtol`/`atoi`/`sscanf` in a
 * small C program, so a table cannot drift from glibc.
 *
 * @module
 */

import assert from "node:assert/strict";
import { atoi, isCSpace, sscanf, strtol, strtoul } from "../../../src/commands/stats/c_scan.ts";

const STRTOUL_10: [string, bigint][] = [
  ["12abc", 12n],
  [" 12", 12n],
  ["\t\n5", 5n],
  ["-1", 18446744073709551615n],
  ["+7", 7n],
  ["007", 7n],
  ["99999999999999999999", 18446744073709551615n],
  ["-99999999999999999999", 18446744073709551615n],
  ["18446744073709551615", 18446744073709551615n],
  ["18446744073709551616", 18446744073709551615n],
  ["x", 0n],
  ["", 0n],
  [" -", 0n],
];

const STRTOL_16: [string, bigint][] = [
  ["8000000\n", 134217728n],
  ["  0x10", 16n],
  ["0X1f", 31n],
  ["0x", 0n],
  ["0xg", 0n],
  ["+A", 10n],
  ["-1", -1n],
  ["7fffffffffffffff", 9223372036854775807n],
  ["8000000000000000", 9223372036854775807n],
  ["fffffffffffffffffffff", 9223372036854775807n],
  ["-8000000000000000", -9223372036854775808n],
  ["-fffffffffffffffffffff", -9223372036854775808n],
  ["zz", 0n],
];

const ATOI: [string, number][] = [
  ["1abc", 1],
  ["x", 0],
  ["-7", -7],
  ["007", 7],
  [" 5", 5],
  ["99999999999", 1215752191],
  ["-99999999999", -1215752191],
  ["2147483648", -2147483648],
  ["99999999999999999999", -1],
];

/** `sscanf(input, "%s %lu × 10")`: the count and the first three numbers (0 when not stored). */
const SCAN_LU: [string, number, string, bigint, bigint, bigint][] = [
  ["cpu0 1 2", 3, "cpu0", 1n, 2n, 0n],
  ["   ", -1, "", 0n, 0n, 0n],
  ["", -1, "", 0n, 0n, 0n],
  ["cpu 5 x", 2, "cpu", 5n, 0n, 0n],
  ["a +5 -5 0x10", 4, "a", 5n, 18446744073709551611n, 0n],
  ["a - 5", 1, "a", 0n, 0n, 0n],
  ["a + 5", 1, "a", 0n, 0n, 0n],
  ["a 1 2 3 4 5 6 7 8 9 10 11 12", 11, "a", 1n, 2n, 3n],
];
const LU_FORMAT = "%s %lu %lu %lu %lu %lu %lu %lu %lu %lu %lu";

/** `sscanf(input, "%s %X %X %x %d %d %d %X %d %d %d")` (upstream's IPv4 route line). */
const SCAN_V4: [string, number, bigint[]][] = [
  ["eth0 0x0100A8C0 0 3 -1 -1 -1 FFFFFFFF -1 -1 -1", 11, [
    16820416n,
    0n,
    3n,
    -1n,
    -1n,
    -1n,
    4294967295n,
    -1n,
    -1n,
    -1n,
  ]],
  ["eth2 1FFFFFFFF 0 1 2147483648 4294967296 0 0 0 0 0", 11, [
    4294967295n,
    0n,
    1n,
    -2147483648n,
    0n,
    0n,
    0n,
    0n,
    0n,
    0n,
  ]],
  ["e 0x 0x1 -0x2 1 1 1 1 1 1 1", 11, [0n, 1n, 4294967294n, 1n, 1n, 1n, 1n, 1n, 1n, 1n]],
  ["e fffffffffffffffffff 0 1 -2147483649 1 1 1 1 1 1", 11, [
    4294967295n,
    0n,
    1n,
    2147483647n,
    1n,
    1n,
    1n,
    1n,
    1n,
    1n,
  ]],
];
const V4_FORMAT = "%s %X %X %x %d %d %d %X %d %d %d";

/** `sscanf(input, "%02hhx")` (upstream's IPv6 address pairs). */
const SCAN_HHX: [string, number, bigint][] = [
  ["fe", 1, 254n],
  ["f", 1, 15n],
  ["fg", 1, 15n],
  ["g0", 0, 0n],
  ["-1", 1, 255n],
  ["+f", 1, 15n],
  ["0x", 1, 0n],
  ["0xf", 1, 0n],
  [" f", 1, 15n],
  ["  ", -1, 0n],
  ["", -1, 0n],
];

Deno.test("strtoul() matches glibc's strtoul(s, NULL, 10)", () => {
  for (const [s, want] of STRTOUL_10) assert.equal(strtoul(s, 10), want, JSON.stringify(s));
});

Deno.test("strtol() matches glibc's strtol(s, NULL, 16), saturating", () => {
  for (const [s, want] of STRTOL_16) assert.equal(strtol(s, 16), want, JSON.stringify(s));
});

Deno.test("atoi() matches glibc's atoi (a long truncated to int)", () => {
  for (const [s, want] of ATOI) assert.equal(atoi(s), want, s);
});

Deno.test("sscanf() counts conversions as glibc does (-1 for EOF before the first)", () => {
  for (const [s, count, name, a, b, c] of SCAN_LU) {
    const got = sscanf(s, LU_FORMAT);
    assert.equal(got.count, count, JSON.stringify(s));
    assert.equal(got.values[0] ?? "", name);
    assert.deepEqual([got.values[1] ?? 0n, got.values[2] ?? 0n, got.values[3] ?? 0n], [a, b, c]);
  }
});

Deno.test("sscanf() stores %X/%x as unsigned int and %d as int", () => {
  for (const [s, count, numbers] of SCAN_V4) {
    const got = sscanf(s, V4_FORMAT);
    assert.equal(got.count, count, s);
    assert.deepEqual(got.values.slice(1), numbers, s);
  }
});

Deno.test("sscanf() reads %02hhx with a width that counts the sign and 0x prefix", () => {
  for (const [s, count, value] of SCAN_HHX) {
    const got = sscanf(s, "%02hhx");
    assert.equal(got.count, count, JSON.stringify(s));
    assert.equal(got.values[0] ?? 0n, value, JSON.stringify(s));
  }
});

Deno.test("sscanf() stops %32s after 32 characters and goes on from there", () => {
  const got = sscanf("0123456789abcdef0123456789abcdef99 5", "%32s %x");
  assert.deepEqual(got, { count: 2, values: ["0123456789abcdef0123456789abcdef", 0x99n] });
});

Deno.test("isCSpace() is the C locale's isspace", () => {
  const spaces = Array.from({ length: 128 }, (_, i) => String.fromCharCode(i)).filter(isCSpace);
  assert.deepEqual(spaces, ["\t", "\n", "\v", "\f", "\r", " "]);
});

/** C string literal of a JS string. */
function cLiteral(s: string): string {
  return `"${[...s].map((c) => c === "\n" ? "\\n" : c === "\t" ? "\\t" : c).join("")}"`;
}

/** The tables as a C program printing one line per input, in table order. */
function cProgram(): string {
  const list = (xs: string[]) => `{${xs.map(cLiteral).join(", ")}, 0}`;
  return `#include <stdio.h>
#include <stdlib.h>
int main(void) {
  const char *ul[] = ${list(STRTOUL_10.map((r) => r[0]))};
  for (int i = 0; ul[i]; i++) printf("%lu\\n", strtoul(ul[i], NULL, 10));
  const char *hx[] = ${list(STRTOL_16.map((r) => r[0]))};
  for (int i = 0; hx[i]; i++) printf("%ld\\n", strtol(hx[i], NULL, 16));
  const char *ai[] = ${list(ATOI.map((r) => r[0]))};
  for (int i = 0; ai[i]; i++) printf("%d\\n", atoi(ai[i]));
  const char *lu[] = ${list(SCAN_LU.map((r) => r[0]))};
  for (int i = 0; lu[i]; i++) {
    char n[64] = ""; unsigned long v[10] = {0};
    int c = sscanf(lu[i], "${LU_FORMAT}", n, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6],
                   &v[7], &v[8], &v[9]);
    printf("%d %s %lu %lu %lu\\n", c, n, v[0], v[1], v[2]);
  }
  const char *v4[] = ${list(SCAN_V4.map((r) => r[0]))};
  for (int i = 0; v4[i]; i++) {
    char n[64]; unsigned d, g, f, m; int r, u, me, mt, w, ir;
    int c = sscanf(v4[i], "${V4_FORMAT}", n, &d, &g, &f, &r, &u, &me, &m, &mt, &w, &ir);
    printf("%d %u %u %u %d %d %d %u %d %d %d\\n", c, d, g, f, r, u, me, m, mt, w, ir);
  }
  const char *hh[] = ${list(SCAN_HHX.map((r) => r[0]))};
  for (int i = 0; hh[i]; i++) {
    unsigned char b = 0; int c = sscanf(hh[i], "%02hhx", &b); printf("%d %u\\n", c, b);
  }
  return 0;
}
`;
}

/** The lines the C program must print if the tables are right. */
function expectedLines(): string[] {
  return [
    ...STRTOUL_10.map((r) => `${r[1]}`),
    ...STRTOL_16.map((r) => `${r[1]}`),
    ...ATOI.map((r) => `${r[1]}`),
    ...SCAN_LU.map(([, c, n, a, b, d]) => `${c} ${n} ${a} ${b} ${d}`),
    ...SCAN_V4.map(([, c, v]) => `${c} ${v.join(" ")}`),
    ...SCAN_HHX.map(([, c, v]) => `${c} ${v}`),
  ];
}

const CC = await new Deno.Command("cc", { args: ["--version"], stdout: "null", stderr: "null" })
  .output().then((o) => o.success, () => false);

Deno.test({
  name: "the tables above are what this system's glibc answers",
  ignore: !CC,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "qga-c-scan-" });
    try {
      await Deno.writeTextFile(`${dir}/t.c`, cProgram());
      const build = await new Deno.Command("cc", {
        args: ["-w", "-o", `${dir}/t`, `${dir}/t.c`],
        stderr: "piped",
      }).output();
      assert.ok(build.success, new TextDecoder().decode(build.stderr));
      const run = await new Deno.Command(`${dir}/t`, { stdout: "piped" }).output();
      const lines = new TextDecoder().decode(run.stdout).trimEnd().split("\n");
      assert.deepEqual(lines, expectedLines());
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
