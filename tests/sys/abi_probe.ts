/**
 * What `src/sys/structs.ts` and `src/sys/sandbox_structs.ts` claim about the C ABI, next to the C expression that says the same:
 * a probe compiled (not run) with the C compiler of each architecture, whose answers are read
 * back from the assembly — so the aarch64 layouts are checked on an x86_64 host too. Recorded
 * answers live in `tests/fixtures/abi/<arch>.json` (`deno run -A tests/sys/abi_probe.ts`).
 *
 * @module
 */

import {
  FIFREEZE,
  FITHAW,
  FITRIM,
  FSTRIM_RANGE_SIZE,
} from "../../src/sys/filesystems/filesystems.ts";
import {
  type Arch,
  ARCH_ABI,
  At,
  Clock,
  Dirent,
  DT_LNK,
  Epoll,
  FD_CLOEXEC,
  FileType,
  Flock,
  HOST_NAME_MAX,
  Ifaddrs,
  Ifreq,
  OpenFlags,
  Passwd,
  PATH_MAX,
  Poll,
  POLLFD_SIZE,
  Seek,
  Sigaction,
  Signal,
  SIGSET_SIZE,
  SIOCGIFHWADDR,
  Socket,
  Spawn,
  Statvfs,
  Statx,
  StatxOwner,
  SUN_PATH_MAX,
  Sysconf,
  Termios,
  TIME_STRUCT_SIZE,
  Tm,
  Utmp,
  Utsname,
} from "../../src/sys/structs.ts";
import {
  CapabilityNumbers,
  CapUser,
  Landlock,
  LandlockAccessFs,
  OpenHow,
  Prctl,
  PSEUDO_FS_MAGIC,
  Statfs,
  SYS_OPENAT2,
} from "../../src/sys/sandbox_structs.ts";

/** One claim: a label, the C expression, and what structs.ts says for an architecture. */
export interface AbiClaim {
  readonly label: string;
  readonly c: string;
  readonly ours: (arch: Arch) => number;
  /** The C value is an upper bound only (opaque structures the agent over-allocates). */
  readonly atMost?: boolean;
}

const same = (value: number) => () => value;

/**
 * The `<linux/magic.h>` macro of each pseudo file system magic that has one (configfs, mqueue,
 * rpc_pipefs and fusectl are private to the kernel: see `PSEUDO_FS_MAGIC`).
 */
const PSEUDO_FS_MAGIC_MACROS: Readonly<Record<string, string>> = {
  proc: "PROC_SUPER_MAGIC",
  sysfs: "SYSFS_MAGIC",
  debugfs: "DEBUGFS_MAGIC",
  tracefs: "TRACEFS_MAGIC",
  securityfs: "SECURITYFS_MAGIC",
  cgroup: "CGROUP_SUPER_MAGIC",
  cgroup2: "CGROUP2_SUPER_MAGIC",
  bpf: "BPF_FS_MAGIC",
  efivarfs: "EFIVARFS_MAGIC",
  pstore: "PSTOREFS_MAGIC",
  selinuxfs: "SELINUX_MAGIC",
  smackfs: "SMACK_MAGIC",
  binfmt_misc: "BINFMTFS_MAGIC",
  devpts: "DEVPTS_SUPER_MAGIC",
  nsfs: "NSFS_MAGIC",
};

