/**
 * The network domain of `Sys` (`../sys.ts`): what guest-network-get-interfaces and
 * guest-network-get-route need from the OS. {@link LinuxNetwork} uses libc's `getifaddrs()`,
 * `ioctl(SIOCGIFHWADDR)` on an `AF_INET` socket (as qemu-ga does) and reads `<root>/proc/net/dev`,
 * `<root>/proc/net/route` and `<root>/proc/net/ipv6_route` through libc (Deno needs `-A` for
 * `/proc`).
 *
 * @module
 */

import { readSmallFile, underRoot } from "../fd.ts";
import { type HardwareAddress, type RawIfaddr, readIfaddrs, siocgifhwaddr } from "./ifaddrs.ts";

export type { HardwareAddress, RawIfaddr };

/** OS access of guest-network-get-interfaces. */
export interface Network {
  /**
   * Every `getifaddrs()` entry, in the list's order.
   *
   * @throws OsError when `getifaddrs()` fails.
   */
  interfaceAddresses(): RawIfaddr[];
  /**
   * The hardware address of interface `name` by `ioctl(SIOCGIFHWADDR)` on a fresh `AF_INET`
   * stream socket.
   *
   * @param name The interface name (at most 15 bytes are used).
   * @throws OsError when the socket cannot be created.
   */
  hardwareAddress(name: Uint8Array): HardwareAddress;
  /**
   * The contents of `/proc/net/dev`.
   *
   * @throws OsError when it cannot be opened or read.
   */
  procNetDev(): Uint8Array;
  /**
   * The contents of a routing table file (guest-network-get-route): {@link PROC_NET_ROUTE}
   * (IPv4) or {@link PROC_NET_IPV6_ROUTE}.
   *
   * @throws OsError when it cannot be opened (call `open`) or read (call `read`).
   */
  routeTable(path: RouteTablePath): Uint8Array;
}

/** The IPv4 routing table (a header line, then one route per line). */
export const PROC_NET_ROUTE = "/proc/net/route";
/** The IPv6 routing table (no header). */
export const PROC_NET_IPV6_ROUTE = "/proc/net/ipv6_route";
/** The two routing table files. */
export type RouteTablePath = typeof PROC_NET_ROUTE | typeof PROC_NET_IPV6_ROUTE;

/** {@link Network} on the running kernel; the `/proc/net` files are taken from `root`. */
export class LinuxNetwork implements Network {
  #procNetDev: string;
  #root: string;

  /**
   * Creates the domain.
   *
   * @param root Prefix of the tree holding `proc/net/dev` (default `/`).
   */
  constructor(root = "/") {
    this.#procNetDev = underRoot(root, "/proc/net/dev");
    this.#root = root;
  }

  /** {@inheritDoc Network.interfaceAddresses} */
  interfaceAddresses(): RawIfaddr[] {
    return readIfaddrs();
  }

  /** {@inheritDoc Network.hardwareAddress} */
  hardwareAddress(name: Uint8Array): HardwareAddress {
    return siocgifhwaddr(name);
  }

  /** {@inheritDoc Network.procNetDev} */
  procNetDev(): Uint8Array {
    return readSmallFile(this.#procNetDev);
  }

  /** {@inheritDoc Network.routeTable} */
  routeTable(path: RouteTablePath): Uint8Array {
    return readSmallFile(underRoot(this.#root, path));
  }
}
