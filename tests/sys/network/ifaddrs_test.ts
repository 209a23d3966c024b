/**
 * Tests of the FFI network pieces on the running kernel: `getifaddrs()` entries against Deno's
 * own `Deno.networkInterfaces()`, and `ioctl(SIOCGIFHWADDR)` on loopback and on a missing name.
 *
 * @module
 */

import assert from "node:assert/strict";
import { formatIpv4, formatIpv6 } from "../../../src/commands/network/inet_ntop.ts";
import { readIfaddrs, siocgifhwaddr } from "../../../src/sys/network/ifaddrs.ts";
import { Socket } from "../../../src/sys/structs.ts";

const { AF_INET, AF_INET6, AF_PACKET } = Socket;

const enc = new TextEncoder();
const dec = new TextDecoder();

Deno.test("readIfaddrs() lists the addresses Deno.networkInterfaces() reports", () => {
  const entries = readIfaddrs();
  const ours = entries.filter((e) => e.family === AF_INET || e.family === AF_INET6).map((e) =>
    `${dec.decode(e.name)} ${
      e.family === AF_INET ? formatIpv4(e.address!) : formatIpv6(e.address!)
    }`
  ).sort();
  const deno = Deno.networkInterfaces().map((i) => `${i.name} ${i.address.replace(/%.*$/, "")}`)
    .sort();
  assert.deepStrictEqual(ours, deno);
  // Every interface has an AF_PACKET entry (addresses or not), listed before its addresses.
  const packet = entries.filter((e) => e.family === AF_PACKET).map((e) => dec.decode(e.name));
  for (const e of entries) assert.ok(packet.includes(dec.decode(e.name)));
  assert.ok(entries.every((e) => e.family !== AF_INET || e.address?.length === 4));
  assert.ok(entries.every((e) => e.family !== AF_INET6 || e.netmask?.length === 16));
});

Deno.test("siocgifhwaddr() answers zeros for lo and ENODEV for a missing interface", () => {
  assert.deepStrictEqual(siocgifhwaddr(enc.encode("lo")), { ok: true, mac: new Uint8Array(6) });
  assert.deepStrictEqual(siocgifhwaddr(enc.encode("qga-no-such0")), {
    ok: false,
    errno: 19,
    strerror: "No such device",
  });
  // Names are cut to 15 bytes like qemu-ga's pstrcpy(ifr_name, IF_NAMESIZE, ...).
  assert.deepStrictEqual(siocgifhwaddr(enc.encode("lo\0garbage")).ok, true);
});
