/**
 * Tests of the `/proc/net/dev` lookup against fixtures under `tests/fixtures/proc/`; expected
 * values were produced by qemu-ga 7.2's own parsing code (getline + g_strchug + strchr + 16 ×
 * `%lld`) compiled against glibc.
 *
 * @module
 */

import assert from "node:assert/strict";
import { findInterfaceStats } from "../../../src/commands/network/proc_net_dev.ts";
import { LinuxNetwork } from "../../../src/sys/network/network.ts";

const PROC = decodeURIComponent(new URL("../../fixtures/proc/", import.meta.url).pathname);
const enc = new TextEncoder();

function row(name: string, fixture: string): bigint[] | null {
  const content = new LinuxNetwork(PROC + fixture).procNetDev();
  const s = findInterfaceStats(content, enc.encode(name));
  if (s === null) return null;
  return [
    s["rx-bytes"],
    s["rx-packets"],
    s["rx-errs"],
    s["rx-dropped"],
    s["tx-bytes"],
    s["tx-packets"],
    s["tx-errs"],
    s["tx-dropped"],
  ];
}

Deno.test("findInterfaceStats() reads columns 1-4 and 9-12 of a typical file", () => {
  assert.deepStrictEqual(row("eth0", "net_dev_typical"), [
    52609749n,
    1176n,
    0n,
    0n,
    53303n,
    671n,
    0n,
    0n,
  ]);
  assert.deepStrictEqual(row("lo", "net_dev_typical"), [3193n, 29n, 0n, 0n, 3193n, 29n, 0n, 0n]);
  assert.equal(row("eth", "net_dev_typical"), null);
  assert.equal(row("face |bytes", "net_dev_typical"), null);
});

Deno.test("findInterfaceStats() follows sscanf on odd lines", () => {
  const max = 9223372036854775807n;
  const table: [string, bigint[] | null][] = [
    ["eth1", [101n, 102n, 103n, 104n, 109n, 110n, 111n, 112n]],
    ["eth0", [max, max, 18446744073709551615n, 9223372036854775808n, 7n, 0n, 12n, max]],
    ["eth00", [9n, 9n, 9n, 9n, 9n, 9n, 9n, 9n]],
    ["big", [1n, 2n, 3n, 4n, 9n, 10n, 11n, 12n]],
    ["bad", null],
    ["wlan0", [
      1n,
      18446744073709551614n,
      18446744073709551613n,
      18446744073709551612n,
      9n,
      10n,
      11n,
      12n,
    ]],
    ["last", [1n, 2n, 3n, 4n, 9n, 10n, 11n, 12n]],
    ["lo", null],
    ["", null],
  ];
  for (const [name, want] of table) assert.deepStrictEqual(row(name, "net_dev_odd"), want, name);
});

Deno.test("findInterfaceStats() cuts lines at NUL and accepts a last line without newline", () => {
  const text = enc.encode(
    "  a: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15\x0016\n  b:1 1 1 1 1 1 1 1 2 2 2 2 2 2 2 2",
  );
  assert.equal(findInterfaceStats(text, enc.encode("a")), null);
  assert.equal(findInterfaceStats(text, enc.encode("b"))?.["tx-dropped"], 2n);
});
