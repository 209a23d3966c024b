/**
 * Differential tests of the host commands against qemu-ga 7.2 where the answer depends on
 * machine state this test must not change on the host: each agent runs in private namespaces
 * (`unshare`, needs root) set up by shell commands —
 *
 * - guest-get-timezone with `/etc/localtime` and `/etc/timezone` replaced (a copy of `/etc` on a
 *   tmpfs bound over `/etc`): GLib's UTC fallbacks, checked with both agents in the namespace;
 * - guest-get-users with a utmp file built byte by byte on a tmpfs over `/run` (oracle), read
 *   by ours from a fixture root;
 * - guest-get-host-name with a 63- and a 64-byte name in a UTS namespace (both agents).
 *
 * Ignored when qemu-ga is not installed or namespaces cannot be created.
 *
 * @module
 */

import assert from "node:assert/strict";
import { guestGetUsers } from "../../../src/commands/host/users.ts";
import { shapeValue } from "../../../src/dispatch/shape.ts";
import { toJson } from "../../../src/qobject/writer.ts";
import { LinuxHost } from "../../../src/sys/host.ts";
import { ABI, ARCH_ABI } from "../../../src/sys/structs.ts";
import type { Sys } from "../../../src/sys/sys.ts";
import { AgentProcess, oursArgv } from "../../helpers/agent_process.ts";
import { testContext } from "../../helpers/command_context.ts";
import { FakeSys } from "../../helpers/fake_sys/fake_sys.ts";
import { CAN_UNSHARE, startOracle } from "../network/oracle_helper.ts";
import { utmpBytes, UtType } from "../../sys/host/utmp_builder.ts";

/** Single-quotes a word for `sh`. */
function quote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** Starts qga-deno in fresh namespaces after `setup`, asks `request`, stops it. */
async function askOurs(unshare: string[], setup: string[], request: string): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "qga-host-ns-" });
  try {
    const socket = `${dir}/qga.sock`;
    const script = [...setup, 'exec "$@"'].join("\n");
    const argv = ["unshare", ...unshare, "sh", "-ec", script, "sh", ...oursArgv(socket, dir)];
    const agent = await AgentProcess.start({ argv, socket, timeoutMs: 30_000 });
    try {
      const client = await agent.connect();
      try {
        const { reply } = await client.exchange(request + "\n");
        return new TextDecoder().decode(reply).replace(/\n$/, "");
      } finally {
        await client.close();
      }
    } finally {
      await agent.stop();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Asks the oracle in fresh namespaces after `setup`. */
async function askOracleIn(unshare: string[], setup: string[], request: string): Promise<string> {
  const oracle = await startOracle({ unshare, setup });
  try {
    return await oracle.ask(request);
  } finally {
    await oracle.stop();
  }
}

/** `/etc/localtime` and `/etc/timezone` set-ups (run in `/etc`, a private copy). */
const ZONE_SCENARIOS: Record<string, string> = {
  "link to a zone file": "ln -sf /usr/share/zoneinfo/Europe/Berlin localtime",
  "regular file with /etc/timezone":
    "rm -f localtime; cp /usr/share/zoneinfo/Asia/Tokyo localtime; echo Asia/Tokyo > timezone",
  "regular file without /etc/timezone":
    "rm -f localtime timezone; cp /usr/share/zoneinfo/Asia/Tokyo localtime",
  "link to a link without /etc/timezone":
    "rm -f timezone; ln -sf /usr/share/zoneinfo/US/Eastern localtime",
  "relative link without /etc/timezone":
    "rm -f timezone; ln -sf ../usr/share/zoneinfo/America/New_York localtime",
  "no /etc/localtime": "rm -f localtime",
};

Deno.test({
  name: "guest-get-timezone equals qemu-ga 7.2 with /etc/localtime and /etc/timezone replaced",
  ignore: !CAN_UNSHARE,
  async fn(t) {
    const copy = await Deno.makeTempDir({ prefix: "qga-etc-" });
    try {
      for (const [name, change] of Object.entries(ZONE_SCENARIOS)) {
        await t.step(name, async () => {
          const setup = [
            `mount -t tmpfs qga-test ${quote(copy)}`,
            `cp -a /etc/. ${quote(copy)}/`,
            `mount --bind ${quote(copy)} /etc`,
            "cd /etc",
            change,
            "cd /",
          ];
          const request = '{"execute":"guest-get-timezone"}';
          const expected = await askOracleIn(["-m"], setup, request);
          assert.equal(await askOurs(["-m"], setup, request), expected);
        });
      }
    } finally {
      await Deno.remove(copy, { recursive: true });
    }
  },
});

Deno.test({
  name: "guest-get-users equals qemu-ga 7.2 reading the same utmp bytes",
  ignore: !CAN_UNSHARE,
  async fn() {
    const root = await Deno.makeTempDir({ prefix: "qga-utmp-ns-" });
    try {
      const bytes = utmpBytes(ABI === ARCH_ABI.aarch64 ? "aarch64" : "x86_64", [
        { type: UtType.BOOT_TIME, user: "reboot", seconds: 1n },
        { type: UtType.USER_PROCESS, user: "zoe", seconds: 1_764_000_300n, microseconds: 9n },
        { type: UtType.USER_PROCESS, user: "root", seconds: 1_764_000_200n, microseconds: 1n },
        { type: UtType.USER_PROCESS, user: "zoe", seconds: 1_764_000_100n, microseconds: 2n },
        { type: UtType.DEAD_PROCESS, user: "old", seconds: 1_000n },
      ]);
      await Deno.mkdir(`${root}/var/run`, { recursive: true });
      await Deno.writeFile(`${root}/var/run/utmp`, bytes);
      const setup = [
        "mount -t tmpfs qga-test /run",
        `cp ${quote(`${root}/var/run/utmp`)} /run/utmp`,
      ];
      const expected = await askOracleIn(["-m"], setup, '{"execute":"guest-get-users"}');
      const sys = { ...new FakeSys(), host: new LinuxHost(root) } as Sys;
      const users = await guestGetUsers({}, testContext({ sys }));
      assert.equal(`{"return": ${toJson(shapeValue({ list: "GuestUser" }, users))}}`, expected);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});

Deno.test({
  name: "guest-get-host-name equals qemu-ga 7.2 for 63- and 64-byte names",
  ignore: !CAN_UNSHARE,
  async fn(t) {
    for (const length of [63, 64]) {
      await t.step(`${length} bytes`, async () => {
        const setup = [`hostname ${"h".repeat(length)}`];
        const request = '{"execute":"guest-get-host-name"}';
        const expected = await askOracleIn(["-u"], setup, request);
        assert.equal(await askOurs(["-u"], setup, request), expected);
      });
    }
  },
});
