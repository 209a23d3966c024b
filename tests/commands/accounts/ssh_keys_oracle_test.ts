/**
 * Differential tests of guest-ssh-*-authorized-keys against Debian's qemu-ga 7.2, byte for byte:
 *
 * 1. add and remove with keys that fail qemu-ga's key check, and every command for users that do
 *    not exist — requests that stop before any file is touched (the key check runs before the
 *    user lookup, and the user does not exist). Our side runs with a users domain whose file
 *    operations all throw, so it cannot touch a file either;
 * 2. get on every home under `tests/fixtures/ssh/`: the oracle runs in a private mount namespace
 *    where the fixture is bind-mounted read-only over `/root`, and asked for `root`'s keys; ours
 *    reads the same fixture as the home of `root` (`/root` in the texts). Read-only both sides.
 *
 * Skipped when `/usr/sbin/qemu-ga` is missing; case 2 also without namespaces (not root).
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  guestSshAddAuthorizedKeys,
  guestSshGetAuthorizedKeys,
  guestSshRemoveAuthorizedKeys,
} from "../../../src/commands/accounts/ssh_keys.ts";
import { lookupPasswd } from "../../../src/sys/passwd.ts";
import { linuxSys } from "../../../src/sys/linux.ts";
import type { Sys } from "../../../src/sys/sys.ts";
import { LinuxUsers, type Users } from "../../../src/sys/users.ts";
import { testContext } from "../../helpers/command_context.ts";
import { CAN_UNSHARE, ORACLE_INSTALLED, ourReply, startOracle } from "../network/oracle_helper.ts";

const enc = new TextEncoder();
const NO_USER = "qga-oracle-no-such-user";
const FIXTURES = decodeURIComponent(new URL("../../fixtures/ssh/", import.meta.url).pathname);

/** The users domain with a real passwd lookup and no file access at all. */
function lookupOnly(): Users {
  const real = new LinuxUsers();
  return new Proxy(real, {
    get(target, key) {
      if (key === "lookup") return (name: Uint8Array) => target.lookup(name);
      return () => {
        throw new Error(`file operation ${String(key)} attempted`);
      };
    },
  });
}

/** A `Sys` whose users domain is `users`. */
function sysWith(users: Users): Sys {
  return { ...linuxSys(), users };
}

/** Our reply line for one of the three commands. */
function ours(sys: Sys, command: string, args: Record<string, unknown>): string {
  const ctx = testContext({ sys });
  if (command === "guest-ssh-get-authorized-keys") {
    return ourReply(
      "GuestAuthorizedKeys",
      () => guestSshGetAuthorizedKeys(args as { username: string }, ctx),
    );
  }
  const handler = command === "guest-ssh-add-authorized-keys"
    ? guestSshAddAuthorizedKeys
    : guestSshRemoveAuthorizedKeys;
  // Commands without a return type answer `{"return": {}}`.
  return ourReply("GuestAuthorizedKeys", () => {
    handler(args as { username: string; keys: string[] }, ctx);
    return { keys: [] };
  }).replace('{"return": {"keys": []}}', '{"return": {}}');
}

function request(command: string, args: Record<string, unknown>): string {
  return JSON.stringify({ execute: command, arguments: args });
}

const USER_ABSENT = (() => {
  try {
    lookupPasswd(enc.encode(NO_USER));
    return false;
  } catch {
    return true;
  }
})();

const ADD = "guest-ssh-add-authorized-keys";
const REMOVE = "guest-ssh-remove-authorized-keys";
const GET = "guest-ssh-get-authorized-keys";

/** Requests that never reach a file in qemu-ga 7.2 (key check first, then a missing user). */
const SAFE_CASES: readonly [string, Record<string, unknown>][] = [
  [ADD, { username: NO_USER, keys: ["ok", "#bad"] }],
  [ADD, { username: NO_USER, keys: ["a\nb"] }],
  [ADD, { username: NO_USER, keys: ["a\u0000\nb", "#"] }],
  [ADD, { username: NO_USER, keys: ["\u00e9 \ud83d\ude00\n"] }],
  [ADD, { username: NO_USER, keys: [] }],
  [ADD, { username: NO_USER, keys: ["", " #x", "a\r"], reset: true }],
  [ADD, { username: "", keys: ["k"] }],
  [REMOVE, { username: NO_USER, keys: ["x", "#y"] }],
  [REMOVE, { username: NO_USER, keys: ["x\ny"] }],
  [REMOVE, { username: NO_USER, keys: [] }],
  [REMOVE, { username: `${NO_USER}\u0000root`, keys: ["k"] }],
  [GET, { username: NO_USER }],
  [GET, { username: "" }],
  [GET, { username: `${NO_USER}\u0000` }],
  [GET, { username: '\u00e9\u0001"\\' }],
];

Deno.test({
  name: "guest-ssh-* key checks and unknown users answer like qemu-ga 7.2",
  ignore: !ORACLE_INSTALLED || !USER_ABSENT,
  async fn() {
    const oracle = await startOracle();
    try {
      const sys = sysWith(lookupOnly());
      for (const [command, args] of SAFE_CASES) {
        assert.equal(ours(sys, command, args), await oracle.ask(request(command, args)), command);
      }
    } finally {
      await oracle.stop();
    }
  },
});

/** Single-quotes a path for `sh`. */
function quote(path: string): string {
  return `'${path.replaceAll("'", `'\\''`)}'`;
}

/** `root`, whose home `/root` is read from `fixture` (as the oracle's bind mount shows it). */
function fixtureRoot(fixture: string): Users {
  const root = { uid: 0, gid: 0, home: enc.encode("/root") };
  const users = new LinuxUsers("/", { lookup: () => root });
  const openHome = users.openHome.bind(users);
  users.openHome = () => openHome(enc.encode(fixture));
  return users;
}

Deno.test({
  name: "guest-ssh-get-authorized-keys equals qemu-ga 7.2 on every fixture home",
  ignore: !CAN_UNSHARE,
  async fn(t) {
    const homes = [...Deno.readDirSync(FIXTURES)].filter((e) => e.isDirectory).map((e) => e.name)
      .sort();
    assert.ok(homes.length >= 10);
    for (const name of homes) {
      await t.step(name, async () => {
        const fixture = FIXTURES + name;
        const oracle = await startOracle({
          unshare: ["-m"],
          setup: [
            `mount --bind ${quote(fixture)} /root`,
            "mount -o remount,bind,ro /root",
            // Stop unless /root really is the fixture now.
            `test "$(stat -c %d:%i /root)" = "$(stat -c %d:%i ${quote(fixture)})"`,
          ],
        });
        try {
          const args = { username: "root" };
          const theirs = await oracle.ask(request(GET, args));
          assert.equal(ours(sysWith(fixtureRoot(fixture)), GET, args), theirs);
        } finally {
          await oracle.stop();
        }
      });
    }
  },
});
