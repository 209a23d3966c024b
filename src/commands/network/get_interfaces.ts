/**
 * `guest-network-get-interfaces`, computed as qemu-ga 7.2 does from the `getifaddrs()` list:
 *
 * - one entry per interface name, in first-seen order;
 * - `hardware-address`: `ioctl(SIOCGIFHWADDR)` is tried for every list entry of the interface
 *   until it succeeds (a failure is logged — at debug level for `EADDRNOTAVAIL`, else as a
 *   warning — and is not an error), written `%02x:%02x:...` in lower case;
 * - `ip-addresses`: every `AF_INET`/`AF_INET6` entry in list order, with glibc's `inet_ntop`
 *   text (IPv6 link-local without scope) and the netmask's popcount as `prefix` (0 without a
 *   netmask);
 * - `statistics`: looked up in `/proc/net/dev` when an address of the interface is added and no
 *   statistics were found yet, so interfaces without addresses never have them.
 *
 * @module
 */

import { genericError } from "../../schema/errors.ts";
import type { Named } from "../../schema/types.ts";
import { Errno } from "../../sys/errno.ts";
import type { Network } from "../../sys/network/network.ts";
import { OsError } from "../../sys/os_error.ts";
import { Socket } from "../../sys/structs.ts";
import type { CommandLog, Handler } from "../context.ts";
import { formatIpv4, formatIpv6, popcount } from "./inet_ntop.ts";
import { findInterfaceStats } from "./proc_net_dev.ts";

/** One element of the reply. */
export type NetworkInterface = Named<"GuestNetworkInterface">;
/** One element of `ip-addresses`. */
export type IpAddress = Named<"GuestIpAddress">;

const utf8 = new TextDecoder();

/** Turns an OS failure into qemu-ga's `<text>: <strerror>` error; rethrows anything else. */
function osFailure(text: string, e: unknown): never {
  if (e instanceof OsError) throw genericError(`${text}: ${e.message}`);
  throw e;
}

/** `%02x:%02x:%02x:%02x:%02x:%02x`. */
function formatMac(mac: Uint8Array): string {
  return Array.from(mac.subarray(0, 6), (b) => b.toString(16).padStart(2, "0")).join(":");
}

/** Reads `/proc/net/dev`; qemu-ga logs a failure at debug level and omits the statistics. */
function readStats(source: Network, name: Uint8Array, log?: CommandLog) {
  let content: Uint8Array;
  try {
    content = source.procNetDev();
  } catch (e) {
    if (!(e instanceof OsError)) throw e;
    log?.debug(`failed to open network stats /proc/net/dev: ${e.message}`);
    return null;
  }
  const stats = findInterfaceStats(content, name);
  if (stats === null) log?.debug(`/proc/net/dev: Interface '${utf8.decode(name)}' not found`);
  return stats;
}

/**
 * Lists the guest's network interfaces as qemu-ga 7.2 does.
 *
 * @param source The OS access (getifaddrs, SIOCGIFHWADDR, /proc/net/dev).
 * @param log Where qemu-ga's debug and warning lines go.
 * @returns The reply list.
 * @throws QgaError `getifaddrs failed: <strerror>` or `failed to create socket: <strerror>`.
 */
export function listNetworkInterfaces(source: Network, log?: CommandLog): NetworkInterface[] {
  let entries;
  try {
    entries = source.interfaceAddresses();
  } catch (e) {
    osFailure("getifaddrs failed", e);
  }
  const list: NetworkInterface[] = [];
  const byName = new Map<string, NetworkInterface>();
  for (const ifa of entries) {
    const name = utf8.decode(ifa.name);
    log?.debug(`Processing ${name} interface`);
    const key = String.fromCharCode(...ifa.name);
    let info = byName.get(key);
    if (info === undefined) {
      info = { name };
      byName.set(key, info);
      list.push(info);
    }
    if (info["hardware-address"] === undefined) {
      let hw;
      try {
        hw = source.hardwareAddress(ifa.name);
      } catch (e) {
        osFailure("failed to create socket", e);
      }
      if (hw.ok) {
        info["hardware-address"] = formatMac(hw.mac);
      } else {
        const line = `failed to get MAC address of ${name}: ${hw.strerror}`;
        if (hw.errno === Errno.EADDRNOTAVAIL) log?.debug(line);
        else log?.warning(line);
      }
    }
    const address = addressOf(ifa.family, ifa.address, ifa.netmask);
    if (address === null) continue;
    (info["ip-addresses"] ??= []).push(address);
    if (info.statistics === undefined) {
      const stats = readStats(source, ifa.name, log);
      if (stats !== null) info.statistics = stats;
    }
  }
  return list;
}

/** The `ip-addresses` element of an `AF_INET`/`AF_INET6` entry; null for other entries. */
function addressOf(
  family: number | null,
  address: Uint8Array | null,
  netmask: Uint8Array | null,
): IpAddress | null {
  if (address === null) return null;
  if (family === Socket.AF_INET) {
    return {
      "ip-address-type": "ipv4",
      "ip-address": formatIpv4(address),
      prefix: BigInt(netmask ? popcount(netmask.subarray(0, 4)) : 0),
    };
  }
  if (family === Socket.AF_INET6) {
    return {
      "ip-address-type": "ipv6",
      "ip-address": formatIpv6(address),
      prefix: BigInt(netmask ? popcount(netmask.subarray(0, 16)) : 0),
    };
  }
  return null;
}

/** `guest-network-get-interfaces`. */
export const guestNetworkGetInterfaces: Handler<"guest-network-get-interfaces"> = (_args, ctx) =>
  listNetworkInterfaces(ctx.sys.network, ctx.log);
