/**
 * The network domain of `Sys` (`../sys.ts`): what guest-network-get-interfaces needs from the OS.
 * {@link LinuxNetwork} uses libc's `getifaddrs()`, `ioctl(SIOCGIFHWADDR)` on an `AF_INET` socket
 * (as qemu-ga does) and reads `<root>/proc/net/dev` through libc (Deno needs `-A` for `/proc`).
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
}

/** {@link Network} on the running kernel; `/proc/net/dev` is taken from `root`. */
export class LinuxNetwork implements Network {
  #procNetDev: string;

  /**
   * Creates the domain.
   *
   * @param root Prefix of the tree holding `proc/net/dev` (default `/`).
   */
  constructor(root = "/") {
    this.#procNetDev = underRoot(root, "/proc/net/dev");
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
}
