/**
 * Calls on the agent's own process that Deno has no API for: re-executing itself in a new
 * session (`posix_spawn` of `/proc/self/exe`, the mechanism behind `-d`), pointing its standard
 * streams at `/dev/null`, the umask, the working directory, and glibc's malloc thresholds.
 *
 * The policy (when to daemonize, what marker the daemon gets) is `src/agent/daemon.ts`'s; this
 * module only does the system calls.
 *
 * @module
 */

import { Errno } from "./errno.ts";
import { descriptorFlags, listDirectory, readSmallFile, statFd } from "./fd.ts";
import { check, closeFd, cString, environmentEntries, errno, libc } from "./libc.ts";
import { OsError } from "./os_error.ts";
import { FD_CLOEXEC, OpenFlags, SIGSET_SIZE, Spawn, Statx } from "./structs.ts";

export { environmentEntries };

/** What is executed to run this very program again, whatever its path or name. */
const SELF_EXE = "/proc/self/exe";
/** The running process's argv, NUL-separated. */
const SELF_CMDLINE = "/proc/self/cmdline";

const encoder = new TextEncoder();

/** Splits `/proc/self/cmdline` (each argument NUL-terminated; empty arguments kept). */
export function splitCmdline(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0) {
      out.push(bytes.slice(start, i));
      start = i + 1;
    }
  }
  if (start < bytes.length) out.push(bytes.slice(start));
  return out;
}

/**
 * The running process's argv as the kernel has it (`/proc/self/cmdline`), e.g. `deno run -q -P
 * main.ts …` or a compiled binary's own name and arguments.
 *
 * @throws OsError when it cannot be read.
 */
export function ownCommandLine(): Uint8Array[] {
  return splitCmdline(readSmallFile(SELF_CMDLINE));
}

/**
 * Spawns `/proc/self/exe` with `argv` and `env` (`NAME=value` entries) in a new session
 * (`setsid`), with an empty signal mask and stdin/stdout on `/dev/null`; stderr and every other
 * descriptor without close-on-exec are inherited as across a fork. Goes through libc
 * `posix_spawn`, so it depends neither on `--allow-run` nor on `--allow-read` of `/proc`.
 *
 * @returns The child's pid.
 * @throws OsError when the process cannot be spawned.
 */
export function spawnSelfInNewSession(
  argv: readonly Uint8Array[],
  env: readonly Uint8Array[],
): number {
  if (argv.length === 0) throw new OsError(Errno.EINVAL, "posix_spawn");
  const strings = new CStringArena([...argv, ...env]);
  const argvArray = nullTerminated(strings.pointers.slice(0, argv.length));
  const envArray = nullTerminated(strings.pointers.slice(argv.length));
  const lib = libc();
  const attr = new Uint8Array(Spawn.ATTR_SIZE);
  const actions = new Uint8Array(Spawn.ACTIONS_SIZE);
  spawnCheck("posix_spawnattr_init", lib.posix_spawnattr_init(attr));
  try {
    const flags = Spawn.POSIX_SPAWN_SETSID | Spawn.POSIX_SPAWN_SETSIGMASK;
    spawnCheck("posix_spawnattr_setflags", lib.posix_spawnattr_setflags(attr, flags));
    const emptySet = new Uint8Array(SIGSET_SIZE);
    spawnCheck("posix_spawnattr_setsigmask", lib.posix_spawnattr_setsigmask(attr, emptySet));
    spawnCheck("posix_spawn_file_actions_init", lib.posix_spawn_file_actions_init(actions));
    try {
      const path = cString("/dev/null");
      for (const [fd, flags] of [[0, OpenFlags.O_RDONLY], [1, OpenFlags.O_WRONLY]] as const) {
        spawnCheck(
          "posix_spawn_file_actions_addopen",
          lib.posix_spawn_file_actions_addopen(actions, fd, path, flags, 0),
        );
      }
      const pid = new Int32Array(1);
      spawnCheck(
        "posix_spawn",
        lib.posix_spawn(pid, cString(SELF_EXE), actions, attr, argvArray, envArray),
      );
      return pid[0]!;
    } finally {
      lib.posix_spawn_file_actions_destroy(actions);
    }
  } finally {
    lib.posix_spawnattr_destroy(attr);
    strings.release();
  }
}

/**
 * Replaces this process with a new run of its own executable: `execve("/proc/self/exe", argv,
 * env)` with the argv of `/proc/self/cmdline` (the same `deno run … main.ts …` or compiled binary
 * and arguments) and `env` (`NAME=value` entries). The pid stays; so do a Landlock domain, the
 * no-new-privileges flag, the capability bounding set and every descriptor without close-on-exec.
 * Every other thread ends with the old image: the new one starts its threads afresh.
 *
 * @returns Never: it returns only by throwing.
 * @throws OsError when the command line cannot be read or `execve` fails.
 */
export function execSelf(env: readonly (string | Uint8Array)[]): never {
  const argv = ownCommandLine();
  if (argv.length === 0) throw new OsError(Errno.EINVAL, "execve");
  const strings = new CStringArena([...argv, ...env]);
  try {
    const argvArray = nullTerminated(strings.pointers.slice(0, argv.length));
    const envArray = nullTerminated(strings.pointers.slice(argv.length));
    libc().execve(cString(SELF_EXE), argvArray, envArray);
    throw new OsError(errno(), "execve");
  } finally {
    strings.release();
  }
}

