/**
 * C struct layouts the agent passes to libc, for glibc on Linux x86_64 and aarch64, built and read
 * as plain byte arrays (little-endian on both). Every layout the FFI layer depends on lives here,
 * with its offsets spelled out, so that a new architecture needs one file checked.
 *
 * @module
 */

const IS_X86_64 = Deno.build.arch === "x86_64";

/** Address families and socket constants (identical on x86_64 and aarch64). */
export const Socket = {
  AF_UNIX: 1,
  AF_INET: 2,
  AF_VSOCK: 40,
  SOCK_STREAM: 1,
  SOCK_NONBLOCK: 0o4000,
  SOCK_CLOEXEC: 0o2000000,
  SOL_SOCKET: 1,
  SO_DOMAIN: 39,
  /** `send()` flag: fail with EPIPE instead of raising SIGPIPE. */
  MSG_NOSIGNAL: 0x4000,
} as const;

/** `sizeof(((struct sockaddr_un *)0)->sun_path)`. */
export const SUN_PATH_MAX = 108;

/**
 * `struct sockaddr_un` (110 bytes): `sa_family_t sun_family` (u16) @0, `char sun_path[108]` @2.
 * A path of exactly 108 bytes has no terminating NUL, which Linux accepts (as qemu-ga passes
 * `sizeof(un)`). `path` must not be longer than {@link SUN_PATH_MAX}.
 */
export function sockaddrUn(path: Uint8Array): Uint8Array<ArrayBuffer> {
  if (path.length > SUN_PATH_MAX) throw new RangeError("sun_path too long");
  const address = new Uint8Array(2 + SUN_PATH_MAX);
  new DataView(address.buffer).setUint16(0, Socket.AF_UNIX, true);
  address.set(path, 2);
  return address;
}

/**
 * `struct sockaddr_vm` (16 bytes, `<linux/vm_sockets.h>`): `svm_family` (u16) @0,
 * `svm_reserved1` (u16) @2, `svm_port` (u32) @4, `svm_cid` (u32) @8, `svm_flags` (u8) @12,
 * `svm_zero[3]` @13.
 */
export function sockaddrVm(cid: number, port: number): Uint8Array<ArrayBuffer> {
  const address = new Uint8Array(16);
  const view = new DataView(address.buffer);
  view.setUint16(0, Socket.AF_VSOCK, true);
  view.setUint32(4, port >>> 0, true);
  view.setUint32(8, cid >>> 0, true);
  return address;
}

/**
 * `struct sockaddr_in` (16 bytes): `sin_family` (u16) @0, `sin_port` (u16, network order) @2,
 * `sin_addr` (4 bytes, network order) @4, `sin_zero[8]` @8.
 */
export function sockaddrIn(ipv4: readonly number[], port: number): Uint8Array<ArrayBuffer> {
  const address = new Uint8Array(16);
  const view = new DataView(address.buffer);
  view.setUint16(0, Socket.AF_INET, true);
  view.setUint16(2, port, false);
  address.set(ipv4, 4);
  return address;
}

/** epoll constants. */
export const Epoll = {
  EPOLLIN: 0x001,
  EPOLLPRI: 0x002,
  EPOLLOUT: 0x004,
  EPOLLERR: 0x008,
  EPOLLHUP: 0x010,
  EPOLLRDHUP: 0x2000,
  EPOLLET: 0x80000000,
  EPOLL_CTL_ADD: 1,
  EPOLL_CTL_DEL: 2,
  EPOLL_CTL_MOD: 3,
  EPOLL_CLOEXEC: 0o2000000,
} as const;

/**
 * `struct epoll_event`: `uint32_t events` @0 and `epoll_data_t data` (8 bytes). glibc declares it
 * `__attribute__((packed))` on x86_64 only (12 bytes, data @4); on aarch64 the union is
 * naturally aligned (16 bytes, data @8).
 */
export const EPOLL_EVENT_SIZE = IS_X86_64 ? 12 : 16;
const EPOLL_DATA_OFFSET = IS_X86_64 ? 4 : 8;

/** One `struct epoll_event` whose `data.u64` is `data` (a file descriptor here). */
export function epollEvent(events: number, data: number): Uint8Array<ArrayBuffer> {
  const event = new Uint8Array(EPOLL_EVENT_SIZE);
  const view = new DataView(event.buffer);
  view.setUint32(0, events >>> 0, true);
  view.setUint32(EPOLL_DATA_OFFSET, data >>> 0, true);
  return event;
}

