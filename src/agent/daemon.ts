/**
 * `-d` / `--daemonize` (spec §3.9), with qemu-ga 7.2's observable behaviour; the pidfile is
 * `./pidfile.ts`.
 *
 * Deno cannot `fork()` (the runtime is multi-threaded), so daemonizing is a re-execution. The
 * *launcher* (the process the shell started) re-executes its own executable (`/proc/self/exe`)
 * with its own argv (`/proc/self/cmdline`) in a new session, stdin and stdout on `/dev/null`, and
 * the marker `QGA_DENO_DAEMON_CHILD=<launcher pid>` added to the environment; then it exits 0.
 * That serves `deno run -q -P main.ts …` (the executable is deno, the argv holds `run -q -P
 * main.ts`) and a `deno compile`d binary alike, with the very same permission flags. The
 * re-executed *daemon* sees the marker, removes it from its environment, does not daemonize
 * again, and then does what the forked child does in qemu-ga 7.2's `become_daemon()`:
 *
 * 1. writes the pidfile (unless starting frozen: then deferred until the first thaw, see
 *    `writeDeferredPidfile()` in `./pidfile.ts`) — a failure logs the error (critical) and exits 1;
 * 2. sets the umask to 077 (the socket, the state file and the log file get no group/other bits);
 * 3. is a session leader already (`POSIX_SPAWN_SETSID`);
 * 4. changes to `/`;
 * 5. puts stdin, stdout and stderr on `/dev/null`.
 *
 * Observable order, as 7.2 (upstream 10.0 daemonizes only after the channel is open, so its
 * launcher exits 1 when e.g. the channel cannot be opened): the launcher exits 0 as soon as the
 * daemon is spawned, and every later failure (pidfile lock, log file, state directory, channel)
 * only ends the daemon. Until step 5 the daemon still writes to the launcher's stderr, so — as
 * with 7.2 — `Cannot lock pid file: Resource temporarily unavailable` appears on the terminal
 * that started the second agent, and the log file (`-l`, opened after daemonizing, relative
 * paths then resolving against `/`) is not created. Step 1 happens before step 4, so a relative
 * `-f` resolves against the launcher's working directory, as in 7.2.
 *
 * @module
 */

import type { AgentConfig } from "../config/config.ts";
import {
  closeFd,
  cString,
  environmentEntries,
  libc,
  OpenFlags,
  readSmallFile,
  SysError,
} from "../sys/libc.ts";
import { strerror as errorText } from "../sys/errors.ts";
import { listDirectory } from "../sys/fs_ffi/fs_ffi.ts";
import type { Logger } from "./log.ts";
import { deferPidfile, removePidfile, writePidfile } from "./pidfile.ts";
import { frozenMarkerExists, statePaths } from "./state_file.ts";

/**
 * Environment variable that marks the re-executed daemon; its value is the launcher's pid. The
 * agent needs `--allow-env` for it (deno.json `permissions.default.env`).
 */
export const DAEMON_CHILD_ENV = "QGA_DENO_DAEMON_CHILD";

/** What the launcher executes: the running executable, whatever its path or name. */
const SELF_EXE = "/proc/self/exe";
/** The running process's argv, NUL-separated. */
const SELF_CMDLINE = "/proc/self/cmdline";

// glibc <spawn.h>.
const POSIX_SPAWN_SETSIGMASK = 0x08;
const POSIX_SPAWN_SETSID = 0x80;
/** Generous upper bounds of glibc's opaque spawn structures (336 and 80 bytes on x86_64). */
const SPAWN_ATTR_SIZE = 1024;
const SPAWN_ACTIONS_SIZE = 1024;
/** `sigset_t` (1024 bits); all zero bytes is the empty set. */
const SIGSET_SIZE = 128;

// statx(2): the same layout on every architecture; stx_ino is the u64 at offset 32.
const AT_EMPTY_PATH = 0x1000;
const STATX_INO = 0x100;
const STATX_SIZE = 256;
const STX_INO_OFFSET = 32;
/** stx_dev_major and stx_dev_minor (u32 each). */
const STX_DEV_OFFSET = 136;

const F_GETFD = 1;
const F_SETFD = 2;

const encoder = new TextEncoder();

/** The marker, read once: the launcher's pid, or null when this is not a daemon child. */
let launcher: number | null | undefined;

/**
 * Tells whether this process is the re-executed daemon, and if so returns its launcher's pid.
 *
 * The first call reads {@linkcode DAEMON_CHILD_ENV} and removes it from the environment, so that
 * neither guest-exec children nor a `-d` agent started from one of them inherit it; later calls
 * return the same answer. Without permission to read the variable the answer is "not a daemon"
 * (the launcher refuses to daemonize in that case, so this cannot loop).
 *
 * @returns The launcher's pid, or `undefined` in an ordinary (foreground or launcher) process.
 */
export function daemonLauncherPid(): number | undefined {
  if (launcher === undefined) {
    launcher = null;
    if (markerAllowed()) {
      const value = Deno.env.get(DAEMON_CHILD_ENV);
      if (value !== undefined) {
        Deno.env.delete(DAEMON_CHILD_ENV);
        if (/^[1-9][0-9]{0,9}$/.test(value)) launcher = Number(value);
      }
    }
  }
  return launcher ?? undefined;
}

