/**
 * Tests of `guest-network-get-route` on routing table fixtures under `tests/fixtures/proc/`
 * (`routes_*`, read through the real FFI reader) and against the fake `Sys`. qemu-ga 7.2 has no
 * such command, so the expected replies follow newest upstream's parsing (see the module doc of
 * `src/commands/network/routes.ts`) — except the IPv6 sign-extension bug, fixed here: the tests
 * marked "upstream: ..." name what upstream would answer instead.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  ipv6Text,
  listRoutes,
  parseIpv4Route,
  parseIpv6Route,
} from "../../../src/commands/network/routes.ts";
import { HANDLERS } from "../../../src/commands/mod.ts";
import { shapeValue } from "../../../src/dispatch/shape.ts";
import { toJson } from "../../../src/qobject/writer.ts";
import { QgaError } from "../../../src/schema/errors.ts";
import { LinuxNetwork } from "../../../src/sys/network/network.ts";
import { testContext } from "../../helpers/command_context.ts";
import { FakeSys } from "../../helpers/fake_sys/fake_sys.ts";

const PROC = decodeURIComponent(new URL("../../fixtures/proc/", import.meta.url).pathname);

function routes(fixture: string) {
  return listRoutes(new LinuxNetwork(PROC + fixture));
}

function errorText(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof QgaError) return String(e.desc);
    throw e;
  }
  throw new Error("expected a QgaError");
}

const v4 = (
  iface: string,
  destination: string,
  gateway: string,
  mask: string,
  flags: bigint,
  metric = 0n,
  mtu = 0n,
) => ({
  iface,
  destination,
  gateway,
  mask,
  metric,
  flags,
  refcnt: 0n,
  use: 0n,
  mtu,
  window: 0n,
  irtt: 0n,
  version: 4n,
});

/** `route` without member `key`. */
function without<T extends object>(route: T, key: keyof T): Omit<T, typeof key> {
  const copy = { ...route };
  delete copy[key];
  return copy;
}

const v6 = (
  iface: string,
  destination: string,
  plen: string,
  metric: bigint,
  flags: bigint,
  refcnt: bigint,
  extra: Record<string, unknown> = {},
) => ({
  iface,
  destination,
  metric,
  desprefixlen: plen,
  srcprefixlen: "0",
  flags,
  refcnt,
  use: 0n,
  version: 6n,
  source: "::",
  nexthop: "::",
  ...extra,
});

Deno.test("listRoutes() reads /proc/net/route (header skipped) then /proc/net/ipv6_route", () => {
  assert.deepEqual(routes("routes_typical"), [
    v4("eth0", "0.0.0.0", "192.168.2.1", "0.0.0.0", 3n, 100n),
    v4("eth0", "192.168.2.0", "0.0.0.0", "255.255.255.0", 1n, 100n),
    v4("eth1", "10.0.0.0", "0.0.0.0", "255.0.0.0", 1n, 0n, 1500n),
    v4("eth1", "192.168.20.0", "10.0.0.1", "255.255.255.255", 7n, 20n),
    v4("*", "172.16.0.0", "0.0.0.0", "255.240.0.0", 0x201n),
    v6("eth0", "fd00::", "64", 256n, 1n, 1n),
    v6("eth0", "fe80::", "64", 256n, 1n, 2n),
    v6("eth1", "2001:db8:0:1::", "48", 1024n, 3n, 1n, {
      source: "2001:db8::",
      srcprefixlen: "64",
      nexthop: "fe80::1",
      use: 42n,
    }),
    v6("eth0", "::", "0", 1024n, 3n, 2n, { nexthop: "fd00::1" }),
    // RTF_LOCAL (0x80000000) set; upstream: flags 18446744071564165121 (sign-extended).
    v6("lo", "::1", "128", 0n, 0x80200001n, 2n),
    v6("eth0", "fd00::2", "128", 0n, 0x80200001n, 3n),
    v6("eth1", "::ffff:192.0.2.1", "128", 0n, 0x80200001n, 1n),
    v6("eth0", "ff00::", "8", 256n, 1n, 3n),
    // The unreachable default route; upstream: metric -1.
    v6("lo", "::", "0", 4294967295n, 0x200200n, 1n),
  ]);
});

Deno.test("listRoutes() reply is byte-exact after shaping (upstream's member order)", () => {
  const got = routes("routes_typical");
  const json = toJson(shapeValue({ list: "GuestNetworkRoute" }, [got[0], got[9]]));
  assert.equal(
    json,
    '[{"flags": 3, "metric": 100, "refcnt": 0, "window": 0, "version": 4, "iface": "eth0", ' +
      '"destination": "0.0.0.0", "irtt": 0, "gateway": "192.168.2.1", "use": 0, "mtu": 0, ' +
      '"mask": "0.0.0.0"}, {"flags": 2149580801, "source": "::", "metric": 0, "refcnt": 2, ' +
      '"version": 6, "nexthop": "::", "iface": "lo", "destination": "::1", ' +
      '"desprefixlen": "128", "srcprefixlen": "0", "use": 0}]',
  );
});

