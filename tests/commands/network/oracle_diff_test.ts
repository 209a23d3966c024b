/**
 * Differential test of `guest-network-get-interfaces` against Debian's qemu-ga 7.2: the oracle's
 * reply line and ours must be byte-equal, except the `rx-*`/`tx-*` counters, which both sides
 * read from the live kernel at slightly different moments and are therefore replaced by `@N@`
 * (nothing else is normalised).
 *
 * 1. On the host as it is (both in this network namespace).
 * 2. In a fresh network namespace with fixed interfaces (veth pair with fixed MACs, IPv4 with a
 *    label alias, IPv6 global/v4-embedded/link-local, a tun device without hardware address, an
 *    address-less interface); our side runs there through `nsenter` + `netns_probe.ts`.
 * 3. As 2, with a private mount namespace where a tmpfs over `/proc` holds a `/proc/net/dev`
 *    fixture from `tests/fixtures/proc/` (interfaces named after its lines): the counters are
 *    then fixed and compared exactly, without normalisation. Ours reads the same fixture.
 *
 * Skipped (ignored) when `/usr/sbin/qemu-ga` is missing; case 2 also when namespaces cannot be
 * created (not root).
 *
 * @module
 */

import assert from "node:assert/strict";
import { listNetworkInterfaces } from "../../../src/commands/network/get_interfaces.ts";
import { LinuxNetwork } from "../../../src/sys/network/network.ts";
import {
  CAN_UNSHARE,
  normalizeCounters,
  ORACLE_INSTALLED,
  ourReply,
  startOracle,
} from "./oracle_helper.ts";

const REQUEST = '{"execute":"guest-network-get-interfaces"}';
const PROBE = new URL("./netns_probe.ts", import.meta.url).pathname;
const PROC = decodeURIComponent(new URL("../../fixtures/proc/", import.meta.url).pathname);

Deno.test({
  name: "guest-network-get-interfaces equals qemu-ga 7.2 on this host (counters normalised)",
  ignore: !ORACLE_INSTALLED,
  async fn() {
    const oracle = await startOracle();
    try {
      const expected = await oracle.ask(REQUEST);
      const actual = ourReply(
        { list: "GuestNetworkInterface" },
        () => listNetworkInterfaces(new LinuxNetwork()),
      );
      assert.equal(normalizeCounters(actual), normalizeCounters(expected));
    } finally {
      await oracle.stop();
    }
  },
});

/** Interfaces of the namespace in case 2. */
const NETNS_SETUP = [
  "sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0",
  "ip link set lo up",
  "ip link add v0 address 02:00:00:00:00:aa type veth peer name v1 address 02:00:00:00:00:bb",
  "ip addr add 198.51.100.7/25 dev v0",
  "ip addr add 198.51.100.9/32 label v0:1 dev v0",
  "ip addr add 203.0.113.1/16 dev v1",
  "ip -6 addr add 2001:db8::ffff:102:304/96 dev v0 nodad",
  "ip -6 addr add 2001:db8:0:1:0:0:0:1/127 dev v0 nodad",
  "ip -6 addr add ::c000:201/128 dev v1 nodad",
  "ip link set v0 up",
  "ip link set v1 up",
  "ip link add v2 address 02:00:00:00:00:cc type veth peer name v3 address 02:00:00:00:00:dd",
  "ip tuntap add mode tun tun0",
  "ip addr add 10.9.8.7 peer 10.9.8.1/32 dev tun0",
];

/**
 * Runs the oracle in fresh namespaces after `setup`, and our probe in its network namespace.
 *
 * @returns The oracle's and our reply lines.
 */
async function inNamespaces(
  unshare: string[],
  setup: string[],
  procRoot?: string,
): Promise<[string, string]> {
  const oracle = await startOracle({ unshare, setup });
  try {
    const expected = await oracle.ask(REQUEST);
    const args = ["-t", String(oracle.pid), "-n", "--", Deno.execPath(), "run", "-q"];
    args.push("--allow-ffi", "--allow-read", PROBE, "net", ...(procRoot ? [procRoot] : []));
    const out = await new Deno.Command("nsenter", { args, stdout: "piped", stderr: "piped" })
      .output();
    assert.equal(new TextDecoder().decode(out.stderr), "");
    return [expected, new TextDecoder().decode(out.stdout).trimEnd()];
  } finally {
    await oracle.stop();
  }
}

Deno.test({
  name: "guest-network-get-interfaces equals qemu-ga 7.2 in a namespace with fixed interfaces",
  ignore: !CAN_UNSHARE,
  async fn() {
    const [expected, actual] = await inNamespaces(["-n"], NETNS_SETUP);
    assert.equal(normalizeCounters(actual), normalizeCounters(expected));
    // The namespace really has what the setup asked for.
    for (const text of ['"v0:1"', '"02:00:00:00:00:cc"', '"fe80::ff:fe00:aa"', '"::192.0.2.1"']) {
      assert.ok(expected.includes(text), `oracle reply lacks ${text}: ${expected}`);
    }
  },
});

/** Interfaces named after the lines of the `/proc/net/dev` fixtures, each with an address. */
const PROC_SETUP = [
  "sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0",
  "ip link set lo up",
  "ip link add eth0 address 02:00:00:00:01:00 type veth peer name eth1 address 02:00:00:00:01:01",
  "ip link add wlan0 address 02:00:00:00:01:02 type veth peer name eth00 address 02:00:00:00:01:03",
  "ip link add ifb0 address 02:00:00:00:01:04 type veth peer name ifb1 address 02:00:00:00:01:05",
  "ip link add bad address 02:00:00:00:01:06 type veth peer name last address 02:00:00:00:01:07",
  "n=10; for i in eth0 eth1 wlan0 eth00 ifb0 ifb1 bad last; do " +
  "ip addr add 192.0.2.$n/24 dev $i; n=$((n+1)); done",
  "ip link set eth0 up",
  "ip link set eth1 up",
];

Deno.test({
  name: "guest-network-get-interfaces equals qemu-ga 7.2 on /proc/net/dev fixtures, exactly",
  ignore: !CAN_UNSHARE,
  async fn(t) {
    for (const fixture of ["net_dev_typical", "net_dev_odd", "no_net_dev"]) {
      await t.step(fixture, async () => {
        const root = `${PROC}${fixture}`;
        const copy = fixture === "no_net_dev"
          ? []
          : ["mkdir /proc/net", `cp '${root}/proc/net/dev' /proc/net/dev`];
        const setup = [...PROC_SETUP, "mount -t tmpfs qga-test /proc", ...copy];
        const [expected, actual] = await inNamespaces(["-mn"], setup, root);
        assert.equal(actual, expected);
        assert.equal(expected.includes('"statistics"'), fixture !== "no_net_dev");
      });
    }
  },
});
