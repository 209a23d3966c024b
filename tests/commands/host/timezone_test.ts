/**
 * Tests of `guest-get-timezone`: the handler against the fake host (glibc's answer, GLib's UTC
 * fallbacks and constant offsets), GLib's default-zone naming on fixture roots, and the live
 * comparison with qemu-ga 7.2 started with `TZ` values (this process's own `TZ` is set to the
 * same value for the in-process answer).
 *
 * The fixture-root cases were also compared with 7.2 by replacing `/etc/localtime` and
 * `/etc/timezone` in a private mount namespace: 7.2 answered UTC exactly where
 * `glibNamesDefaultZone()` is false here.
 *
 * @module
 */

import assert from "node:assert/strict";
import { glibConstantOffset, glibNamesDefaultZone } from "../../../src/commands/host/glib_zone.ts";
import { guestGetTimezone, TIMEZONE_ERROR } from "../../../src/commands/host/timezone.ts";
import { shapeValue } from "../../../src/dispatch/shape.ts";
import { toJson } from "../../../src/qobject/writer.ts";
import { QgaError } from "../../../src/schema/errors.ts";
import { LinuxHost } from "../../../src/sys/host.ts";
import type { Sys } from "../../../src/sys/sys.ts";
import { testContext } from "../../helpers/command_context.ts";
import { FakeSys } from "../../helpers/fake_sys/fake_sys.ts";
import { askOracle, ORACLE_INSTALLED } from "./oracle.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const BERLIN = "/usr/share/zoneinfo/Europe/Berlin";

/** A fake Debian host in Europe/Berlin (December): `/etc/localtime` links to the zone file. */
function berlin(): FakeSys {
  const sys = new FakeSys();
  sys.host.links["/etc/localtime"] = BERLIN;
  sys.host.files[BERLIN] = "TZif";
  sys.host.files["/etc/timezone"] = "Europe/Berlin\n";
  sys.host.zone = { zone: enc("CET"), offset: 3600n, daylightName: enc("CEST") };
  return sys;
}

async function reply(sys: Sys): Promise<string> {
  return toJson(shapeValue("GuestTimezone", await guestGetTimezone({}, testContext({ sys }))));
}

Deno.test("guestGetTimezone() answers glibc's zone and offset", async () => {
  const sys = berlin();
  assert.equal(await reply(sys), '{"zone": "CET", "offset": 3600}');
  assert.deepStrictEqual(sys.host.calls, [
    "readlink /etc/localtime",
    `lstat ${BERLIN}`,
    "localtime_r",
  ]);
});

Deno.test("guestGetTimezone() leaves zone out when there is no abbreviation", async () => {
  const sys = berlin();
  sys.host.zone = { zone: null, offset: -3600n, daylightName: enc("X") };
  assert.equal(await reply(sys), '{"offset": -3600}');
});

Deno.test("guestGetTimezone() answers UTC where GLib cannot name the default zone", async () => {
  const regularNoName = berlin();
  delete regularNoName.host.links["/etc/localtime"];
  regularNoName.host.files["/etc/localtime"] = "TZif";
  assert.equal(await reply(regularNoName), '{"zone": "CET", "offset": 3600}');
  delete regularNoName.host.files["/etc/timezone"];
  assert.equal(await reply(regularNoName), '{"zone": "UTC", "offset": 0}');
  regularNoName.host.files["/var/db/zoneinfo"] = "Europe/Berlin";
  assert.equal(await reply(regularNoName), '{"zone": "CET", "offset": 3600}');

  const linkToLink = berlin();
  linkToLink.host.links["/etc/localtime"] = "/usr/share/zoneinfo/CET";
  linkToLink.host.links["/usr/share/zoneinfo/CET"] = "Europe/Berlin";
  assert.equal(await reply(linkToLink), '{"zone": "CET", "offset": 3600}');
  delete linkToLink.host.files["/etc/timezone"];
  assert.equal(await reply(linkToLink), '{"zone": "UTC", "offset": 0}');

  const dangling = berlin();
  dangling.host.links["/etc/localtime"] = "/nowhere";
  assert.equal(await reply(dangling), '{"zone": "UTC", "offset": 0}');
  assert.ok(!dangling.host.calls.includes("localtime_r"));
});

Deno.test("guestGetTimezone() with TZ set: glibc's answer, UTC where glibc gave up", async () => {
  const sys = berlin();
  sys.host.tz = "garbage";
  sys.host.zone = { zone: enc("garbage"), offset: 0n, daylightName: enc("") };
  assert.equal(await reply(sys), '{"zone": "UTC", "offset": 0}');
  sys.host.tz = "JST-9";
  sys.host.zone = { zone: enc("JST"), offset: 32400n, daylightName: enc("JST") };
  assert.equal(await reply(sys), '{"zone": "JST", "offset": 32400}');
  assert.ok(!sys.host.calls.includes("readlink /etc/localtime"), "TZ set: no default zone");
});

Deno.test("guestGetTimezone() reads GLib's constant offsets from TZ itself", async () => {
  const sys = berlin();
  sys.host.tz = "+05:30";
  assert.equal(await reply(sys), '{"zone": "+05:30", "offset": 19800}');
  assert.deepStrictEqual(sys.host.calls, []);
});

