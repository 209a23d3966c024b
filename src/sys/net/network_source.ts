/**
 * What `guest-network-get-interfaces` needs from the OS, behind a small interface so the command
 * can be tested with fakes and `/proc/net/dev` fixtures: {@link LinuxNetworkSource} uses libc's
 * `getifaddrs()`, `ioctl(SIOCGIFHWADDR)` on an `AF_INET` socket (as qemu-ga does) and reads
 * `<root>/proc/net/dev` through FFI (Deno needs `-A` for `/proc`).
 *
 * @module
 */

import { Errno } from "../libc.ts";
import { readFileBytes, underRoot } from "../fs_ffi/fs_ffi.ts";
import { type HardwareAddress, type RawIfaddr, readIfaddrs, siocgifhwaddr } from "./ifaddrs.ts";

export { AF_INET, AF_INET6, AF_PACKET } from "./ifaddrs.ts";
export { SysError } from "../libc.ts";
/** `EADDRNOTAVAIL` (no hardware address, e.g. some tunnels; qemu-ga logs it at debug level). */
export const EADDRNOTAVAIL: number = Errno.EADDRNOTAVAIL;
export type { HardwareAddress, RawIfaddr };

/** OS access of `guest-network-get-interfaces`. */
export interface NetworkSource {
  /**
   * Every `getifaddrs()` entry, in the list's order.
   *
   * @throws SysError when `getifaddrs()` fails.
   */
  interfaceAddresses(): RawIfaddr[];
  /**
   * The hardware address of interface `name` by `ioctl(SIOCGIFHWADDR)` on a fresh `AF_INET`
   * stream socket.
   *
   * @param name The interface name (at most 15 bytes are used).
   * @throws SysError when the socket cannot be created.
   */
  hardwareAddress(name: Uint8Array): HardwareAddress;
  /**
   * The contents of `/proc/net/dev`.
   *
   * @throws SysError when it cannot be opened or read.
   */
  procNetDev(): Uint8Array;
}

/** {@link NetworkSource} on the running kernel; `/proc/net/dev` is taken from `root`. */
export class LinuxNetworkSource implements NetworkSource {
  #procNetDev: string;

  /**
   * Creates the source.
   *
   * @param root Prefix of the tree holding `proc/net/dev` (default `/`).
   */
  constructor(root = "/") {
    this.#procNetDev = underRoot(root, "/proc/net/dev");
  }

  /** {@inheritDoc NetworkSource.interfaceAddresses} */
  interfaceAddresses(): RawIfaddr[] {
    return readIfaddrs();
  }

  /** {@inheritDoc NetworkSource.hardwareAddress} */
  hardwareAddress(name: Uint8Array): HardwareAddress {
    return siocgifhwaddr(name);
  }

  /** {@inheritDoc NetworkSource.procNetDev} */
  procNetDev(): Uint8Array {
    return readFileBytes(this.#procNetDev);
  }
}
