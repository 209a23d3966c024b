/**
 * `getifaddrs()` and `ioctl(SIOCGIFHWADDR)` through libc FFI, turned into plain data.
 *
 * Layouts (glibc, 64-bit Linux): `struct ifaddrs` = `ifa_next`@0, `ifa_name`@8, `ifa_flags`@16,
 * `ifa_addr`@24, `ifa_netmask`@32, `ifa_ifu`@40, `ifa_data`@48; `sockaddr.sa_family` (u16)@0,
 * `sockaddr_in.sin_addr`@4, `sockaddr_in6.sin6_addr`@8; `struct ifreq` is 40 bytes with
 * `ifr_name[16]`@0 and `ifr_hwaddr.sa_data`@18.
 *
 * @module
 */

import { closeFd, errno, libc, readCBytes, strerror, SysError } from "../libc.ts";

/** `AF_INET`. */
export const AF_INET = 2;
/** `AF_INET6`. */
export const AF_INET6 = 10;
/** `AF_PACKET` (the link-level entry getifaddrs reports for every interface). */
export const AF_PACKET = 17;
/** `SIOCGIFHWADDR`. */
export const SIOCGIFHWADDR = 0x8927;

const SOCK_STREAM = 1;
const SOCK_CLOEXEC = 0o2000000;
const IFREQ_SIZE = 40;
const IFNAMSIZ = 16;
const HWADDR_DATA_OFFSET = 18;
const ETHER_ADDR_LEN = 6;

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

/** Where the address bytes sit in a sockaddr of `family`, and how many there are. */
function addressSlice(family: number): { offset: number; length: number } | null {
  if (family === AF_INET) return { offset: 4, length: 4 };
  if (family === AF_INET6) return { offset: 8, length: 16 };
  return null;
}

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
 * @throws SysError when `getifaddrs()` fails.
 */
export function readIfaddrs(): RawIfaddr[] {
  const net = libc();
  const head = new BigUint64Array(1);
  if (net.getifaddrs(head) === -1) throw new SysError("getifaddrs", errno());
  const first = Deno.UnsafePointer.create(head[0]!);
  const out: RawIfaddr[] = [];
  try {
    let p = first;
    while (p !== null) {
      // SAFETY: `p` is a `struct ifaddrs *` from the list getifaddrs() just returned, which
      // stays allocated until freeifaddrs() in `finally`; all offsets are within the struct.
      const view = new Deno.UnsafePointerView(p);
      const namePtr = view.getPointer(8);
      const addrPtr = view.getPointer(24);
      const maskPtr = view.getPointer(32);
      const name = namePtr === null ? new Uint8Array(0) : readCBytes(namePtr, 4096);
      // SAFETY: a non-NULL ifa_addr points to a sockaddr whose first two bytes are sa_family.
      const family = addrPtr === null ? null : new Deno.UnsafePointerView(addrPtr).getUint16(0);
      const slice = family === null ? null : addressSlice(family);
      out.push({
        name,
        family,
        address: slice && addrPtr ? copySockaddrBytes(addrPtr, slice.offset, slice.length) : null,
        netmask: slice && maskPtr ? copySockaddrBytes(maskPtr, slice.offset, slice.length) : null,
      });
      p = view.getPointer(0);
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
 * @throws SysError when the socket cannot be created.
 */
export function siocgifhwaddr(name: Uint8Array): HardwareAddress {
  const fd = libc().socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd === -1) throw new SysError("socket", errno());
  try {
    const ifr = new Uint8Array(IFREQ_SIZE);
    const nul = name.indexOf(0);
    ifr.set(name.subarray(0, Math.min(nul === -1 ? name.length : nul, IFNAMSIZ - 1)));
    // SAFETY: `ifr` is a zeroed 40-byte `struct ifreq` with a NUL-terminated name; the kernel
    // writes at most sizeof(struct ifreq) bytes into it.
    if (libc().ioctl(fd, BigInt(SIOCGIFHWADDR), ifr) === -1) {
      const code = errno();
      return { ok: false, errno: code, strerror: strerror(code) };
    }
    return { ok: true, mac: ifr.slice(HWADDR_DATA_OFFSET, HWADDR_DATA_OFFSET + ETHER_ADDR_LEN) };
  } finally {
    closeFd(fd);
  }
}
