/**
 * Tests of `guest-get-osinfo`: os-release parsing and quoting (`parseOsRelease`,
 * `replaceSpecial`), the file order (`$QGA_OS_RELEASE`, `/etc/os-release`,
 * `/usr/lib/os-release`) against the fake host and fixture roots, and every file of
 * `tests/fixtures/os_release/files/` against qemu-ga 7.2's replies recorded in
 * `tests/fixtures/os_release/qemu_ga_72.json` (re-asked live when qemu-ga is installed).
 *
 * @module
 */

import assert from "node:assert/strict";
import { guestGetOsinfo, osReleaseInfo } from "../../../src/commands/host/osinfo.ts";
import { parseOsRelease, replaceSpecial } from "../../../src/commands/host/os_release.ts";
import { shapeValue } from "../../../src/dispatch/shape.ts";
import { toJson } from "../../../src/qobject/writer.ts";
import { QgaError } from "../../../src/schema/errors.ts";
import { LinuxHost } from "../../../src/sys/host.ts";
import { testContext } from "../../helpers/command_context.ts";
import { FakeSys } from "../../helpers/fake_sys/fake_sys.ts";
import { askOracle, ORACLE_INSTALLED } from "./oracle.ts";

const encoder = new TextEncoder();
const FIXTURES = decodeURIComponent(
  new URL("../../fixtures/os_release/", import.meta.url).pathname,
);
const RECORDED: Record<string, string> = JSON.parse(
  Deno.readTextFileSync(`${FIXTURES}qemu_ga_72.json`),
);

/** A log that keeps its audit lines. */
function auditLog(): { lines: string[]; log: ReturnType<typeof testContext>["log"] } {
  const lines: string[] = [];
  const log = { audit: (m: string) => lines.push(m), debug() {}, warning() {}, error() {} };
  return { lines, log };
}

Deno.test("replaceSpecial() strips quotes and escapes as qemu-ga does (its unit-test string)", () => {
  const text = (raw: string) => new TextDecoder().decode(replaceSpecial(raw));
  assert.equal(
    text(String.raw`"Unit test \"\'\$\`\\ and \\\\ etc."`),
    "Unit test \"'$`\\ and \\\\ etc.",
  );
  assert.equal(text("a b;c"), "a");
  assert.equal(text("x;y z"), "x");
  assert.equal(text("'a b'"), "'a");
  assert.equal(text(String.raw`"a\sb\nc"`), String.raw`a\sb\nc`);
  assert.equal(text('"quoted" trailing'), "quoted");
  assert.equal(text(""), "");
  assert.equal(text('""'), "");
});

Deno.test("replaceSpecial() repeats the tail of a value without closing quote, on bytes", () => {
  assert.deepStrictEqual(replaceSpecial('"abc'), encoder.encode("abcc"));
  assert.deepStrictEqual(replaceSpecial('"a\\"b'), encoder.encode('a"b"b'));
  assert.deepStrictEqual(replaceSpecial('"é'), new Uint8Array([0xC3, 0xA9, 0xA9]));
  assert.deepStrictEqual(replaceSpecial('"x\\'), encoder.encode("x\\\\"));
});

Deno.test("parseOsRelease() rejects invalid UTF-8 and malformed lines, stops at NUL", () => {
  assert.deepStrictEqual(parseOsRelease(new Uint8Array([0x49, 0x44, 0x3D, 0xFF])), {
    ok: false,
    message: "file is not utf-8 encoded",
  });
  assert.deepStrictEqual(parseOsRelease(encoder.encode("ID=ok\ngarbage\n")), {
    ok: false,
    message: "Key file contains line “garbage” which is not a key-value pair, group, or comment",
  });
  const nul = parseOsRelease(encoder.encode("ID=ok\0\ngarbage\n"));
  assert.ok(nul.ok);
  assert.deepStrictEqual([...nul.values], [["ID", "ok"]]);
});

Deno.test("osReleaseInfo() falls back to /usr/lib/os-release when /etc/os-release is unusable", () => {
  const sys = new FakeSys();
  sys.host.files["/etc/os-release"] = "ID=x\ngarbage\n";
  sys.host.files["/usr/lib/os-release"] = 'ID=debian\nNAME="Debian GNU/Linux"\n';
  const { lines, log } = auditLog();
  assert.deepStrictEqual(osReleaseInfo(sys.host, log), { id: "debian", name: "Debian GNU/Linux" });
  assert.deepStrictEqual(sys.host.calls, ["read /etc/os-release", "read /usr/lib/os-release"]);
  assert.deepStrictEqual(lines, [
    "failed to parse file '/etc/os-release', error: Key file contains line “garbage” which is " +
    "not a key-value pair, group, or comment",
  ]);
});