/** Every claim, in probe order. */
export const CLAIMS: readonly AbiClaim[] = [
  // Per architecture (ARCH_ABI).
  {
    label: "sizeof(epoll_event)",
    c: "sizeof(struct epoll_event)",
    ours: (a) => ARCH_ABI[a].epollEventSize,
  },
  {
    label: "epoll_event.data",
    c: "offsetof(struct epoll_event, data)",
    ours: (a) => ARCH_ABI[a].epollDataOffset,
  },
  { label: "O_DIRECTORY", c: "O_DIRECTORY", ours: (a) => ARCH_ABI[a].O_DIRECTORY },
  { label: "O_NOFOLLOW", c: "O_NOFOLLOW", ours: (a) => ARCH_ABI[a].O_NOFOLLOW },
  { label: "sizeof(utmp)", c: "sizeof(struct utmp)", ours: (a) => ARCH_ABI[a].utmpSize },
  { label: "ut_tv", c: "offsetof(struct utmp, ut_tv)", ours: (a) => ARCH_ABI[a].utmpTvOffset },
  {
    label: "sizeof(ut_tv.tv_sec)",
    c: "sizeof(((struct utmp *)0)->ut_tv.tv_sec)",
    ours: (a) => ARCH_ABI[a].utmpTvFieldSize,
  },
  {
    label: "ut_tv.tv_usec",
    c: "offsetof(struct utmp, ut_tv.tv_usec)",
    ours: (a) => ARCH_ABI[a].utmpTvOffset + ARCH_ABI[a].utmpTvFieldSize,
  },
  { label: "ut_type", c: "offsetof(struct utmp, ut_type)", ours: same(Utmp.TYPE) },
  { label: "ut_user", c: "offsetof(struct utmp, ut_user)", ours: same(Utmp.USER) },
  {
    label: "sizeof(ut_user)",
    c: "sizeof(((struct utmp *)0)->ut_user)",
    ours: same(Utmp.USER_SIZE),
  },
  { label: "USER_PROCESS", c: "USER_PROCESS", ours: same(Utmp.USER_PROCESS) },
  // open(2) and *at().
  ...Object.entries(OpenFlags).filter(([k]) => k !== "O_DIRECTORY" && k !== "O_NOFOLLOW").map((
    [k, v],
  ) => ({ label: k, c: k, ours: same(v) })),
  ...Object.entries(At).map(([k, v]) => ({ label: k, c: k, ours: same(v) })),
  // Sockets.
  ...Object.entries(Socket).map(([k, v]) => ({ label: k, c: k, ours: same(v) })),
  { label: "sun_path", c: "sizeof(((struct sockaddr_un *)0)->sun_path)", ours: same(SUN_PATH_MAX) },
  { label: "sizeof(sockaddr_un)", c: "sizeof(struct sockaddr_un)", ours: same(2 + SUN_PATH_MAX) },
  { label: "sizeof(sockaddr_vm)", c: "sizeof(struct sockaddr_vm)", ours: same(16) },
  { label: "svm_port", c: "offsetof(struct sockaddr_vm, svm_port)", ours: same(4) },
  { label: "svm_cid", c: "offsetof(struct sockaddr_vm, svm_cid)", ours: same(8) },
  { label: "sizeof(sockaddr_in)", c: "sizeof(struct sockaddr_in)", ours: same(16) },
  { label: "sin_port", c: "offsetof(struct sockaddr_in, sin_port)", ours: same(2) },
  { label: "sin_addr", c: "offsetof(struct sockaddr_in, sin_addr)", ours: same(4) },
  { label: "sin6_addr", c: "offsetof(struct sockaddr_in6, sin6_addr)", ours: same(8) },
  // getifaddrs and SIOCGIFHWADDR.
  { label: "sizeof(ifaddrs)", c: "sizeof(struct ifaddrs)", ours: same(Ifaddrs.SIZE) },
  { label: "ifa_next", c: "offsetof(struct ifaddrs, ifa_next)", ours: same(Ifaddrs.NEXT) },
  { label: "ifa_name", c: "offsetof(struct ifaddrs, ifa_name)", ours: same(Ifaddrs.NAME) },
  { label: "ifa_flags", c: "offsetof(struct ifaddrs, ifa_flags)", ours: same(Ifaddrs.FLAGS) },
  { label: "ifa_addr", c: "offsetof(struct ifaddrs, ifa_addr)", ours: same(Ifaddrs.ADDR) },
  { label: "ifa_netmask", c: "offsetof(struct ifaddrs, ifa_netmask)", ours: same(Ifaddrs.NETMASK) },
  { label: "sizeof(ifreq)", c: "sizeof(struct ifreq)", ours: same(Ifreq.SIZE) },
  { label: "IFNAMSIZ", c: "IFNAMSIZ", ours: same(Ifreq.NAME_SIZE) },
  {
    label: "ifr_hwaddr.sa_data",
    c: "offsetof(struct ifreq, ifr_hwaddr) + offsetof(struct sockaddr, sa_data)",
    ours: same(Ifreq.HWADDR_DATA),
  },
  { label: "SIOCGIFHWADDR", c: "SIOCGIFHWADDR", ours: same(SIOCGIFHWADDR) },
  // epoll and poll.
  ...Object.entries(Epoll).map(([k, v]) => ({
    label: k,
    c: `(long)(unsigned)${k}`,
    ours: same(v),
  })),
  ...Object.entries(Poll).map(([k, v]) => ({ label: k, c: k, ours: same(v) })),
  { label: "sizeof(pollfd)", c: "sizeof(struct pollfd)", ours: same(POLLFD_SIZE) },
  { label: "pollfd.events", c: "offsetof(struct pollfd, events)", ours: same(4) },
  { label: "pollfd.revents", c: "offsetof(struct pollfd, revents)", ours: same(6) },
  // termios.
  { label: "sizeof(termios)", c: "sizeof(struct termios)", ours: same(Termios.SIZE) },
  { label: "c_iflag", c: "offsetof(struct termios, c_iflag)", ours: same(Termios.C_IFLAG) },
  { label: "c_oflag", c: "offsetof(struct termios, c_oflag)", ours: same(Termios.C_OFLAG) },
  { label: "c_cflag", c: "offsetof(struct termios, c_cflag)", ours: same(Termios.C_CFLAG) },
  { label: "c_lflag", c: "offsetof(struct termios, c_lflag)", ours: same(Termios.C_LFLAG) },
  { label: "c_cc", c: "offsetof(struct termios, c_cc)", ours: same(Termios.C_CC) },
  ...Object.entries(Termios).filter(([k]) => !/^(SIZE|C_)/.test(k)).map(([k, v]) => ({
    label: k,
    c: k,
    ours: same(v),
  })),
  // Signals.
  { label: "sizeof(sigaction)", c: "sizeof(struct sigaction)", ours: same(Sigaction.SIZE) },
  {
    label: "sa_handler",
    c: "offsetof(struct sigaction, sa_handler)",
    ours: same(Sigaction.HANDLER),
  },
  { label: "sa_flags", c: "offsetof(struct sigaction, sa_flags)", ours: same(Sigaction.FLAGS) },
  { label: "sizeof(sigset_t)", c: "sizeof(sigset_t)", ours: same(SIGSET_SIZE) },
  ...Object.entries(Signal).map(([k, v]) => ({ label: k, c: k, ours: same(v) })),
  // Time and uname.
  { label: "sizeof(timespec)", c: "sizeof(struct timespec)", ours: same(TIME_STRUCT_SIZE) },
  { label: "sizeof(timeval)", c: "sizeof(struct timeval)", ours: same(TIME_STRUCT_SIZE) },
  ...Object.entries(Clock).map(([k, v]) => ({ label: k, c: k, ours: same(v) })),
  { label: "sizeof(utsname)", c: "sizeof(struct utsname)", ours: same(Utsname.SIZE) },
  { label: "utsname.nodename", c: "offsetof(struct utsname, nodename)", ours: same(Utsname.FIELD) },
  { label: "HOST_NAME_MAX", c: "HOST_NAME_MAX", ours: same(HOST_NAME_MAX) },
  { label: "sizeof(tm)", c: "sizeof(struct tm)", ours: same(Tm.SIZE) },
  { label: "tm_isdst", c: "offsetof(struct tm, tm_isdst)", ours: same(Tm.ISDST) },
  { label: "tm_gmtoff", c: "offsetof(struct tm, tm_gmtoff)", ours: same(Tm.GMTOFF) },
  { label: "tm_zone", c: "offsetof(struct tm, tm_zone)", ours: same(Tm.ZONE) },
  // statx, file types, flock, dirent.
  { label: "sizeof(statx)", c: "sizeof(struct statx)", ours: same(Statx.SIZE) },
  { label: "stx_mode", c: "offsetof(struct statx, stx_mode)", ours: same(Statx.MODE) },
  { label: "stx_ino", c: "offsetof(struct statx, stx_ino)", ours: same(Statx.INO) },
  {
    label: "stx_rdev_major",
    c: "offsetof(struct statx, stx_rdev_major)",
    ours: same(Statx.RDEV_MAJOR),
  },
  {
    label: "stx_rdev_minor",
    c: "offsetof(struct statx, stx_rdev_minor)",
    ours: same(Statx.RDEV_MINOR),
  },
  {
    label: "stx_dev_major",
    c: "offsetof(struct statx, stx_dev_major)",
    ours: same(Statx.DEV_MAJOR),
  },
  {
    label: "stx_dev_minor",
    c: "offsetof(struct statx, stx_dev_minor)",
    ours: same(Statx.DEV_MINOR),
  },
  { label: "STATX_INO", c: "STATX_INO", ours: same(Statx.STATX_INO) },
  { label: "STATX_BASIC_STATS", c: "STATX_BASIC_STATS", ours: same(Statx.STATX_BASIC_STATS) },
  { label: "stx_nlink", c: "offsetof(struct statx, stx_nlink)", ours: same(StatxOwner.NLINK) },
  { label: "stx_uid", c: "offsetof(struct statx, stx_uid)", ours: same(StatxOwner.UID) },
  { label: "stx_gid", c: "offsetof(struct statx, stx_gid)", ours: same(StatxOwner.GID) },
  { label: "stx_size", c: "offsetof(struct statx, stx_size)", ours: same(StatxOwner.SIZE) },
  // getpwnam_r.
  { label: "sizeof(passwd)", c: "sizeof(struct passwd)", ours: same(Passwd.SIZE) },
  { label: "pw_name", c: "offsetof(struct passwd, pw_name)", ours: same(Passwd.NAME) },
  { label: "pw_uid", c: "offsetof(struct passwd, pw_uid)", ours: same(Passwd.UID) },
  { label: "pw_gid", c: "offsetof(struct passwd, pw_gid)", ours: same(Passwd.GID) },
  { label: "pw_dir", c: "offsetof(struct passwd, pw_dir)", ours: same(Passwd.DIR) },
  { label: "NSS_BUFLEN_PASSWD", c: "NSS_BUFLEN_PASSWD", ours: same(Passwd.NSS_BUFLEN_PASSWD) },
  ...Object.entries(FileType).map(([k, v]) => ({ label: k, c: k, ours: same(v) })),
  { label: "sizeof(flock)", c: "sizeof(struct flock)", ours: same(Flock.SIZE) },
  { label: "l_start", c: "offsetof(struct flock, l_start)", ours: same(8) },
  { label: "l_len", c: "offsetof(struct flock, l_len)", ours: same(16) },
  { label: "F_WRLCK", c: "F_WRLCK", ours: same(1) },
  ...["F_GETFD", "F_SETFD", "F_GETFL", "F_SETFL", "F_SETLK"].map((k) => ({
    label: k,
    c: k,
    ours: same(Flock[k as keyof typeof Flock]),
  })),
  { label: "d_name", c: "offsetof(struct dirent, d_name)", ours: same(Dirent.NAME) },
  { label: "d_type", c: "offsetof(struct dirent, d_type)", ours: same(Dirent.TYPE) },
  { label: "DT_DIR", c: "DT_DIR", ours: same(Dirent.DT_DIR) },
  { label: "_SC_CLK_TCK", c: "_SC_CLK_TCK", ours: same(Sysconf._SC_CLK_TCK) },
  {
    label: "sizeof(d_name)",
    c: "sizeof(((struct dirent *)0)->d_name)",
    ours: same(Dirent.NAME_MAX),
  },
  // posix_spawn.
  {
    label: "POSIX_SPAWN_SETSIGMASK",
    c: "POSIX_SPAWN_SETSIGMASK",
    ours: same(Spawn.POSIX_SPAWN_SETSIGMASK),
  },
  { label: "POSIX_SPAWN_SETSID", c: "POSIX_SPAWN_SETSID", ours: same(Spawn.POSIX_SPAWN_SETSID) },
  {
    label: "sizeof(posix_spawnattr_t)",
    c: "sizeof(posix_spawnattr_t)",
    ours: same(Spawn.ATTR_SIZE),
    atMost: true,
  },
  {
    label: "sizeof(posix_spawn_file_actions_t)",
    c: "sizeof(posix_spawn_file_actions_t)",
    ours: same(Spawn.ACTIONS_SIZE),
    atMost: true,
  },
  // Filesystem ioctls.
  { label: "FIFREEZE", c: "(long)(unsigned)FIFREEZE", ours: same(FIFREEZE) },
  { label: "FITHAW", c: "(long)(unsigned)FITHAW", ours: same(FITHAW) },
  { label: "FITRIM", c: "(long)(unsigned)FITRIM", ours: same(FITRIM) },
  {
    label: "sizeof(fstrim_range)",
    c: "sizeof(struct fstrim_range)",
    ours: same(FSTRIM_RANGE_SIZE),
  },
  // Disks (guest-get-fsinfo, guest-get-disks).
  { label: "DT_LNK", c: "DT_LNK", ours: same(DT_LNK) },
  { label: "PATH_MAX", c: "PATH_MAX", ours: same(PATH_MAX) },
  { label: "sizeof(statvfs)", c: "sizeof(struct statvfs)", ours: same(Statvfs.SIZE) },
  { label: "f_frsize", c: "offsetof(struct statvfs, f_frsize)", ours: same(Statvfs.FRSIZE) },
  { label: "f_blocks", c: "offsetof(struct statvfs, f_blocks)", ours: same(Statvfs.BLOCKS) },
  { label: "f_bfree", c: "offsetof(struct statvfs, f_bfree)", ours: same(Statvfs.BFREE) },
  { label: "f_bavail", c: "offsetof(struct statvfs, f_bavail)", ours: same(Statvfs.BAVAIL) },
  {
    label: "sizeof(f_blocks)",
    c: "sizeof(((struct statvfs *)0)->f_blocks)",
    ours: same(8),
  },
  // Guest files (src/sys/files/): lseek, openat2, fstatfs.
  ...Object.entries(Seek).map(([k, v]) => ({ label: k, c: k, ours: same(v) })),
  { label: "SYS_openat2", c: "SYS_openat2", ours: same(SYS_OPENAT2) },
  { label: "sizeof(open_how)", c: "sizeof(struct open_how)", ours: same(OpenHow.SIZE) },
  { label: "open_how.flags", c: "offsetof(struct open_how, flags)", ours: same(OpenHow.FLAGS) },
  { label: "open_how.mode", c: "offsetof(struct open_how, mode)", ours: same(OpenHow.MODE) },
  {
    label: "open_how.resolve",
    c: "offsetof(struct open_how, resolve)",
    ours: same(OpenHow.RESOLVE),
  },
  {
    label: "RESOLVE_NO_MAGICLINKS",
    c: "RESOLVE_NO_MAGICLINKS",
    ours: same(OpenHow.RESOLVE_NO_MAGICLINKS),
  },
  { label: "RESOLVE_BENEATH", c: "RESOLVE_BENEATH", ours: same(OpenHow.RESOLVE_BENEATH) },
  { label: "sizeof(statfs)", c: "sizeof(struct statfs)", ours: same(Statfs.SIZE) },
  { label: "f_type", c: "offsetof(struct statfs, f_type)", ours: same(Statfs.TYPE) },
  { label: "sizeof(f_type)", c: "sizeof(((struct statfs *)0)->f_type)", ours: same(8) },
  ...Object.entries(PSEUDO_FS_MAGIC_MACROS).map(([name, macro]) => ({
    label: macro,
    c: `(long)(unsigned)${macro}`,
    ours: same(PSEUDO_FS_MAGIC[name as keyof typeof PSEUDO_FS_MAGIC]),
  })),
  // The sandbox (src/sys/landlock.ts, src/sys/capabilities.ts). Debian 12's <linux/landlock.h>
  // knows ABI 2; the later fields and bits are checked against the kernel by landlock_test.ts.
  { label: "FD_CLOEXEC", c: "FD_CLOEXEC", ours: same(FD_CLOEXEC) },
  {
    label: "SYS_landlock_create_ruleset",
    c: "SYS_landlock_create_ruleset",
    ours: same(Landlock.SYS_CREATE_RULESET),
  },
  { label: "SYS_landlock_add_rule", c: "SYS_landlock_add_rule", ours: same(Landlock.SYS_ADD_RULE) },
  {
    label: "SYS_landlock_restrict_self",
    c: "SYS_landlock_restrict_self",
    ours: same(Landlock.SYS_RESTRICT_SELF),
  },
  {
    label: "LANDLOCK_CREATE_RULESET_VERSION",
    c: "LANDLOCK_CREATE_RULESET_VERSION",
    ours: same(Landlock.CREATE_RULESET_VERSION),
  },
  {
    label: "LANDLOCK_RULE_PATH_BENEATH",
    c: "LANDLOCK_RULE_PATH_BENEATH",
    ours: same(Landlock.RULE_PATH_BENEATH),
  },
  {
    label: "sizeof(landlock_ruleset_attr) (ABI 1-3)",
    c: "sizeof(struct landlock_ruleset_attr)",
    ours: same(Landlock.RULESET_ATTR_SIZE_V1),
  },
  {
    label: "sizeof(landlock_path_beneath_attr)",
    c: "sizeof(struct landlock_path_beneath_attr)",
    ours: same(Landlock.PATH_BENEATH_SIZE),
  },
  {
    label: "landlock_path_beneath_attr.parent_fd",
    c: "offsetof(struct landlock_path_beneath_attr, parent_fd)",
    ours: same(Landlock.PATH_BENEATH_PARENT_FD),
  },
  ...Object.entries(LandlockAccessFs).filter(([, v]) => v.abi <= 2).map(([k, v]) => ({
    label: `LANDLOCK_ACCESS_FS_${k}`,
    c: `LANDLOCK_ACCESS_FS_${k}`,
    ours: same(v.bit),
  })),
  ...Object.entries(Prctl).map(([k, v]) => ({ label: k, c: k, ours: same(v) })),
  {
    label: "_LINUX_CAPABILITY_VERSION_3",
    c: "_LINUX_CAPABILITY_VERSION_3",
    ours: same(CapUser.VERSION_3),
  },
  { label: "_LINUX_CAPABILITY_U32S_3", c: "_LINUX_CAPABILITY_U32S_3", ours: same(CapUser.U32S_3) },
  {
    label: "sizeof(__user_cap_header_struct)",
    c: "sizeof(struct __user_cap_header_struct)",
    ours: same(CapUser.HEADER_SIZE),
  },
  {
    label: "sizeof(__user_cap_data_struct)",
    c: "sizeof(struct __user_cap_data_struct)",
    ours: same(CapUser.DATA_SIZE),
  },
  {
    label: "cap_data.permitted",
    c: "offsetof(struct __user_cap_data_struct, permitted)",
    ours: same(CapUser.PERMITTED),
  },
  {
    label: "cap_data.inheritable",
    c: "offsetof(struct __user_cap_data_struct, inheritable)",
    ours: same(CapUser.INHERITABLE),
  },
  {
    label: "CAP_LAST_CAP",
    c: "CAP_LAST_CAP",
    ours: same(Object.keys(CapabilityNumbers).length - 1),
  },
  ...Object.entries(CapabilityNumbers).map(([k, v]) => ({ label: k, c: k, ours: same(v) })),
];

