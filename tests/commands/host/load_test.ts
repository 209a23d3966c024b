/**
 * Tests of `guest-get-load` (upstream 10.0): glibc's `getloadavg()` parsing of `/proc/loadavg`,
 * the fake host and fixture roots, and the real `/proc/loadavg`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { guestGetLoad, parseLoadAverage } from "../../../src/commands/host/load.ts";
import { shapeValue } from "../../../src/dispatch/shape.ts";
import { toJson } from "../../../src/qobject/writer.ts";
import { QgaError } from "../../../src/schema/errors.ts";
import { LinuxHost } from "../../../src/sys/host.ts";
import type { Sys } from "../../../src/sys/sys.ts";
import { testContext } from "../../helpers/command_context.ts";
import { FakeSys } from "../../helpers/fake_sys/fake_sys.ts";

const FIXTURES = decodeURIComponent(new URL("../../fixtures/proc/", import.meta.url).pathname);
const enc = (s: string) => new TextEncoder().encode(s);

Deno.test("parseLoadAverage() reads three strtod numbers after cutting the last byte", () => {
  assert.deepStrictEqual(parseLoadAverage(enc("0.08 0.03 0.01 1/123 4567\n")), [0.08, 0.03, 0.01]);
  assert.deepStrictEqual(parseLoadAverage(enc("1 2 3\n")), [1, 2, 3]);
  assert.deepStrictEqual(parseLoadAverage(enc("1 2 34")), [1, 2, 3]); // last byte cut
  assert.deepStrictEqual(parseLoadAverage(enc("  .5\t+2.e1 -1e-3 x")), [0.5, 20, -0.001]);
  assert.deepStrictEqual(parseLoadAverage(enc("inf NAN -Infinity\n")), [Infinity, NaN, -Infinity]);
  assert.equal(parseLoadAverage(enc("1 2\n")), undefined);
  assert.equal(parseLoadAverage(enc("1 2 x3\n")), undefined);
  assert.equal(parseLoadAverage(enc("\n")), undefined);
  assert.equal(parseLoadAverage(new Uint8Array()), undefined);
});

Deno.test("guestGetLoad() answers the three averages, written with %.17g", async () => {
  const sys = new FakeSys();
  const load = await guestGetLoad({}, testContext({ sys }));
  assert.equal(
    toJson(shapeValue("GuestLoadAverage", load)),
    '{"load15m": 0.01, "load5m": 0.029999999999999999, "load1m": 0.080000000000000002}',
  );
  assert.deepStrictEqual(sys.host.calls, ["read /proc/loadavg"]);
});

Deno.test("guestGetLoad() fails with cannot query load average: <strerror>", () => {
  const sys = new FakeSys();
  const failsWith = (text: string) =>
    assert.throws(
      () => guestGetLoad({}, testContext({ sys })),
      (e) => e instanceof QgaError && e.desc === text,
    );
  sys.host.loadAverage = { error: "ENOENT" };
  failsWith("cannot query load average: No such file or directory");
  sys.host.loadAverage = "garbage\n";
  failsWith("cannot query load average: Invalid argument");
});

Deno.test("LinuxHost.loadAverageText() reads <root>/proc/loadavg (64 bytes at most)", () => {
  const host = new LinuxHost(`${FIXTURES}loadavg_long`);
  const text = new TextDecoder().decode(host.loadAverageText());
  assert.equal(text.length, 64);
  assert.deepStrictEqual(parseLoadAverage(enc(text)), [123.45, 67.89, 10.11]);
  assert.throws(() => new LinuxHost(`${FIXTURES}no_such_root`).loadAverageText());
});

Deno.test("guestGetLoad() reads this machine's /proc/loadavg", async () => {
  const sys = { ...new FakeSys(), host: new LinuxHost() } as Sys;
  const load = await guestGetLoad({}, testContext({ sys }));
  for (const v of [load.load1m, load.load5m, load.load15m]) assert.ok(v >= 0 && v < 100000);
});