Deno.test("guestGetTimezone() fails with 7.2's wrapped text when localtime_r fails", () => {
  const sys = berlin();
  sys.host.zone = { error: "EOVERFLOW" };
  assert.throws(
    () => guestGetTimezone({}, testContext({ sys })),
    (e) => e instanceof QgaError && e.desc === TIMEZONE_ERROR,
  );
  assert.equal(
    TIMEZONE_ERROR,
    "Guest agent command failed, error was 'Couldn't retrieve local timezone'",
  );
});

Deno.test("glibConstantOffset() parses as GLib's parse_constant_offset (checked against 7.2)", () => {
  const table: [string, number | undefined][] = [
    ["UTC", 0],
    ["Z", 0],
    ["5", 18000],
    ["05", 18000],
    ["+5", 18000],
    ["+0530", 19800],
    ["+05:30", 19800],
    ["-03", -10800],
    ["+24", 86400],
    ["+25", undefined],
    ["+2400", 86400],
    ["+05:3", undefined],
    ["+05:60", undefined],
    ["+05:59", 21540],
    ["+05:30:15", 19815],
    ["+053015", 19815],
    ["+05:3015", 19815],
    ["-0", 0],
    ["0", 0],
    ["+123", undefined],
    ["+05 ", undefined],
    ["Z0", undefined],
    ["z", undefined],
    ["+", undefined],
    ["+1:30", 5400],
    ["", undefined],
    ["Europe/Berlin", undefined],
  ];
  for (const [tz, want] of table) assert.equal(glibConstantOffset(tz), want, tz);
});

Deno.test("glibNamesDefaultZone() on fixture roots follows GLib's zone_identifier_unix", async () => {
  const root = await Deno.makeTempDir({ prefix: "qga-zone-" });
  try {
    const host = new LinuxHost(root);
    await Deno.mkdir(`${root}/etc`);
    await Deno.mkdir(`${root}/usr/share/zoneinfo/Europe`, { recursive: true });
    await Deno.writeTextFile(`${root}${BERLIN}`, "TZif");
    await Deno.symlink("Europe/Berlin", `${root}/usr/share/zoneinfo/CET`);
    const localtime = `${root}/etc/localtime`;
    const setLink = async (target: string) => {
      await Deno.remove(localtime).catch(() => {});
      await Deno.symlink(target, localtime);
    };
    assert.equal(glibNamesDefaultZone(host), false, "no /etc/localtime");
    await setLink(BERLIN);
    assert.equal(glibNamesDefaultZone(host), true, "absolute link to a zone file");
    await setLink("../usr/share/zoneinfo/Europe/Berlin");
    assert.equal(glibNamesDefaultZone(host), true, "relative link to a zone file");
    await setLink("/usr/share/zoneinfo/CET");
    assert.equal(glibNamesDefaultZone(host), false, "link to a link, no /etc/timezone");
    await Deno.writeTextFile(`${root}/etc/timezone`, "CET\n");
    assert.equal(glibNamesDefaultZone(host), true, "link to a link, /etc/timezone");
    await setLink("/nowhere");
    assert.equal(glibNamesDefaultZone(host), false, "dangling link");
    await Deno.remove(localtime);
    await Deno.copyFile(`${root}${BERLIN}`, localtime);
    assert.equal(glibNamesDefaultZone(host), true, "regular file, /etc/timezone");
    await Deno.remove(`${root}/etc/timezone`);
    assert.equal(glibNamesDefaultZone(host), false, "regular file, no /etc/timezone");
    await Deno.mkdir(`${root}/etc/timezone`);
    assert.equal(glibNamesDefaultZone(host), false, "/etc/timezone a directory");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

/** TZ values compared with qemu-ga 7.2 (undefined: TZ unset). */
const TZ_VALUES: (string | undefined)[] = [
  undefined,
  "",
  ":",
  "UTC",
  "Europe/Berlin",
  ":Europe/Berlin",
  "America/New_York",
  "Asia/Kolkata",
  "Etc/GMT+5",
  "EST5EDT",
  "CET-1CEST,M3.5.0,M10.5.0/3",
  "JST-9",
  "XYZ3:30",
  "<+03>-3",
  "GMT+5",
  "garbage",
  "ABC",
  "<>0",
  "Nowhere/Land",
  "/nonexistent",
  "/etc/localtime",
  "Z",
  "+05:30",
  "-0300",
];

Deno.test({
  name: "guestGetTimezone() answers as qemu-ga 7.2 started with the same TZ",
  ignore: !ORACLE_INSTALLED,
  async fn(t) {
    const saved = Deno.env.get("TZ");
    const sys = { ...new FakeSys(), host: new LinuxHost() } as Sys;
    try {
      for (const tz of TZ_VALUES) {
        await t.step(tz === undefined ? "(unset)" : JSON.stringify(tz), async () => {
          const oracle = await askOracle("guest-get-timezone", { TZ: tz });
          if (tz === undefined) Deno.env.delete("TZ");
          else Deno.env.set("TZ", tz);
          assert.equal(`{"return": ${await reply(sys)}}`, oracle);
        });
      }
    } finally {
      if (saved === undefined) Deno.env.delete("TZ");
      else Deno.env.set("TZ", saved);
    }
  },
});