/**
 * qemu-ga's `reopen_fd_to_null()` for 0, 1 and 2 — and for Deno's private duplicates of them.
 * Deno keeps a duplicate of the standard streams it was started with (observed in 2.9: one of
 * stderr, close-on-exec). Left alone, it would hold the launcher's terminal or pipe open for the
 * daemon's whole life, so a caller reading the launcher's stderr to its end would never finish;
 * every descriptor above 2 that is the same file as stderr was is pointed at `/dev/null` as well
 * (keeping its number and its close-on-exec flag, so whatever holds it stays valid).
 */
export function redirectStdioToDevNull(): void {
  const lib = libc();
  const stderr = fileIdentity(2);
  const fd = lib.open(cString("/dev/null"), OpenFlags.O_RDWR | OpenFlags.O_CLOEXEC, 0);
  if (fd < 0) return;
  for (const target of [0, 1, 2]) lib.dup2(fd, target);
  if (stderr !== undefined) {
    let names: Uint8Array[] = [];
    try {
      names = listDirectory("/proc/self/fd");
    } catch {
      // No /proc: nothing more can be found.
    }
    const decoder = new TextDecoder();
    for (const name of names) {
      const other = Number(decoder.decode(name));
      if (!(other > 2) || other === fd || fileIdentity(other) !== stderr) continue;
      const flags = descriptorFlags(other);
      lib.dup2(fd, other);
      if (flags >= 0) descriptorFlags(other, flags);
    }
  }
  if (fd > 2) closeFd(fd);
}

/**
 * Sets or clears close-on-exec (`FD_CLOEXEC`) on `fd`, keeping its other descriptor flags.
 *
 * @throws OsError when `fcntl` fails (`EBADF`: not open).
 */
export function setCloseOnExec(fd: number, on: boolean): void {
  const flags = descriptorFlags(fd);
  if (flags < 0) throw new OsError(errno(), "fcntl");
  const wanted = on ? flags | FD_CLOEXEC : flags & ~FD_CLOEXEC;
  if (wanted !== flags && descriptorFlags(fd, wanted) < 0) throw new OsError(errno(), "fcntl");
}

/**
 * Marks every open descriptor from 3 up close-on-exec, except `keep`: what this process
 * inherited (or left open) then no longer reaches the programs it starts (qemu-ga does the same
 * for a socket-activation descriptor once it has taken it). Lists `/proc/self/fd`.
 *
 * @returns The descriptors that were changed.
 * @throws OsError when `/proc/self/fd` cannot be listed.
 */
export function markDescriptorsCloseOnExec(keep: readonly number[] = []): number[] {
  const decoder = new TextDecoder();
  const changed: number[] = [];
  for (const name of listDirectory("/proc/self/fd")) {
    const fd = Number(decoder.decode(name));
    if (!(fd >= 3) || keep.includes(fd)) continue;
    const flags = descriptorFlags(fd);
    // The directory's own descriptor is gone by now (EBADF): skip it.
    if (flags < 0 || (flags & FD_CLOEXEC) !== 0) continue;
    if (descriptorFlags(fd, flags | FD_CLOEXEC) >= 0) changed.push(fd);
  }
  return changed;
}

/** Device and inode of an open descriptor (`major:minor:inode`), or undefined. */
function fileIdentity(fd: number): string | undefined {
  try {
    const { dev, ino } = statFd(fd, Statx.STATX_INO);
    return `${dev[0]}:${dev[1]}:${ino}`;
  } catch {
    return undefined;
  }
}

/** `umask(mask)`; returns the previous mask. */
export function setUmask(mask: number): number {
  return libc().umask(mask);
}

/**
 * `chdir(path)`.
 *
 * @throws OsError when it fails.
 */
export function changeDirectory(path: string): void {
  check("chdir", libc().chdir(cString(path)));
}

function spawnCheck(call: string, result: number): void {
  // The posix_spawn family returns the error number instead of setting errno.
  if (result !== 0) throw new OsError(result, call);
}

function nullTerminated(pointers: bigint[]): BigUint64Array<ArrayBuffer> {
  const array = new BigUint64Array(new ArrayBuffer((pointers.length + 1) * 8));
  array.set(pointers);
  return array;
}

/**
 * NUL-terminated copies of strings in one off-heap buffer, with their addresses. (Small typed
 * arrays may live on V8's moving heap; an `ArrayBuffer`'s backing store never moves, so the
 * addresses stay valid while the arena is referenced.)
 */
class CStringArena {
  #buffer: Uint8Array<ArrayBuffer> | undefined;
  /** The address of each string, in order. */
  readonly pointers: bigint[] = [];

  constructor(strings: readonly (string | Uint8Array)[]) {
    const encoded = strings.map((s) => (typeof s === "string" ? encoder.encode(s) : s));
    const size = encoded.reduce((sum, s) => sum + s.length + 1, 0);
    const buffer = this.#buffer = new Uint8Array(new ArrayBuffer(Math.max(size, 1)));
    const base = BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buffer)));
    let offset = 0;
    for (const s of encoded) {
      buffer.set(s, offset);
      this.pointers.push(base + BigInt(offset));
      offset += s.length + 1;
    }
  }

  /** Drops the buffer; call only after the last use of {@linkcode pointers} (keeps it alive). */
  release(): void {
    this.#buffer = undefined;
  }
}