/** Reads entry `i` of an array of `struct epoll_event` filled by `epoll_wait`. */
export function readEpollEvent(events: Uint8Array, i: number): { events: number; data: number } {
  const view = new DataView(events.buffer, events.byteOffset, events.byteLength);
  const at = i * EPOLL_EVENT_SIZE;
  return { events: view.getUint32(at, true), data: view.getUint32(at + EPOLL_DATA_OFFSET, true) };
}

/** poll constants. */
export const Poll = { POLLIN: 0x001, POLLOUT: 0x004, POLLERR: 0x008, POLLHUP: 0x010 } as const;

/** `struct pollfd` (8 bytes): `int fd` @0, `short events` @4, `short revents` @6. */
export const POLLFD_SIZE = 8;

/** An array of `struct pollfd`, one per `[fd, events]` entry. */
export function pollFds(entries: readonly (readonly [number, number])[]): Uint8Array<ArrayBuffer> {
  const fds = new Uint8Array(POLLFD_SIZE * entries.length);
  const view = new DataView(fds.buffer);
  entries.forEach(([fd, events], i) => {
    view.setInt32(i * POLLFD_SIZE, fd, true);
    view.setInt16(i * POLLFD_SIZE + 4, events, true);
  });
  return fds;
}

/** `revents` of entry `i` of a `struct pollfd` array after `poll`. */
export function pollRevents(fds: Uint8Array, i: number): number {
  return new DataView(fds.buffer, fds.byteOffset).getUint16(i * POLLFD_SIZE + 6, true);
}

/**
 * glibc's `struct termios` (60 bytes; Linux x86_64 and aarch64): `c_iflag` @0, `c_oflag` @4,
 * `c_cflag` @8, `c_lflag` @12 (u32 each), `c_line` @16, `c_cc[32]` @17, `c_ispeed` @52,
 * `c_ospeed` @56. Flag values are the asm-generic `termbits.h` ones (octal).
 */
export const Termios = {
  SIZE: 60,
  C_IFLAG: 0,
  C_OFLAG: 4,
  C_CFLAG: 8,
  C_LFLAG: 12,
  C_CC: 17,
  VTIME: 5,
  VMIN: 6,
  IGNBRK: 0o1,
  BRKINT: 0o2,
  IGNPAR: 0o4,
  PARMRK: 0o10,
  INPCK: 0o20,
  ISTRIP: 0o40,
  INLCR: 0o100,
  IGNCR: 0o200,
  ICRNL: 0o400,
  IXON: 0o2000,
  IXANY: 0o4000,
  IXOFF: 0o10000,
  IMAXBEL: 0o20000,
  B38400: 0o17,
  CBAUD: 0o10017,
  TCSANOW: 0,
  TCIFLUSH: 0,
} as const;

/** A zeroed buffer large enough for `struct termios` (with slack). */
export function termiosBuffer(): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Termios.SIZE + 4);
}

/**
 * glibc's `struct sigaction` (152 bytes; Linux x86_64 and aarch64 share the generic layout):
 * `sa_handler` / `sa_sigaction` (pointer) @0, `sa_mask` (`sigset_t`, 128 bytes) @8,
 * `int sa_flags` @136, `sa_restorer` (pointer) @144. `SIG_DFL` is 0 and `SIG_IGN` is 1.
 */
export const Sigaction = { SIZE: 152, HANDLER: 0, FLAGS: 136, SIG_DFL: 0n, SIG_IGN: 1n } as const;

/** Signal numbers (x86_64 and aarch64). */
export const Signal = { SIGHUP: 1, SIGINT: 2, SIGUSR1: 10, SIGPIPE: 13, SIGTERM: 15 } as const;

/** A `struct sigaction` whose handler is `handler` (SIG_DFL/SIG_IGN or an address). */
export function sigactionStruct(handler: bigint): Uint8Array<ArrayBuffer> {
  const action = new Uint8Array(Sigaction.SIZE);
  new DataView(action.buffer).setBigUint64(Sigaction.HANDLER, handler, true);
  return action;
}

/** The handler address stored in a `struct sigaction`. */
export function sigactionHandler(action: Uint8Array): bigint {
  return new DataView(action.buffer, action.byteOffset).getBigUint64(Sigaction.HANDLER, true);
}

/**
 * `struct timespec` / `struct timeval` (16 bytes on 64-bit Linux): seconds (i64) @0, then
 * nanoseconds resp. microseconds (i64) @8.
 */
export const TIME_STRUCT_SIZE = 16;

/** Clock ids for `clock_gettime`. */
export const Clock = { CLOCK_REALTIME: 0, CLOCK_MONOTONIC: 1 } as const;

/**
 * `struct utsname` (390 bytes): six NUL-terminated `char[65]` fields — sysname, nodename,
 * release, version, machine, domainname.
 */
export const Utsname = { SIZE: 390, FIELD: 65 } as const;