const HEADERS = [
  "stddef.h",
  "fcntl.h",
  "signal.h",
  "spawn.h",
  "time.h",
  "termios.h",
  "dirent.h",
  "sys/statvfs.h",
  "poll.h",
  "ifaddrs.h",
  "net/if.h",
  "sys/epoll.h",
  "sys/ioctl.h",
  "sys/socket.h",
  "sys/stat.h",
  "sys/time.h",
  "sys/un.h",
  "sys/utsname.h",
  "netinet/in.h",
  "linux/fs.h",
  "linux/vm_sockets.h",
  "utmp.h",
  "pwd.h",
  "limits.h",
  "unistd.h",
  "sys/vfs.h",
  "sys/syscall.h",
  "linux/openat2.h",
  "linux/magic.h",
  "sys/prctl.h",
  "linux/capability.h",
  "linux/landlock.h",
];

/** The probe's C source: one `long` per claim, in {@link CLAIMS} order. */
export function probeSource(): string {
  return `#define _GNU_SOURCE\n${HEADERS.map((h) => `#include <${h}>`).join("\n")}\n` +
    `const long values[] = {\n${CLAIMS.map((c) => `  ${c.c}, /* ${c.label} */`).join("\n")}\n};\n`;
}

/** The C compilers that can produce code for `arch`, most specific first. */
export function compilersFor(arch: Arch): string[] {
  const cross = arch === "x86_64" ? "x86_64-linux-gnu-gcc" : "aarch64-linux-gnu-gcc";
  return Deno.build.arch === arch ? [cross, "cc", "gcc"] : [cross];
}

