/**
 * Tests of `guest-network-get-interfaces` with a scripted fake network (`tests/helpers/fake_sys/network.ts`): getifaddrs
 * entries and SIOCGIFHWADDR results are fakes, `/proc/net/dev` comes from fixture trees under
 * `tests/fixtures/proc/` read through the real FFI reader.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Logger } from "../../../src/agent/log.ts";
import { listNetworkInterfaces } from "../../../src/commands/network/get_interfaces.ts";
import { QgaError } from "../../../src/schema/errors.ts";
import { shapeValue } from "../../../src/dispatch/shape.ts";
import { toJson } from "../../../src/qobject/writer.ts";
import type { RawIfaddr } from "../../../src/sys/network/network.ts";
import { OsError } from "../../../src/sys/os_error.ts";
import { Socket } from "../../../src/sys/structs.ts";
import { FakeNetwork, type FakeNetworkOptions } from "../../helpers/fake_sys/fake_sys.ts";

const { AF_INET, AF_INET6, AF_PACKET } = Socket;

const PROC = decodeURIComponent(new URL("../../fixtures/proc/", import.meta.url).pathname);
const enc = new TextEncoder();

/** A getifaddrs entry; `addr` is dotted IPv4 or a list of 16 bytes. */
function entry(name: string, family: number | null, addr?: number[], mask?: number[]): RawIfaddr {
  return {
    name: enc.encode(name),
    family,
    address: addr ? Uint8Array.from(addr) : null,
    netmask: mask ? Uint8Array.from(mask) : null,
  };
}

function v4(name: string, a: string, prefix: number | null): RawIfaddr {
  const mask = prefix === null
    ? undefined
    : [0, 1, 2, 3].map((i) => Math.max(0, Math.min(8, prefix - 8 * i))).map((b) =>
      (0xff00 >> b) & 0xff
    );
  return entry(name, AF_INET, a.split(".").map(Number), mask);
}

function v6(name: string, bytes: number[], prefix: number): RawIfaddr {
  const mask = Array.from(
    { length: 16 },
    (_, i) => (0xff00 >> Math.max(0, Math.min(8, prefix - 8 * i))) & 0xff,
  );
  return entry(name, AF_INET6, bytes, mask);
}

/** A scripted network: default `/proc/net/dev` from the typical fixture. */
function fake(options: FakeNetworkOptions): FakeNetwork {
  return new FakeNetwork({ procRoot: PROC + "net_dev_typical", ...options });
}

function capture(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return {
    log: new Logger((l) => lines.push(l.replace(/^\d+\.\d{6}: /, "").trimEnd()), true),
    lines,
  };
}

function wire(list: unknown): string {
  return toJson(shapeValue({ list: "GuestNetworkInterface" }, list));
}

const LO6 = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const LL6 = [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0xfc, 0, 0xff, 0xfe, 0, 0, 1];

Deno.test("listNetworkInterfaces() groups by first-seen name, keeps getifaddrs address order", () => {
  const src = fake({
    entries: [
      entry("lo", AF_PACKET),
      entry("ifb0", AF_PACKET),
      entry("eth0", AF_PACKET),
      v4("lo", "127.0.0.1", 8),
      v4("eth0", "192.0.2.2", 24),
      v6("lo", LO6, 128),
      v6("eth0", LL6, 64),
    ],
  });
  const got = wire(listNetworkInterfaces(src));
  assert.equal(
    got,
    '[{"name": "lo", "ip-addresses": [{"ip-address-type": "ipv4", "ip-address": "127.0.0.1", "prefix": 8}, ' +
      '{"ip-address-type": "ipv6", "ip-address": "::1", "prefix": 128}], "statistics": {"tx-packets": 29, ' +
      '"tx-errs": 0, "rx-bytes": 3193, "rx-dropped": 0, "rx-packets": 29, "rx-errs": 0, "tx-bytes": 3193, ' +
      '"tx-dropped": 0}, "hardware-address": "00:00:00:00:00:00"}, ' +
      '{"name": "ifb0", "hardware-address": "02:fc:00:00:00:04"}, ' +
      '{"name": "eth0", "ip-addresses": [{"ip-address-type": "ipv4", "ip-address": "192.0.2.2", "prefix": 24}, ' +
      '{"ip-address-type": "ipv6", "ip-address": "fe80::fc:ff:fe00:1", "prefix": 64}], "statistics": ' +
      '{"tx-packets": 671, "tx-errs": 0, "rx-bytes": 52609749, "rx-dropped": 0, "rx-packets": 1176, ' +
      '"rx-errs": 0, "tx-bytes": 53303, "tx-dropped": 0}, "hardware-address": "02:fc:00:00:00:04"}]',
  );
  // One ioctl per interface once it succeeded; /proc/net/dev read once per interface with addresses.
  assert.deepStrictEqual(src.hwCalls, ["lo", "ifb0", "eth0"]);
  assert.equal(src.statReads, 2);
});