function markerAllowed(): boolean {
  return Deno.permissions.querySync({ name: "env", variable: DAEMON_CHILD_ENV }).state ===
    "granted";
}

/**
 * Daemonizes when `config.daemonize` is set (the caller checks); see the module documentation.
 *
 * In the launcher: spawns the daemon and returns 0 (1 when it cannot, e.g. the marker variable
 * is not allowed). In the daemon: writes the pidfile (or defers it when the state directory
 * holds `qga.state.isfrozen`), sets umask 077, changes to `/` and moves stdio to `/dev/null`;
 * returns `undefined` to go on starting the agent, or 1 after logging a failure.
 *
 * @param config The effective configuration (`pidfile`, `statedir`).
 * @param log Where failures go (still the launcher's stderr at this point).
 * @returns The exit status to end this process with, or `undefined` to carry on as the daemon.
 */
export function daemonize(config: AgentConfig, log: Logger): number | undefined {
  if (daemonLauncherPid() === undefined) {
    if (!markerAllowed()) {
      log.critical(
        `failed to daemonize: the environment variable ${DAEMON_CHILD_ENV} must be allowed ` +
          "(--allow-env)",
      );
      return 1;
    }
    try {
      spawnDaemon();
      return 0;
    } catch (error) {
      log.critical(`failed to daemonize: ${errorText(error)}`);
      return 1;
    }
  }
  if (frozenMarkerExists(statePaths(config.statedir))) {
    deferPidfile(config.pidfile);
  } else {
    try {
      writePidfile(config.pidfile);
    } catch (error) {
      log.critical(error instanceof Error ? error.message : String(error));
      return 1;
    }
  }
  const lib = libc();
  lib.umask(0o077);
  if (lib.chdir(cString("/")) < 0) {
    removePidfile();
    log.critical("failed to daemonize");
    return 1;
  }
  reopenStdioOnDevNull();
  return undefined;
}

/**
 * Spawns this very program again as the daemon: `/proc/self/exe` with the argv of
 * `/proc/self/cmdline`, the current environment plus {@linkcode DAEMON_CHILD_ENV}, in a new
 * session (`setsid`), with an empty signal mask and stdin/stdout on `/dev/null` (stderr stays
 * the launcher's until the daemon has written its pidfile, as with qemu-ga's fork). Other
 * descriptors without close-on-exec are inherited as across a fork (e.g. a socket-activation
 * fd 3).
 *
 * This goes through libc `posix_spawn` on purpose rather than `Deno.Command`: the agent only
 * ever re-executes itself here, and that must not depend on `--allow-run` (whose list confines
 * guest-exec and the helper programs), nor on `--allow-read` of `/proc`.
 *
 * @returns The daemon's pid.
 * @throws SysError or Error when the process cannot be spawned.
 */
export function spawnDaemon(): number {
  const argv = splitCmdline(readSmallFile(SELF_CMDLINE));
  if (argv.length === 0) throw new Error(`${SELF_CMDLINE} is empty`);
  const prefix = encoder.encode(`${DAEMON_CHILD_ENV}=`);
  const env = environmentEntries().filter((entry) => !startsWith(entry, prefix));
  env.push(encoder.encode(`${DAEMON_CHILD_ENV}=${Deno.pid}`));
  const strings = new CStringArena([...argv, ...env]);
  const argvArray = nullTerminated(strings.pointers.slice(0, argv.length));
  const envArray = nullTerminated(strings.pointers.slice(argv.length));

  const lib = libc();
  const attr = new Uint8Array(SPAWN_ATTR_SIZE);
  const actions = new Uint8Array(SPAWN_ACTIONS_SIZE);
  spawnCheck("posix_spawnattr_init", lib.posix_spawnattr_init(attr));
  try {
    const flags = POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK;
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
 * qemu-ga's `reopen_fd_to_null()` for 0, 1 and 2 — and for Deno's private duplicates of them.
 * Deno keeps a duplicate of the standard streams it was started with (observed in 2.9: one of
 * stderr, close-on-exec). Left alone, it would hold the launcher's terminal or pipe open for the
 * daemon's whole life, so a caller reading the launcher's stderr to its end would never finish;
 * every descriptor above 2 that is the same file as stderr was is pointed at `/dev/null` as well
 * (keeping its number and its close-on-exec flag, so whatever holds it stays valid).
 */
function reopenStdioOnDevNull(): void {
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
      const flags = lib.fcntl(other, F_GETFD, 0);
      lib.dup2(fd, other);
      if (flags >= 0) lib.fcntl(other, F_SETFD, flags);
    }
  }
  if (fd > 2) closeFd(fd);
}

/** Device and inode of an open descriptor (`major:minor:inode`), or undefined. */
function fileIdentity(fd: number): string | undefined {
  const buffer = new Uint8Array(STATX_SIZE);
  if (libc().statx(fd, new Uint8Array(1), AT_EMPTY_PATH, STATX_INO, buffer) < 0) return undefined;
  const view = new DataView(buffer.buffer);
  const ino = view.getBigUint64(STX_INO_OFFSET, true);
  return `${view.getUint32(STX_DEV_OFFSET, true)}:${
    view.getUint32(STX_DEV_OFFSET + 4, true)
  }:${ino}`;
}

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

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

function spawnCheck(call: string, result: number): void {
  // The posix_spawn family returns the error number instead of setting errno.
  if (result !== 0) throw new SysError(call, result);
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