/**
 * Compiles the probe to assembly with a compiler for `arch` and reads the values back.
 *
 * @returns The values by label, or undefined when no compiler for `arch` is installed.
 */
export async function probe(arch: Arch): Promise<Record<string, number> | undefined> {
  const dir = await Deno.makeTempDir({ prefix: "qga-abi-" });
  try {
    await Deno.writeTextFile(`${dir}/probe.c`, probeSource());
    for (const compiler of compilersFor(arch)) {
      let output: Deno.CommandOutput;
      try {
        output = await new Deno.Command(compiler, {
          args: ["-S", "-O0", "-o", "-", `${dir}/probe.c`],
          stdout: "piped",
          stderr: "piped",
        }).output();
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) continue;
        throw error;
      }
      if (!output.success) {
        throw new Error(`${compiler} failed:\n${new TextDecoder().decode(output.stderr)}`);
      }
      const asm = new TextDecoder().decode(output.stdout);
      const body = asm.slice(asm.indexOf("\nvalues:"));
      const numbers = [...body.matchAll(/^\s+\.(?:quad|xword|8byte)\s+(-?\d+)/gm)].map((m) =>
        Number(m[1])
      );
      if (numbers.length < CLAIMS.length) throw new Error(`${compiler}: probe values not found`);
      return Object.fromEntries(CLAIMS.map((c, i) => [c.label, numbers[i]!]));
    }
    return undefined;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The recorded values of `arch`. */
export const FIXTURE = (arch: Arch) => new URL(`../fixtures/abi/${arch}.json`, import.meta.url);

if (import.meta.main) {
  for (const arch of ["x86_64", "aarch64"] as const) {
    const values = await probe(arch);
    if (!values) throw new Error(`no C compiler for ${arch} (${compilersFor(arch).join(", ")})`);
    await Deno.mkdir(new URL(".", FIXTURE(arch)), { recursive: true });
    await Deno.writeTextFile(FIXTURE(arch), JSON.stringify(values, null, 2) + "\n");
    console.log(`recorded ${Object.keys(values).length} values for ${arch}`);
  }
}