Deno.test("listNetworkInterfaces() retries a failed SIOCGIFHWADDR on the next entry and logs it", () => {
  const { log, lines } = capture();
  const src = fake({
    entries: [entry("tun0", AF_PACKET), v4("tun0", "10.0.0.1", 32), entry("sit0", AF_PACKET)],
    hw: (name, n) =>
      name === "sit0"
        ? { ok: false, errno: 99, strerror: "Cannot assign requested address" }
        : n === 1
        ? { ok: false, errno: 19, strerror: "No such device" }
        : { ok: true, mac: Uint8Array.from([0xAB, 0xCD, 0xEF, 1, 2, 3]) },
  });
  const got = listNetworkInterfaces(src, log);
  assert.equal(got[0]!["hardware-address"], "ab:cd:ef:01:02:03");
  assert.equal(got[1]!["hardware-address"], undefined);
  assert.deepStrictEqual(src.hwCalls, ["tun0", "tun0", "sit0"]);
  assert.deepStrictEqual(lines, [
    "debug: Processing tun0 interface",
    "warning: failed to get MAC address of tun0: No such device",
    "debug: Processing tun0 interface",
    "debug: /proc/net/dev: Interface 'tun0' not found",
    "debug: Processing sit0 interface",
    "debug: failed to get MAC address of sit0: Cannot assign requested address",
  ]);
});

Deno.test("listNetworkInterfaces() omits statistics without /proc/net/dev and retries per address", () => {
  const { log, lines } = capture();
  const src = fake({
    entries: [v4("eth0", "192.0.2.2", 24), v4("eth0", "192.0.2.3", 24)],
    procRoot: PROC + "no_net_dev",
  });
  const got = listNetworkInterfaces(src, log);
  assert.equal(got[0]!.statistics, undefined);
  assert.equal(src.statReads, 2);
  assert.equal(
    lines.filter((l) => l.includes("network stats")).join("\n"),
    "debug: failed to open network stats /proc/net/dev: No such file or directory\n" +
      "debug: failed to open network stats /proc/net/dev: No such file or directory",
  );
});

Deno.test("listNetworkInterfaces() without a netmask reports prefix 0, skips other families", () => {
  const got = listNetworkInterfaces(
    fake({ entries: [v4("eth0", "203.0.113.9", null), entry("eth0", 99), entry("eth0", AF_INET)] }),
  );
  assert.deepStrictEqual(got[0]!["ip-addresses"], [
    { "ip-address-type": "ipv4", "ip-address": "203.0.113.9", prefix: 0n },
  ]);
});

Deno.test("listNetworkInterfaces() fails with qemu-ga's texts", () => {
  const failing = (what: "getifaddrs" | "socket") =>
    fake({
      entries: () => {
        if (what === "getifaddrs") throw new OsError(12, "getifaddrs");
        return [entry("lo", AF_PACKET)];
      },
      hw: () => {
        throw new OsError(24, "socket");
      },
    });
  assert.throws(() => listNetworkInterfaces(failing("getifaddrs")), (e: unknown) => {
    assert.ok(e instanceof QgaError);
    assert.equal(e.desc, "getifaddrs failed: Cannot allocate memory");
    return true;
  });
  assert.throws(() => listNetworkInterfaces(failing("socket")), (e: unknown) => {
    assert.ok(e instanceof QgaError);
    assert.equal(e.desc, "failed to create socket: Too many open files");
    return true;
  });
});

Deno.test("listNetworkInterfaces() reads odd /proc/net/dev lines as qemu-ga's sscanf does", () => {
  const src = fake({
    entries: [
      v4("eth0", "192.0.2.1", 24),
      v4("eth1", "192.0.2.2", 24),
      v4("wlan0", "192.0.2.3", 24),
    ],
    procRoot: PROC + "net_dev_odd",
  });
  const [eth0, eth1, wlan0] = listNetworkInterfaces(src);
  assert.deepStrictEqual(eth0!.statistics, {
    "rx-bytes": 9223372036854775807n,
    "rx-packets": 9223372036854775807n,
    "rx-errs": 18446744073709551615n,
    "rx-dropped": 9223372036854775808n,
    "tx-bytes": 7n,
    "tx-packets": 0n,
    "tx-errs": 12n,
    "tx-dropped": 9223372036854775807n,
  });
  assert.equal(eth1!.statistics?.["rx-bytes"], 101n);
  assert.equal(eth1!.statistics?.["tx-dropped"], 112n);
  assert.equal(wlan0!.statistics?.["rx-packets"], 18446744073709551614n);
});
