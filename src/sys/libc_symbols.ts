/**
 * The libc symbol table of qga-deno's FFI layer (`./libc.ts` opens it). Pure data.
 *
 * Variadic functions (`ioctl`, `fcntl`) are declared with fixed parameters; on x86_64 and aarch64
 * Linux a variadic integer or pointer argument travels exactly like a fixed one. Symbols ending
 * in `_nb` are `nonblocking: true` variants: they run on a worker thread and resolve to a
 * Promise, and errno is lost, so they are only used to *wait* (poll/epoll) before a synchronous
 * read or write on a non-blocking descriptor.
 *
 * @module
 */

/** Every libc function and variable qga-deno uses, in `Deno.dlopen` form. */
export const LIBC_SYMBOLS = {
  __errno_location: { parameters: [], result: "pointer" },
  // Files and descriptors.
  open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  openat: { parameters: ["i32", "buffer", "i32", "u32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  /**
   * `read`, `write` and `send` return `ssize_t`, read here as its low 32 bits (`i32`: a number,
   * where `isize` would be a BigInt allocated per call). Exact on x86_64 and aarch64 for every
   * call the agent makes: none moves 2 GiB or more at once, and -1 stays -1.
   */
  read: { parameters: ["i32", "buffer", "usize"], result: "i32" },
  write: { parameters: ["i32", "buffer", "usize"], result: "i32" },
  pread: { parameters: ["i32", "buffer", "usize", "i64"], result: "isize" },
  pwrite: { parameters: ["i32", "buffer", "usize", "i64"], result: "isize" },
  unlink: { parameters: ["buffer"], result: "i32" },
  ftruncate: { parameters: ["i32", "i64"], result: "i32" },
  /** `lseek(fd, offset, whence)`: int64 offsets in and out (guest-file-seek, ./files/). */
  lseek: { parameters: ["i32", "i64", "i32"], result: "i64" },
  fstatfs: { parameters: ["i32", "buffer"], result: "i32" },
  /** `syscall(SYS_openat2, dirfd, path, &how, sizeof how)`: glibc 2.36 has no wrapper. */
  syscall_openat2: {
    name: "syscall",
    parameters: ["i64", "i64", "buffer", "buffer", "usize"],
    result: "i64",
  },
  // Files beneath a directory descriptor (a user's ~/.ssh, ./users_fs.ts).
  mkdirat: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  renameat: { parameters: ["i32", "buffer", "i32", "buffer"], result: "i32" },
  unlinkat: { parameters: ["i32", "buffer", "i32"], result: "i32" },
  fchown: { parameters: ["i32", "u32", "u32"], result: "i32" },
  fchmod: { parameters: ["i32", "u32"], result: "i32" },
  fsync: { parameters: ["i32"], result: "i32" },
  /** `getpwnam_r(name, &pwd, buf, buflen, &result)` (./passwd.ts). */
  getpwnam_r: { parameters: ["buffer", "buffer", "buffer", "usize", "buffer"], result: "i32" },
  statx: { parameters: ["i32", "buffer", "i32", "u32", "buffer"], result: "i32" },
  umask: { parameters: ["u32"], result: "u32" },
  chdir: { parameters: ["buffer"], result: "i32" },
  dup2: { parameters: ["i32", "i32"], result: "i32" },
  pipe2: { parameters: ["buffer", "i32"], result: "i32" },
  /** Fills in the `XXXXXX` of its (writable) template argument in place. */
  mkstemp: { parameters: ["buffer"], result: "i32" },
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  /** `fcntl` with a pointer argument (`struct flock` for F_SETLK). */
  fcntl_lock: { name: "fcntl", parameters: ["i32", "i32", "buffer"], result: "i32" },
  /** `ioctl` with a pointer argument. */
  ioctl: { parameters: ["i32", "u64", "buffer"], result: "i32" },
  /** `ioctl` with an integer argument (FIFREEZE/FITHAW take int 0). */
  ioctl_int: { name: "ioctl", parameters: ["i32", "u64", "u64"], result: "i32" },
  opendir: { parameters: ["buffer"], result: "pointer" },
  readdir: { parameters: ["pointer"], result: "pointer" },
  closedir: { parameters: ["pointer"], result: "i32" },
  /** `realpath(path, buf)` with a caller's `PATH_MAX` buffer: returns `buf`, or NULL. */
  realpath: { parameters: ["buffer", "buffer"], result: "pointer" },
  readlink: { parameters: ["buffer", "buffer", "usize"], result: "isize" },
  statvfs: { parameters: ["buffer", "buffer"], result: "i32" },
  // Waiting for descriptors.
  poll: { parameters: ["buffer", "u64", "i32"], result: "i32" },
  poll_nb: { name: "poll", parameters: ["buffer", "u64", "i32"], result: "i32", nonblocking: true },
  epoll_create1: { parameters: ["i32"], result: "i32" },
  epoll_ctl: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  epoll_wait: { parameters: ["i32", "buffer", "i32", "i32"], result: "i32" },
  epoll_wait_nb: {
    name: "epoll_wait",
    parameters: ["i32", "buffer", "i32", "i32"],
    result: "i32",
    nonblocking: true,
  },
  // Sockets.
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  listen: { parameters: ["i32", "i32"], result: "i32" },
  accept4: { parameters: ["i32", "pointer", "pointer", "i32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  /** `send`: result as for `read`. */
  send: { parameters: ["i32", "buffer", "usize", "i32"], result: "i32" },
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  getifaddrs: { parameters: ["buffer"], result: "i32" },
  freeifaddrs: { parameters: ["pointer"], result: "void" },
  inet_ntop: { parameters: ["i32", "buffer", "buffer", "u32"], result: "pointer" },
  // Terminals.
  tcgetattr: { parameters: ["i32", "buffer"], result: "i32" },
  tcsetattr: { parameters: ["i32", "i32", "buffer"], result: "i32" },
  tcflush: { parameters: ["i32", "i32"], result: "i32" },
  cfmakeraw: { parameters: ["buffer"], result: "void" },
  cfsetispeed: { parameters: ["buffer", "u32"], result: "i32" },
  cfsetospeed: { parameters: ["buffer", "u32"], result: "i32" },
  // Time, signals, process.
  gettimeofday: { parameters: ["buffer", "pointer"], result: "i32" },
  settimeofday: { parameters: ["buffer", "pointer"], result: "i32" },
  clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
  sigaction: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  signal: { parameters: ["i32", "pointer"], result: "pointer" },
  getpid: { parameters: [], result: "i32" },
  /** `usleep(us)` on a worker thread: a wait that is not a timer (./inspector_guard.ts). */
  usleep_nb: { name: "usleep", parameters: ["u32"], result: "i32", nonblocking: true },
  mallopt: { parameters: ["i32", "i32"], result: "i32" },
  /** `malloc_trim(pad)`: free heap pages back to the system once a transfer is over (./malloc.ts). */
  malloc_trim: { parameters: ["usize"], result: "i32" },
  uname: { parameters: ["buffer"], result: "i32" },
  gethostname: { parameters: ["buffer", "usize"], result: "i32" },
  tzset: { parameters: [], result: "void" },
  localtime_r: { parameters: ["buffer", "buffer"], result: "pointer" },
  /** `char *tzname[2]` (set by `tzset()`): Deno yields the array's address. */
  tzname: { type: "pointer" },
  sysconf: { parameters: ["i32"], result: "i64" },
  openlog: { parameters: ["buffer", "i32", "i32"], result: "void" },
  syslog: { parameters: ["i32", "buffer", "buffer"], result: "void" },
  // Re-executing the agent as a daemon (./self_process.ts).
  posix_spawn: {
    parameters: ["buffer", "buffer", "buffer", "buffer", "buffer", "buffer"],
    result: "i32",
  },
  posix_spawnattr_init: { parameters: ["buffer"], result: "i32" },
  posix_spawnattr_destroy: { parameters: ["buffer"], result: "i32" },
  posix_spawnattr_setflags: { parameters: ["buffer", "i16"], result: "i32" },
  posix_spawnattr_setsigmask: { parameters: ["buffer", "buffer"], result: "i32" },
  posix_spawn_file_actions_init: { parameters: ["buffer"], result: "i32" },
  posix_spawn_file_actions_destroy: { parameters: ["buffer"], result: "i32" },
  posix_spawn_file_actions_addopen: {
    parameters: ["buffer", "i32", "buffer", "i32", "u32"],
    result: "i32",
  },
  /** `execve(path, argv, envp)`: re-executing the agent inside its sandbox (./self_process.ts). */
  execve: { parameters: ["buffer", "buffer", "buffer"], result: "i32" },
  // The sandbox (./landlock.ts, ./capabilities.ts). `syscall` and `prctl` are variadic: each
  // variant passes exactly as many arguments as the call takes (a missing one would leave
  // whatever its register holds, and the kernel answers EINVAL).
  /** `prctl(option, arg2, arg3, arg4, arg5)` (the unused ones must be 0). */
  prctl: { parameters: ["i32", "u64", "u64", "u64", "u64"], result: "i32" },
  capget: { parameters: ["buffer", "buffer"], result: "i32" },
  capset: { parameters: ["buffer", "buffer"], result: "i32" },
  /** `syscall(SYS_landlock_create_ruleset, attr, size, flags)` (attr may be NULL). */
  landlock_create_ruleset: {
    name: "syscall",
    parameters: ["i64", "buffer", "usize", "u32"],
    result: "i64",
  },
  /** `syscall(SYS_landlock_add_rule, ruleset_fd, rule_type, rule_attr, flags)`. */
  landlock_add_rule: {
    name: "syscall",
    parameters: ["i64", "i32", "u32", "buffer", "u32"],
    result: "i64",
  },
  /** `syscall(SYS_landlock_restrict_self, ruleset_fd, flags)`. */
  landlock_restrict_self: { name: "syscall", parameters: ["i64", "i32", "u32"], result: "i64" },
  /** `char **environ`: Deno yields the variable's address, not its value. */
  environ: { type: "pointer" },
} as const satisfies Deno.ForeignLibraryInterface;