Deno.test("osReleaseInfo() reads only $QGA_OS_RELEASE when it is set, even to ''", () => {
  const sys = new FakeSys();
  sys.host.files["/etc/os-release"] = "ID=system\n";
  sys.host.files["/custom"] = "ID=custom\nVARIANT_ID=x\n";
  sys.host.osRelease = "/custom";
  const { lines, log } = auditLog();
  assert.deepStrictEqual(osReleaseInfo(sys.host, log), { id: "custom", "variant-id": "x" });
  sys.host.osRelease = "";
  assert.deepStrictEqual(osReleaseInfo(sys.host, log), {});
  sys.host.osRelease = "/bad";
  sys.host.files["/bad"] = new Uint8Array([0xFF]);
  assert.deepStrictEqual(osReleaseInfo(sys.host, log), {});
  assert.deepStrictEqual(sys.host.calls, ["read /custom", "read ", "read /bad"]);
  assert.deepStrictEqual(lines, [
    "failed to read '', error: Failed to open file “”: No such file or directory",
    "file is not utf-8 encoded: /bad",
  ]);
});

Deno.test("guestGetOsinfo() answers uname failed: <strerror> after reading os-release", () => {
  const sys = new FakeSys();
  sys.host.unameFact = { error: "EFAULT" };
  sys.host.files["/etc/os-release"] = "ID=x\n";
  assert.throws(
    () => guestGetOsinfo({}, testContext({ sys })),
    (e) => e instanceof QgaError && e.desc === "uname failed: Bad address",
  );
  assert.deepStrictEqual(sys.host.calls, ["uname", "read /etc/os-release"]);
});

Deno.test("guestGetOsinfo() on fixture roots: /etc first, /usr/lib as fallback, or nothing", async () => {
  const root = await Deno.makeTempDir({ prefix: "qga-osinfo-" });
  try {
    const host = new LinuxHost(root);
    const { log } = auditLog();
    assert.deepStrictEqual(osReleaseInfo(host, log), {});
    await Deno.mkdir(`${root}/usr/lib`, { recursive: true });
    await Deno.writeTextFile(`${root}/usr/lib/os-release`, "ID=lib\n");
    assert.deepStrictEqual(osReleaseInfo(host, log), { id: "lib" });
    await Deno.mkdir(`${root}/etc`);
    await Deno.symlink("../usr/lib/os-release", `${root}/etc/os-release`);
    await Deno.writeTextFile(`${root}/usr/lib/os-release`, 'ID=linked\nPRETTY_NAME="L 1"\n');
    assert.deepStrictEqual(osReleaseInfo(host, log), { id: "linked", "pretty-name": "L 1" });
    await Deno.remove(`${root}/etc/os-release`);
    await Deno.mkdir(`${root}/etc/os-release`);
    assert.deepStrictEqual(osReleaseInfo(host, log), { id: "linked", "pretty-name": "L 1" });
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

/** Our reply for one fixture file, with the recording's uname placeholders. */
async function ourReply(file: string): Promise<string> {
  const sys = new FakeSys();
  sys.host.unameFact = {
    release: encoder.encode("@RELEASE@"),
    version: encoder.encode("@VERSION@"),
    machine: encoder.encode("@MACHINE@"),
  };
  sys.host.osRelease = file;
  sys.host.files[file] = await Deno.readFile(file);
  const value = await guestGetOsinfo({}, testContext({ sys }));
  return `{"return": ${toJson(shapeValue("GuestOSInfo", value))}}`;
}

Deno.test("guestGetOsinfo() answers every os-release fixture byte for byte as qemu-ga 7.2", async (t) => {
  const names = [...Deno.readDirSync(`${FIXTURES}files`)].map((e) => e.name).sort();
  assert.deepStrictEqual(names, Object.keys(RECORDED).sort());
  for (const name of names) {
    await t.step(name, async () => {
      assert.equal(await ourReply(`${FIXTURES}files/${name}`), RECORDED[name]);
    });
  }
});

Deno.test({
  name: "the recorded os-release replies are what qemu-ga 7.2 answers now",
  ignore: !ORACLE_INSTALLED,
  async fn() {
    const u = new LinuxHost().uname();
    const text = (b: Uint8Array) => JSON.stringify(new TextDecoder().decode(b));
    for (const name of Object.keys(RECORDED)) {
      const live = await askOracle("guest-get-osinfo", {
        QGA_OS_RELEASE: `${FIXTURES}files/${name}`,
      });
      const normalized = live.replace(
        `"kernel-release": ${text(u.release)}`,
        '"kernel-release": "@RELEASE@"',
      )
        .replace(`"kernel-version": ${text(u.version)}`, '"kernel-version": "@VERSION@"')
        .replace(`"machine": ${text(u.machine)}`, '"machine": "@MACHINE@"');
      assert.equal(normalized, RECORDED[name], name);
    }
  },
});
