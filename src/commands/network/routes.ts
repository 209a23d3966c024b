/**
 * `guest-network-get-route` (spec §2.33; newest upstream, 9.1+, not in 7.2), parsed as upstream's
 * `qmp_guest_network_get_route()` does:
 *
 * - `/proc/net/route` (its first line, the header, skipped), then `/proc/net/ipv6_route`, each
 *   line through upstream's `sscanf` format; a line that does not convert every field, or whose
 *   destination does not parse, is skipped; order = file order, IPv4 first;
 * - IPv4 `Iface Destination Gateway Flags RefCnt Use Metric Mask MTU Window IRTT`
 *   (`"%s %X %X %x %d %d %d %X %d %d %d"`): addresses are the hex text read as a number and
 *   printed least significant byte first (`0100A8C0` → `192.168.0.1`);
 * - IPv6 `dest dest-plen source source-plen next-hop metric refcnt use flags iface`
 *   (`"%32s %x %32s %x %32s %x %x %x %x %s"`): addresses are 16 `%02hhx` pairs through
 *   `inet_ntop`, the prefix lengths decimal strings;
 * - a table that cannot be opened sets `open("<file>"): <strerror>` and the other is still read;
 *   the reply is then that error (upstream returns its error whenever one was set).
 *
 * Fixed here, unlike upstream: upstream stores the IPv6 hex fields in C `int`s, so a metric of
 * `ffffffff` (the kernel's "unreachable" routes) is reported as -1 and flags with bit 31 set
 * (`RTF_LOCAL`, `0x80200001` on every local address route) are sign-extended into the uint64
 * `flags` (18446744071564165121 instead of 2149580801). Every number is read here as the
 * kernel's own type prints it: the IPv6 fields, the IPv4 `Use`, `Window` and `IRTT` (`%u`) and
 * the IPv4 `Metric` (the u32 route priority, which the kernel prints with `%d`) as unsigned 32-bit
 * values; the IPv4 `RefCnt` and `MTU` as signed ones, as upstream. Also, when both files fail
 * to open upstream aborts on an assertion; here the first error is the reply.
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import type { Named } from "../../schema/types.ts";
import {
  type Network,
  PROC_NET_IPV6_ROUTE,
  PROC_NET_ROUTE,
  type RouteTablePath,
} from "../../sys/network/network.ts";
import { OsError } from "../../sys/os_error.ts";
import type { Handler } from "../context.ts";
import { sscanf } from "../stats/c_scan.ts";
import { cLines } from "../stats/cpustats.ts";
import { formatIpv6 } from "./inet_ntop.ts";

/** One element of the reply. */
export type NetworkRoute = Named<"GuestNetworkRoute">;

const IPV4_FORMAT = "%s %X %X %x %d %d %d %X %d %d %d";
const IPV6_FORMAT = "%32s %x %32s %x %32s %x %x %x %x %s";

/** An IPv4 address from its `/proc/net/route` number, least significant byte first. */
function ipv4Text(v: bigint): string {
  const n = Number(v);
  return `${n & 0xff}.${(n >>> 8) & 0xff}.${(n >>> 16) & 0xff}.${n >>> 24}`;
}

/**
 * An IPv6 address from 32 hex digits as upstream's `hex_to_ip_address()` reads it: 16
 * `sscanf(&hex[2 * i], "%02hhx")`, any failure → no address.
 */
export function ipv6Text(hex: string): string | undefined {
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    // Past the end of a short token upstream reads stale buffer bytes; here that fails.
    if (2 * i >= hex.length) return undefined;
    const { count, values } = sscanf(hex.slice(2 * i), "%02hhx");
    if (count !== 1) return undefined;
    bytes[i] = Number(values[0]);
  }
  return formatIpv6(bytes);
}

const u32 = (v: string | bigint | undefined) => BigInt.asUintN(32, v as bigint);

/**
 * Parses one `/proc/net/route` line (not the header).
 *
 * @returns The route, or undefined when upstream skips the line.
 */
export function parseIpv4Route(line: string): NetworkRoute | undefined {
  const { count, values: v } = sscanf(line, IPV4_FORMAT);
  if (count !== 11) return undefined;
  return {
    iface: v[0] as string,
    destination: ipv4Text(v[1] as bigint),
    gateway: ipv4Text(v[2] as bigint),
    mask: ipv4Text(v[7] as bigint),
    metric: u32(v[6]),
    flags: v[3] as bigint,
    refcnt: v[4] as bigint,
    use: u32(v[5]),
    mtu: v[8] as bigint,
    window: u32(v[9]),
    irtt: u32(v[10]),
    version: 4n,
  };
}

/**
 * Parses one `/proc/net/ipv6_route` line.
 *
 * @returns The route, or undefined when upstream skips the line.
 */
export function parseIpv6Route(line: string): NetworkRoute | undefined {
  const { count, values: v } = sscanf(line, IPV6_FORMAT);
  if (count !== 10) return undefined;
  const destination = ipv6Text(v[0] as string);
  if (destination === undefined) return undefined;
  const route: NetworkRoute = {
    iface: v[9] as string,
    destination,
    metric: v[5] as bigint,
    desprefixlen: String(v[1]),
    srcprefixlen: String(v[3]),
    flags: v[8] as bigint,
    refcnt: v[6] as bigint,
    use: v[7] as bigint,
    version: 6n,
  };
  const source = ipv6Text(v[2] as string);
  if (source !== undefined) route.source = source;
  const nexthop = ipv6Text(v[4] as string);
  if (nexthop !== undefined) route.nexthop = nexthop;
  return route;
}

/**
 * Reads both routing tables.
 *
 * @param network Access to `/proc/net/route` and `/proc/net/ipv6_route`.
 * @returns The IPv4 routes, then the IPv6 routes, in file order.
 * @throws QgaError `open("<file>"): <strerror>` when a table cannot be opened.
 */
export function listRoutes(network: Network): NetworkRoute[] {
  const routes: NetworkRoute[] = [];
  let error: QgaError | undefined;
  const tables: [RouteTablePath, (line: string) => NetworkRoute | undefined, number][] = [
    [PROC_NET_ROUTE, parseIpv4Route, 1],
    [PROC_NET_IPV6_ROUTE, parseIpv6Route, 0],
  ];
  for (const [path, parse, header] of tables) {
    let bytes: Uint8Array;
    try {
      bytes = network.routeTable(path);
    } catch (e) {
      if (!(e instanceof OsError)) throw e;
      if (e.call !== "read") error ??= new QgaError(`open("${path}"): ${e.message}`);
      continue;
    }
    for (const line of cLines(bytes).slice(header)) {
      const route = parse(line);
      if (route) routes.push(route);
    }
  }
  if (error) throw error;
  return routes;
}

/** `guest-network-get-route`. */
export const guestNetworkGetRoute: Handler<"guest-network-get-route"> = (_args, ctx) =>
  listRoutes(ctx.sys.network);
