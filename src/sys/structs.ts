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

/** `lseek(2)` origins (guest-file-seek's `Whence` numbers them the same). */
export const Seek = { SEEK_SET: 0, SEEK_CUR: 1, SEEK_END: 2 } as const;
