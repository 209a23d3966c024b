/**
 * C struct layouts and ABI constants the agent passes to libc, for glibc on Linux x86_64 and
 * aarch64 (both little-endian, LP64), built and read as plain byte arrays. Every layout the FFI
 * layer depends on lives here, with its offsets spelled out; what differs between the two
 * architectures is in one table, {@link ARCH_ABI}, picked once for the running one.
 *
 * @module
 */

/** The architectures qga-deno is built for. */
export type Arch = "x86_64" | "aarch64";

/** What differs between x86_64 and aarch64 (everything else below is the same on both). */
export interface ArchAbi {
  /** `sizeof(struct epoll_event)`: glibc packs it on x86_64 only. */
  readonly epollEventSize: number;
  /** Offset of `epoll_event.data`. */
  readonly epollDataOffset: number;
  /** `O_DIRECTORY`: x86's own value vs asm-generic. */
  readonly O_DIRECTORY: number;
  /** `O_NOFOLLOW`: x86's own value vs asm-generic. */
  readonly O_NOFOLLOW: number;
  /** `sizeof(struct utmp)`: x86_64 keeps 32-bit `ut_tv` fields for compatibility, aarch64 not. */
  readonly utmpSize: number;
  /** Offset of `utmp.ut_tv`. */
  readonly utmpTvOffset: number;
  /** Size of each of `ut_tv.tv_sec` and `ut_tv.tv_usec` (4 or 8 bytes). */
  readonly utmpTvFieldSize: number;
}

/** The per-architecture table. */
export const ARCH_ABI: Readonly<Record<Arch, ArchAbi>> = {
  x86_64: {
    epollEventSize: 12,
    epollDataOffset: 4,
    O_DIRECTORY: 0o200000,
    O_NOFOLLOW: 0o400000,
    utmpSize: 384,
    utmpTvOffset: 340,
    utmpTvFieldSize: 4,
  },
  aarch64: {
    epollEventSize: 16,
    epollDataOffset: 8,
    O_DIRECTORY: 0o40000,
    O_NOFOLLOW: 0o100000,
    utmpSize: 400,
    utmpTvOffset: 344,
    utmpTvFieldSize: 8,
  },
};

/** The running architecture (anything else is treated as x86_64, which nothing ships for). */
export const ARCH: Arch = Deno.build.arch === "aarch64" ? "aarch64" : "x86_64";

/** The running architecture's entry of {@link ARCH_ABI}. */
export const ABI: ArchAbi = ARCH_ABI[ARCH];

/** `open(2)` flags (the two that differ per architecture come from {@link ABI}). */
export const OpenFlags = {
  O_RDONLY: 0,
  O_WRONLY: 1,
  O_RDWR: 2,
  O_CREAT: 0o100,
  O_EXCL: 0o200,
  O_NOCTTY: 0o400,
  O_TRUNC: 0o1000,
  O_APPEND: 0o2000,
  O_NONBLOCK: 0o4000,
  O_CLOEXEC: 0o2000000,
  /** A descriptor that only names a path (Landlock rules, openat2 roots); same on both. */
  O_PATH: 0o10000000,
  O_DIRECTORY: ABI.O_DIRECTORY,
  O_NOFOLLOW: ABI.O_NOFOLLOW,
} as const;

/** `*at()` constants. */
export const At = {
  AT_FDCWD: -100,
  AT_SYMLINK_NOFOLLOW: 0x100,
  AT_EMPTY_PATH: 0x1000,
} as const;

