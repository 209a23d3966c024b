/**
 * Tests of `guest-get-host-name` against the fake host and the real `gethostname()`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { guestGetHostName } from "../../../src/commands/host/host_name.ts";
import { QgaError } from "../../../src/schema/errors.ts";
import { LinuxHost } from "../../../src/sys/host.ts";
import { testContext } from "../../helpers/command_context.ts";
import { FakeSys } from "../../helpers/fake_sys/fake_sys.ts";

Deno.test("guestGetHostName() answers gethostname() anew on every call", async () => {
  const sys = new FakeSys();
  const ctx = testContext({ sys });
  assert.deepStrictEqual(await guestGetHostName({}, ctx), { "host-name": "vm" });
  sys.host.hostNameFact = "renamed";
  assert.deepStrictEqual(await guestGetHostName({}, ctx), { "host-name": "renamed" });
  assert.deepStrictEqual(sys.host.calls, ["gethostname", "gethostname"]);
});

Deno.test("guestGetHostName() fails as 7.2 does for a 64-byte name (no localhost fallback)", () => {
  const sys = new FakeSys();
  sys.host.hostNameFact = { error: "ENAMETOOLONG" };
  assert.throws(
    () => guestGetHostName({}, testContext({ sys })),
    (e) => e instanceof QgaError && e.desc === "cannot get hostname: File name too long",
  );
});

Deno.test("guestGetHostName() writes a non-UTF-8 name as qemu-ga's writer does", async () => {
  const sys = new FakeSys();
  sys.host.hostNameFact = new Uint8Array([0x68, 0xE9, 0xC3, 0xA9, 0xEF, 0xBF, 0xBF]);
  assert.deepStrictEqual(await guestGetHostName({}, testContext({ sys })), {
    "host-name": "h\uFFFD\u00E9\uFFFD",
  });
});

Deno.test("LinuxHost.hostName() is this machine's name", () => {
  assert.equal(new TextDecoder().decode(new LinuxHost().hostName()), Deno.hostname());
});
