/**
 * Tests of `guest-get-users` against the fake host and utmp files built byte by byte: one entry
 * per user in first-seen order with the earliest login, only `USER_PROCESS` records, `[]` when
 * the file is missing. The same records were answered identically by qemu-ga 7.2 reading them
 * from `/run/utmp` in a private mount namespace.
 *
 * @module
 */

import assert from "node:assert/strict";
import { guestGetUsers, loginTime, usersOf } from "../../../src/commands/host/users.ts";
import { shapeValue } from "../../../src/dispatch/shape.ts";
import { toJson } from "../../../src/qobject/writer.ts";
import { ARCH_ABI } from "../../../src/sys/structs.ts";
import { parseUtmp } from "../../../src/sys/utmp.ts";
import { testContext } from "../../helpers/command_context.ts";
import { FakeSys } from "../../helpers/fake_sys/fake_sys.ts";
import { utmpBytes, UtType } from "../../sys/host/utmp_builder.ts";

/** The records compared with qemu-ga 7.2 (x86_64 layout). */
const RECORDS = [
  { type: UtType.LOGIN_PROCESS, user: "LOGIN", seconds: 5n },
  { type: UtType.USER_PROCESS, user: "alice", seconds: 1_764_000_100n, microseconds: 250_000n },
  { type: UtType.USER_PROCESS, user: "root", seconds: 1_764_000_050n },
  { type: UtType.USER_PROCESS, user: "alice", seconds: 1_764_000_000n, microseconds: 500_001n },
  {
    type: UtType.USER_PROCESS,
    user: "u".repeat(32),
    host: "example.org",
    seconds: 3n,
    microseconds: 999_999n,
  },
  {
    type: UtType.USER_PROCESS,
    user: new Uint8Array([0x68, 0xE9, 0xEF, 0xBF, 0xBF]),
    seconds: -2n,
    microseconds: 1n,
  },
  { type: UtType.DEAD_PROCESS, user: "bob", seconds: 1n },
  { type: UtType.USER_PROCESS, user: "", seconds: 7n, microseconds: 123_456n },
];

/** qemu-ga 7.2's reply to {@link RECORDS}. */
const QEMU_GA_72 = '[{"login-time": 1764000000.500001, "user": "alice"}, ' +
  '{"login-time": 1764000050, "user": "root"}, ' +
  '{"login-time": 3.9999989999999999, "user": "uuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuuexample.org"}, ' +
  '{"login-time": -1.9999990000000001, "user": "h\\uFFFD\\uFFFD"}, ' +
  '{"login-time": 7.123456, "user": ""}]';

for (const arch of ["x86_64", "aarch64"] as const) {
  Deno.test(`guestGetUsers() on ${arch} utmp bytes answers what qemu-ga 7.2 answers`, async () => {
    const sys = new FakeSys();
    sys.host.records = parseUtmp(utmpBytes(arch, RECORDS), ARCH_ABI[arch]);
    const users = await guestGetUsers({}, testContext({ sys }));
    assert.equal(toJson(shapeValue({ list: "GuestUser" }, users)), QEMU_GA_72);
  });
}

Deno.test("guestGetUsers() answers [] when utmp cannot be read, as getutxent() does", async () => {
  const sys = new FakeSys();
  assert.deepStrictEqual(await guestGetUsers({}, testContext({ sys })), []);
  sys.host.records = { error: "EACCES" };
  assert.deepStrictEqual(await guestGetUsers({}, testContext({ sys })), []);
  sys.host.records = [];
  assert.deepStrictEqual(await guestGetUsers({}, testContext({ sys })), []);
});

Deno.test("usersOf() keeps the earliest login per user, in first-seen order", () => {
  const enc = new TextEncoder();
  const rec = (user: string, seconds: bigint, type = 7) => ({
    type,
    user: enc.encode(user),
    seconds,
    microseconds: 0n,
  });
  assert.deepStrictEqual(
    usersOf([rec("b", 30n), rec("a", 20n), rec("b", 10n), rec("a", 25n), rec("c", 1n, 6)]),
    [{ user: "b", "login-time": 10 }, { user: "a", "login-time": 20 }],
  );
});

Deno.test("loginTime() adds tv_usec / 1e6 in doubles as qemu-ga does", () => {
  const t = (seconds: bigint, microseconds: bigint) =>
    loginTime({ type: 7, user: new Uint8Array(), seconds, microseconds });
  assert.equal(t(1_764_000_000n, 500_001n), 1764000000.500001);
  assert.equal(t(3n, 999_999n), 3 + 999999 / 1e6);
  assert.equal(t(-2n, 1n), -2 + 1e-6);
});