/** Address families and socket constants. */
export const Socket = {
  AF_UNIX: 1,
  AF_INET: 2,
  AF_INET6: 10,
  AF_PACKET: 17,
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

/**
 * Where the address bytes sit in a `struct sockaddr` of `family`: `sockaddr_in.sin_addr` @4
 * (4 bytes), `sockaddr_in6.sin6_addr` @8 (16 bytes); null for other families.
 */
export function sockaddrAddressSlice(family: number): { offset: number; length: number } | null {
  if (family === Socket.AF_INET) return { offset: 4, length: 4 };
  if (family === Socket.AF_INET6) return { offset: 8, length: 16 };
  return null;
}

/**
 * glibc's `struct ifaddrs` (56 bytes): `ifa_next` @0, `ifa_name` @8, `ifa_flags` (u32) @16,
 * `ifa_addr` @24, `ifa_netmask` @32, `ifa_ifu` @40, `ifa_data` @48 (pointers, 8 bytes).
 */
export const Ifaddrs = { NEXT: 0, NAME: 8, FLAGS: 16, ADDR: 24, NETMASK: 32, SIZE: 56 } as const;

/**
 * `struct ifreq` (40 bytes): `ifr_name[IFNAMSIZ = 16]` @0, then the union; for SIOCGIFHWADDR
 * `ifr_hwaddr` is a `struct sockaddr` @16 whose `sa_data` starts @18.
 */
export const Ifreq = { SIZE: 40, NAME_SIZE: 16, HWADDR_DATA: 18, ETHER_ADDR_LEN: 6 } as const;

/** `ioctl(SIOCGIFHWADDR)`. */
export const SIOCGIFHWADDR = 0x8927;

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
export const EPOLL_EVENT_SIZE = ABI.epollEventSize;

/** One `struct epoll_event` whose `data.u64` is `data` (a file descriptor here). */
export function epollEvent(events: number, data: number): Uint8Array<ArrayBuffer> {
  const event = new Uint8Array(EPOLL_EVENT_SIZE);
  const view = new DataView(event.buffer);
  view.setUint32(0, events >>> 0, true);
  view.setUint32(ABI.epollDataOffset, data >>> 0, true);
  return event;
}

/** Reads entry `i` of an array of `struct epoll_event` filled by `epoll_wait`. */
export function readEpollEvent(events: Uint8Array, i: number): { events: number; data: number } {
  const view = new DataView(events.buffer, events.byteOffset, events.byteLength);
  const at = i * EPOLL_EVENT_SIZE;
  return {
    events: view.getUint32(at, true),
    data: view.getUint32(at + ABI.epollDataOffset, true),
  };
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
 * glibc's `struct termios` (60 bytes): `c_iflag` @0, `c_oflag` @4, `c_cflag` @8, `c_lflag` @12
 * (u32 each), `c_line` @16, `c_cc[32]` @17, `c_ispeed` @52, `c_ospeed` @56. Flag values are the
 * asm-generic `termbits.h` ones (octal), which x86 shares.
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
 * glibc's `struct sigaction` (152 bytes): `sa_handler` / `sa_sigaction` (pointer) @0, `sa_mask`
 * (`sigset_t`, 128 bytes) @8, `int sa_flags` @136, `sa_restorer` (pointer) @144. `SIG_DFL` is 0
 * and `SIG_IGN` is 1.
 */
export const Sigaction = { SIZE: 152, HANDLER: 0, FLAGS: 136, SIG_DFL: 0n, SIG_IGN: 1n } as const;

/** `sizeof(sigset_t)` in glibc (1024 bits); all zero bytes is the empty set. */
export const SIGSET_SIZE = 128;

/** Signal numbers. */
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

/**
 * `HOST_NAME_MAX` (64): what glibc's `sysconf(_SC_HOST_NAME_MAX)` answers on Linux, the length
 * qemu-ga passes to `gethostname()` (so a 64-byte host name fails with `ENAMETOOLONG`).
 */
export const HOST_NAME_MAX = 64;

/**
 * glibc's `struct tm` (56 bytes on 64-bit Linux): nine `int`s `tm_sec` @0 … `tm_isdst` @32,
 * `long tm_gmtoff` @40 (seconds east of UTC), `const char *tm_zone` @48 (the abbreviation).
 */
export const Tm = { SIZE: 56, ISDST: 32, GMTOFF: 40, ZONE: 48 } as const;

/**
 * `struct statx` (256 bytes, the kernel's own layout on every architecture): `stx_mode` (u16)
 * @28, `stx_ino` (u64) @32, `stx_rdev_major`/`_minor` (u32) @128/@132, `stx_dev_major`/`_minor`
 * (u32) @136/@140. Mask bits: `STATX_BASIC_STATS` (0x7ff), `STATX_INO` (0x100).
 */
export const Statx = {
  SIZE: 256,
  MODE: 28,
  INO: 32,
  RDEV_MAJOR: 128,
  RDEV_MINOR: 132,
  DEV_MAJOR: 136,
  DEV_MINOR: 140,
  STATX_INO: 0x100,
  STATX_BASIC_STATS: 0x7ff,
} as const;

/** File type bits of a mode (`S_IFMT` and the types the agent looks at). */
export const FileType = {
  S_IFMT: 0o170000,
  S_IFIFO: 0o010000,
  S_IFCHR: 0o020000,
  S_IFDIR: 0o040000,
  S_IFBLK: 0o060000,
  S_IFREG: 0o100000,
  S_IFLNK: 0o120000,
  S_IFSOCK: 0o140000,
} as const;

/** The fields of a `struct statx` the agent uses. */
export interface StatxFields {
  /** `stx_mode` (type and permission bits). */
  readonly mode: number;
  /** `stx_ino`, exact. */
  readonly ino: bigint;
  /** `stx_dev_major:stx_dev_minor`: the device holding the file. */
  readonly dev: readonly [number, number];
  /** `stx_rdev_major:stx_rdev_minor`: the device a device file stands for. */
  readonly rdev: readonly [number, number];
}

/** Reads the fields of a `struct statx` filled by the kernel. */
export function readStatx(buffer: Uint8Array): StatxFields {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const u32 = (at: number) => view.getUint32(at, true);
  return {
    mode: view.getUint16(Statx.MODE, true),
    ino: view.getBigUint64(Statx.INO, true),
    dev: [u32(Statx.DEV_MAJOR), u32(Statx.DEV_MINOR)],
    rdev: [u32(Statx.RDEV_MAJOR), u32(Statx.RDEV_MINOR)],
  };
}

/**
 * The ownership fields of `struct statx` (same kernel layout as {@link Statx}): `stx_nlink`
 * (u32) @16, `stx_uid` (u32) @20, `stx_gid` (u32) @24, `stx_size` (u64) @40.
 */
export const StatxOwner = { NLINK: 16, UID: 20, GID: 24, SIZE: 40 } as const;

/**
 * glibc's `struct passwd` (48 bytes on x86_64 and aarch64): `pw_name` @0, `pw_passwd` @8
 * (pointers), `pw_uid` (u32) @16, `pw_gid` (u32) @20, then the pointers `pw_gecos` @24, `pw_dir`
 * @32, `pw_shell` @40. `NSS_BUFLEN_PASSWD` (1024) is what glibc's
 * `sysconf(_SC_GETPW_R_SIZE_MAX)` answers: the first string buffer size for `getpwnam_r`.
 */
export const Passwd = {
  SIZE: 48,
  NAME: 0,
  UID: 16,
  GID: 20,
  DIR: 32,
  NSS_BUFLEN_PASSWD: 1024,
} as const;

/**
 * `struct flock` (32 bytes): `l_type` (i16) @0, `l_whence` (i16) @2, `l_start` (i64) @8,
 * `l_len` (i64) @16, `l_pid` (i32) @24; with the fcntl constants for a write lock.
 */
export const Flock = { SIZE: 32, F_GETFD: 1, F_SETFD: 2, F_GETFL: 3, F_SETFL: 4, F_SETLK: 6 };

/** An exclusive whole-file write lock request (`F_WRLCK`, `SEEK_SET`, start 0, length 0). */
export function writeLockStruct(): Uint8Array<ArrayBuffer> {
  const lock = new Uint8Array(Flock.SIZE);
  const view = new DataView(lock.buffer);
  view.setInt16(0, 1, /* F_WRLCK */ true);
  view.setInt16(2, 0, /* SEEK_SET */ true);
  return lock;
}

/**
 * glibc's `struct dirent` on 64-bit Linux: `d_ino` (u64) @0, `d_off` (i64) @8, `d_reclen` (u16)
 * @16, `d_type` (u8) @18, `d_name[256]` @19; `DT_DIR` is the `d_type` of a directory.
 */
export const Dirent = { TYPE: 18, NAME: 19, NAME_MAX: 256, DT_DIR: 4 } as const;

/** `sysconf()` names (`<bits/confname.h>`): `_SC_CLK_TCK`, the clock ticks per second. */
export const Sysconf = { _SC_CLK_TCK: 2 } as const;

/** glibc's `<spawn.h>` flags, and generous bounds of its opaque spawn structures. */
export const Spawn = {
  POSIX_SPAWN_SETSIGMASK: 0x08,
  POSIX_SPAWN_SETSID: 0x80,
  /** `sizeof(posix_spawnattr_t)` is 336 on x86_64 and aarch64. */
  ATTR_SIZE: 1024,
  /** `sizeof(posix_spawn_file_actions_t)` is 80. */
  ACTIONS_SIZE: 1024,
} as const;

/**
 * glibc's `struct utmp` (`/var/run/utmp` records): `ut_type` (i16) @0, `ut_pid` (i32) @4,
 * `ut_line[32]` @8, `ut_id[4]` @40, `ut_user[32]` @44, `ut_host[256]` @76, then per architecture
 * ({@link ArchAbi}) `ut_tv` and the record size. `USER_PROCESS` is 7.
 */
export const Utmp = { TYPE: 0, USER: 44, USER_SIZE: 32, USER_PROCESS: 7 } as const;

/** `d_type` of a symbolic link (the `d_type` offset and `DT_DIR` are in {@link Dirent}). */
export const DT_LNK = 10;

/** `PATH_MAX`: the size of the buffer `realpath()` fills, and of qemu-ga's `readlink()` buffer. */
export const PATH_MAX = 4096;

/**
 * glibc's `struct statvfs` (112 bytes, the same on x86_64 and aarch64): `f_bsize` @0, `f_frsize`
 * @8, `f_blocks` @16, `f_bfree` @24, `f_bavail` @32 (64-bit unsigned each), then the inode counts,
 * `f_fsid`, `f_flag`, `f_namemax` and spare ints.
 */
export const Statvfs = { SIZE: 112, FRSIZE: 8, BLOCKS: 16, BFREE: 24, BAVAIL: 32 } as const;

/** `fcntl(F_SETFD)` flag: close the descriptor across `execve`. */
export const FD_CLOEXEC = 1;

/**
 * Landlock (`<linux/landlock.h>`, `<asm/unistd.h>`): the three system calls (the same numbers on
 * x86_64 and aarch64), `struct landlock_ruleset_attr` — `handled_access_fs` (u64) @0,
 * `handled_access_net` (u64) @8 since ABI 4, `scoped` (u64) @16 since ABI 6: the size passed is
 * the one the running ABI knows (8, 16 or 24) — and the packed
 * `struct landlock_path_beneath_attr` (12 bytes): `allowed_access` (u64) @0, `parent_fd` (s32) @8.
 * Debian 12's headers (6.1) stop at ABI 2; what came later (the attr's later fields, TRUNCATE,
 * IOCTL_DEV, the TCP and scope bits) is upstream's `include/uapi/linux/landlock.h`, checked
 * against the running kernel by `tests/sys/landlock_test.ts`.
 */
export const Landlock = {
  SYS_CREATE_RULESET: 444,
  SYS_ADD_RULE: 445,
  SYS_RESTRICT_SELF: 446,
  CREATE_RULESET_VERSION: 1,
  RULE_PATH_BENEATH: 1,
  RULESET_ATTR_SIZE_V1: 8,
  RULESET_ATTR_SIZE_V4: 16,
  RULESET_ATTR_SIZE_V6: 24,
  HANDLED_ACCESS_NET: 8,
  SCOPED: 16,
  PATH_BENEATH_SIZE: 12,
  PATH_BENEATH_PARENT_FD: 8,
  ACCESS_NET_BIND_TCP: 1,
  ACCESS_NET_CONNECT_TCP: 2,
  SCOPE_ABSTRACT_UNIX_SOCKET: 1,
  SCOPE_SIGNAL: 2,
} as const;

/**
 * `LANDLOCK_ACCESS_FS_*` bits, and the ABI version that introduced each (13 rights in ABI 1,
 * REFER in 2, TRUNCATE in 3, IOCTL_DEV in 5).
 */
export const LandlockAccessFs = {
  EXECUTE: { bit: 1 << 0, abi: 1 },
  WRITE_FILE: { bit: 1 << 1, abi: 1 },
  READ_FILE: { bit: 1 << 2, abi: 1 },
  READ_DIR: { bit: 1 << 3, abi: 1 },
  REMOVE_DIR: { bit: 1 << 4, abi: 1 },
  REMOVE_FILE: { bit: 1 << 5, abi: 1 },
  MAKE_CHAR: { bit: 1 << 6, abi: 1 },
  MAKE_DIR: { bit: 1 << 7, abi: 1 },
  MAKE_REG: { bit: 1 << 8, abi: 1 },
  MAKE_SOCK: { bit: 1 << 9, abi: 1 },
  MAKE_FIFO: { bit: 1 << 10, abi: 1 },
  MAKE_BLOCK: { bit: 1 << 11, abi: 1 },
  MAKE_SYM: { bit: 1 << 12, abi: 1 },
  REFER: { bit: 1 << 13, abi: 2 },
  TRUNCATE: { bit: 1 << 14, abi: 3 },
  IOCTL_DEV: { bit: 1 << 15, abi: 5 },
} as const;

/** A `struct landlock_ruleset_attr` for `abi`, with its size (see {@link Landlock}). */
export function landlockRulesetAttr(
  abi: number,
  handled: { fs: number; net: number; scoped: number },
): Uint8Array<ArrayBuffer> {
  const size = abi >= 6
    ? Landlock.RULESET_ATTR_SIZE_V6
    : abi >= 4
    ? Landlock.RULESET_ATTR_SIZE_V4
    : Landlock.RULESET_ATTR_SIZE_V1;
  const attr = new Uint8Array(size);
  const view = new DataView(attr.buffer);
  view.setBigUint64(0, BigInt(handled.fs), true);
  if (abi >= 4) view.setBigUint64(Landlock.HANDLED_ACCESS_NET, BigInt(handled.net), true);
  if (abi >= 6) view.setBigUint64(Landlock.SCOPED, BigInt(handled.scoped), true);
  return attr;
}

/** A packed `struct landlock_path_beneath_attr`. */
export function landlockPathBeneath(allowed: number, parentFd: number): Uint8Array<ArrayBuffer> {
  const attr = new Uint8Array(Landlock.PATH_BENEATH_SIZE);
  const view = new DataView(attr.buffer);
  view.setBigUint64(0, BigInt(allowed), true);
  view.setInt32(Landlock.PATH_BENEATH_PARENT_FD, parentFd, true);
  return attr;
}

/** `prctl(2)` options (`<linux/prctl.h>`). */
export const Prctl = {
  PR_CAPBSET_READ: 23,
  PR_CAPBSET_DROP: 24,
  PR_SET_NO_NEW_PRIVS: 38,
  PR_GET_NO_NEW_PRIVS: 39,
  PR_CAP_AMBIENT: 47,
  PR_CAP_AMBIENT_IS_SET: 1,
  PR_CAP_AMBIENT_CLEAR_ALL: 4,
} as const;

/**
 * `capget`/`capset` (`<linux/capability.h>`): `struct __user_cap_header_struct` (8 bytes:
 * `version` (u32) @0, `pid` (int) @4) and, for `_LINUX_CAPABILITY_VERSION_3`, an array of two
 * `struct __user_cap_data_struct` (12 bytes each: `effective` @0, `permitted` @4, `inheritable`
 * @8, u32 each; entry 0 holds capabilities 0–31, entry 1 holds 32–63).
 */
export const CapUser = {
  VERSION_3: 0x20080522,
  U32S_3: 2,
  HEADER_SIZE: 8,
  DATA_SIZE: 12,
  EFFECTIVE: 0,
  PERMITTED: 4,
  INHERITABLE: 8,
} as const;

/** Capability numbers (`<linux/capability.h>`, up to `CAP_LAST_CAP` of Linux 6.1). */
export const CapabilityNumbers = {
  CAP_CHOWN: 0,
  CAP_DAC_OVERRIDE: 1,
  CAP_DAC_READ_SEARCH: 2,
  CAP_FOWNER: 3,
  CAP_FSETID: 4,
  CAP_KILL: 5,
  CAP_SETGID: 6,
  CAP_SETUID: 7,
  CAP_SETPCAP: 8,
  CAP_LINUX_IMMUTABLE: 9,
  CAP_NET_BIND_SERVICE: 10,
  CAP_NET_BROADCAST: 11,
  CAP_NET_ADMIN: 12,
  CAP_NET_RAW: 13,
  CAP_IPC_LOCK: 14,
  CAP_IPC_OWNER: 15,
  CAP_SYS_MODULE: 16,
  CAP_SYS_RAWIO: 17,
  CAP_SYS_CHROOT: 18,
  CAP_SYS_PTRACE: 19,
  CAP_SYS_PACCT: 20,
  CAP_SYS_ADMIN: 21,
  CAP_SYS_BOOT: 22,
  CAP_SYS_NICE: 23,
  CAP_SYS_RESOURCE: 24,
  CAP_SYS_TIME: 25,
  CAP_SYS_TTY_CONFIG: 26,
  CAP_MKNOD: 27,
  CAP_LEASE: 28,
  CAP_AUDIT_WRITE: 29,
  CAP_AUDIT_CONTROL: 30,
  CAP_SETFCAP: 31,
  CAP_MAC_OVERRIDE: 32,
  CAP_MAC_ADMIN: 33,
  CAP_SYSLOG: 34,
  CAP_WAKE_ALARM: 35,
  CAP_BLOCK_SUSPEND: 36,
  CAP_AUDIT_READ: 37,
  CAP_PERFMON: 38,
  CAP_BPF: 39,
  CAP_CHECKPOINT_RESTORE: 40,
} as const;

/** `lseek(2)` origins (guest-file-seek's `Whence` numbers them the same). */
export const Seek = { SEEK_SET: 0, SEEK_CUR: 1, SEEK_END: 2 } as const;

/** `openat2(2)`'s system call number (`<asm/unistd.h>`): 437 on x86_64 and aarch64 alike. */
export const SYS_OPENAT2 = 437;

/**
 * `struct open_how` (24 bytes, `<linux/openat2.h>`): `flags` (u64) @0, `mode` (u64) @8,
 * `resolve` (u64) @16; and the `RESOLVE_*` flags the agent uses.
 */
export const OpenHow = {
  SIZE: 24,
  FLAGS: 0,
  MODE: 8,
  RESOLVE: 16,
  RESOLVE_NO_MAGICLINKS: 0x02,
  RESOLVE_BENEATH: 0x08,
} as const;

/** A `struct open_how`. */
export function openHow(flags: number, mode: number, resolve: number): Uint8Array<ArrayBuffer> {
  const how = new Uint8Array(OpenHow.SIZE);
  const view = new DataView(how.buffer);
  view.setBigUint64(OpenHow.FLAGS, BigInt(flags >>> 0), true);
  view.setBigUint64(OpenHow.MODE, BigInt(mode >>> 0), true);
  view.setBigUint64(OpenHow.RESOLVE, BigInt(resolve >>> 0), true);
  return how;
}

/**
 * glibc's `struct statfs` (120 bytes on x86_64 and aarch64): `f_type` (`__fsword_t`, 8 bytes)
 * @0, then `f_bsize`, the block and inode counts, `f_fsid`, `f_namelen`, `f_frsize`, `f_flags`
 * and spare words.
 */
export const Statfs = { SIZE: 120, TYPE: 0 } as const;

/** The `f_type` magic of a `struct statfs` filled by `fstatfs()`. */
export function readStatfsType(buffer: Uint8Array): number {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  return Number(view.getBigUint64(Statfs.TYPE, true));
}

/**
 * `f_type` magics of the kernel's pseudo file systems whose files are interfaces to the kernel
 * (confined guest-file-open refuses them), by file system name. `<linux/magic.h>` has all but
 * four, which are private to the kernel: configfs (`fs/configfs/mount.c`), mqueue
 * (`ipc/mqueue.c`), rpc_pipefs (`RPCAUTH_GSSMAGIC`, `net/sunrpc/rpc_pipe.c`) and fusectl
 * (`FUSE_CTL_SUPER_MAGIC`, `fs/fuse/control.c`).
 */
export const PSEUDO_FS_MAGIC = {
  proc: 0x9fa0,
  sysfs: 0x62656572,
  debugfs: 0x64626720,
  tracefs: 0x74726163,
  securityfs: 0x73636673,
  cgroup: 0x27e0eb,
  cgroup2: 0x63677270,
  bpf: 0xcafe4a11,
  configfs: 0x62656570,
  efivarfs: 0xde5e81e4,
  pstore: 0x6165676c,
  selinuxfs: 0xf97cff8c,
  smackfs: 0x43415d53,
  binfmt_misc: 0x42494e4d,
  devpts: 0x1cd1,
  nsfs: 0x6e736673,
  mqueue: 0x19800202,
  rpc_pipefs: 0x67596969,
  fusectl: 0x65735543,
} as const;