Deno.test("listRoutes() skips and reads odd lines as upstream's sscanf formats do", () => {
  const got = routes("routes_odd");
  assert.deepEqual(got, [
    // "0x" prefix; -1 everywhere: RefCnt and MTU stay signed, the others are the kernel's
    // unsigned values (upstream: metric, use, window, irtt -1).
    {
      iface: "eth0",
      destination: "192.168.0.1",
      gateway: "0.0.0.0",
      mask: "255.255.255.255",
      metric: 4294967295n,
      flags: 3n,
      refcnt: -1n,
      use: 4294967295n,
      mtu: -1n,
      window: 4294967295n,
      irtt: 4294967295n,
      version: 4n,
    },
    // 1FFFFFFFF truncated to 32 bits; RefCnt 2147483648 and Use 4294967296 through (int).
    { ...v4("eth2", "255.255.255.255", "0.0.0.0", "0.0.0.0", 1n), refcnt: -2147483648n },
    v4("eth3", "127.0.0.1", "0.0.0.0", "255.255.255.255", 1n), // extra fields ignored
    v4("eth4", "127.0.0.1", "0.0.0.0", "255.255.255.255", 1n), // text after a NUL unseen
    v4("eth5", "127.0.0.1", "0.0.0.0", "255.255.255.255", 1n), // leading blanks
    v6("eth0", "fd00::", "64", 256n, 1n, 1n), // 31 digits: the last pair is one digit
    v6("eth0", "fd00::1", "128", 256n, 1n, 1n), // upper case
    without(v6("eth0", "fd00::1", "128", 256n, 1n, 1n), "source"), // source not hex
    {
      ...v6("eth1", "fd00::1", "128", 4294967295n, 4294967295n, 4294967295n),
      use: 4294967295n,
    },
    // Prefix lengths as unsigned decimal strings (upstream: "%d" of an int, "-2147483648").
    { ...v6("eth2", "fd00::1", "255", 0n, 3n, 1n), srcprefixlen: "2147483648", use: 2n },
    // A 33-digit destination: %32s stops early and every later field shifts by one.
    {
      iface: "00000001",
      destination: "fd00::1",
      metric: 0n,
      desprefixlen: "2",
      srcprefixlen: "0",
      flags: 0n,
      refcnt: 256n,
      use: 1n,
      version: 6n,
    },
  ]);
});

Deno.test("parseIpv4Route() and parseIpv6Route() skip lines without every field", () => {
  assert.equal(
    parseIpv4Route("eth0\t00000000\t0102A8C0\t0003\t0\t0\t0\t00000000\t0\t0"),
    undefined,
  );
  assert.equal(parseIpv4Route("eth1\tzz000000\t00000000\t0001\t0\t0\t0\t0\t0\t0\t0"), undefined);
  assert.equal(parseIpv4Route(""), undefined);
  const line = "fd000000000000000000000000000001 80 00000000000000000000000000000000 00 " +
    "00000000000000000000000000000000 00000100 00000001 00000000 00000001";
  assert.equal(parseIpv6Route(line), undefined);
  assert.equal(parseIpv6Route(`zz${line.slice(2)} eth0`), undefined);
  assert.equal(parseIpv6Route(""), undefined);
});

Deno.test("ipv6Text() reads 16 %02hhx pairs and formats them as inet_ntop does", () => {
  assert.equal(ipv6Text("fe8000000000000000fc00fffe000001"), "fe80::fc:ff:fe00:1");
  assert.equal(ipv6Text("00000000000000000000ffffc0000201"), "::ffff:192.0.2.1");
  assert.equal(ipv6Text("20010DB8000000000000000000000001"), "2001:db8::1");
  assert.equal(ipv6Text("0000000000000000000000000000000g"), "::"); // "0g" reads 0
  assert.equal(ipv6Text("g0000000000000000000000000000000"), undefined);
  assert.equal(ipv6Text("80"), undefined); // the second pair starts at the end
});

Deno.test('listRoutes() fails with open("<file>") when a table is missing, after reading both', () => {
  assert.equal(
    errorText(() => routes("routes_no_ipv6")),
    'open("/proc/net/ipv6_route"): No such file or directory',
  );
  assert.equal(
    errorText(() => routes("no_such_fixture")),
    'open("/proc/net/route"): No such file or directory',
  );
});

Deno.test("guest-network-get-route handler reads both tables through ctx.sys.network", async () => {
  const sys = new FakeSys({ network: { procRoot: PROC + "routes_typical" } });
  const got = await HANDLERS["guest-network-get-route"]({}, testContext({ sys }));
  assert.equal(got.length, 14);
  assert.deepEqual(sys.network.routeReads, ["/proc/net/route", "/proc/net/ipv6_route"]);
});

Deno.test("listRoutes() reads this host's tables without failing", () => {
  const got = listRoutes(new LinuxNetwork());
  for (const r of got) assert.ok(r.version === 4n || r.version === 6n);
});
