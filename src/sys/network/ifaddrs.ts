/**
 * `getifaddrs()` and `ioctl(SIOCGIFHWADDR)` through libc FFI, turned into plain data.
 *
 * Layouts (`struct ifaddrs`, `struct sockaddr*`, `struct ifreq`) are in `../structs.ts`.
 *
 * @module
 */

import { closeFd } from "../fd.ts";
import { check, errno, libc, readCBytes } from "../libc.ts";
import { OsError } from "../os_error.ts";
import { Ifaddrs, Ifreq, SIOCGIFHWADDR, sockaddrAddressSlice, Socket } from "../structs.ts";

/** One `struct ifaddrs` entry, in getifaddrs order. */
export interface RawIfaddr {
  /** `ifa_name` as raw bytes. */
  readonly name: Uint8Array;
  /** `ifa_addr->sa_family`, or null when `ifa_addr` is NULL. */
  readonly family: number | null;
  /** For `AF_INET`/`AF_INET6`: the 4 or 16 address bytes; else null. */
  readonly address: Uint8Array | null;
  /**
   * For `AF_INET`/`AF_INET6`: the 4 or 16 bytes at the address offset of `ifa_netmask` (read as
   * the address's family, as qemu-ga does); null when there is no address or no netmask.
   */
  readonly netmask: Uint8Array | null;
}

/** The outcome of `ioctl(SIOCGIFHWADDR)`. */
export type HardwareAddress =
  /** The first 6 bytes of `ifr_hwaddr.sa_data`. */
  | { readonly ok: true; readonly mac: Uint8Array }
  /** The ioctl failed (qemu-ga logs this and goes on). */
  | { readonly ok: false; readonly errno: number; readonly strerror: string };

/** Copies `length` bytes at `offset` of the sockaddr at `p`. */
function copySockaddrBytes(p: Deno.PointerObject, offset: number, length: number): Uint8Array {
  // SAFETY: `p` is a sockaddr owned by the getifaddrs() list (valid until freeifaddrs); for
  // AF_INET it holds ≥ 16 bytes and for AF_INET6 ≥ 28, so [offset, offset+length) is in bounds.
  return new Uint8Array(new Deno.UnsafePointerView(p).getArrayBuffer(length, offset).slice(0));
}

/**
 * Calls `getifaddrs()` and copies every entry out of the list before freeing it.
 *
 * @returns The entries in list order.
 * @throws OsError when `getifaddrs()` fails.
 */
export function readIfaddrs(): RawIfaddr[] {
  const net = libc();
  const head = new BigUint64Array(1);
  check("getifaddrs", net.getifaddrs(head));
  const first = Deno.UnsafePointer.create(head[0]!);
  const out: RawIfaddr[] = [];
  try {
    let p = first;
    while (p !== null) {
      // SAFETY: `p` is a `struct ifaddrs *` from the list getifaddrs() just returned, which
      // stays allocated until freeifaddrs() in `finally`; all offsets are within the struct.
      const view = new Deno.UnsafePointerView(p);
      const namePtr = view.getPointer(Ifaddrs.NAME);
      const addrPtr = view.getPointer(Ifaddrs.ADDR);
      const maskPtr = view.getPointer(Ifaddrs.NETMASK);
      const name = namePtr === null ? new Uint8Array(0) : readCBytes(namePtr, 4096);
      // SAFETY: a non-NULL ifa_addr points to a sockaddr whose first two bytes are sa_family.
      const family = addrPtr === null ? null : new Deno.UnsafePointerView(addrPtr).getUint16(0);
      const slice = family === null ? null : sockaddrAddressSlice(family);
      out.push({
        name,
        family,
        address: slice && addrPtr ? copySockaddrBytes(addrPtr, slice.offset, slice.length) : null,
        netmask: slice && maskPtr ? copySockaddrBytes(maskPtr, slice.offset, slice.length) : null,
      });
      p = view.getPointer(Ifaddrs.NEXT);
    }
  } finally {
    if (first !== null) net.freeifaddrs(first);
  }
  return out;
}

/**
 * `ioctl(SIOCGIFHWADDR)` for interface `name` on a fresh `AF_INET` stream socket, as qemu-ga
 * does (the name is truncated to 15 bytes like `pstrcpy(ifr_name, IF_NAMESIZE, ...)`).
 *
 * @param name The interface name.
 * @returns The 6-byte hardware address, or the ioctl's errno.
 * @throws OsError when the socket cannot be created.
 */
export function siocgifhwaddr(name: Uint8Array): HardwareAddress {
  const type = Socket.SOCK_STREAM | Socket.SOCK_CLOEXEC;
  const fd = check("socket", libc().socket(Socket.AF_INET, type, 0));
  try {
    const ifr = new Uint8Array(Ifreq.SIZE);
    const nul = name.indexOf(0);
    ifr.set(name.subarray(0, Math.min(nul === -1 ? name.length : nul, Ifreq.NAME_SIZE - 1)));
    // SAFETY: `ifr` is a zeroed 40-byte `struct ifreq` with a NUL-terminated name; the kernel
    // writes at most sizeof(struct ifreq) bytes into it.
    if (libc().ioctl(fd, BigInt(SIOCGIFHWADDR), ifr) === -1) {
      const failure = new OsError(errno(), "ioctl");
      return { ok: false, errno: failure.errno, strerror: failure.message };
    }
    const at = Ifreq.HWADDR_DATA;
    return { ok: true, mac: ifr.slice(at, at + Ifreq.ETHER_ADDR_LEN) };
  } finally {
    closeFd(fd);
  }
}
