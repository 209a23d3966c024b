/**
 * The kernel interfaces of confinement, as byte layouts and numbers: Landlock (its system calls,
 * rights and attribute structs), `prctl` and the capability sets, `openat2`'s `struct open_how`,
 * and `struct statfs` with the magics of the pseudo file systems confined file access refuses.
 * None of them differs between x86_64 and aarch64; the rest of the FFI layer's layouts, and what
 * does differ, are in `./structs.ts`.
 *
 * @module
 */

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
