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
import { errorText } from "../sys/os_error.ts";
import {
  changeDirectory,
  environmentEntries,
  ownCommandLine,
  redirectStdioToDevNull,
  setUmask,
  spawnSelfInNewSession,
} from "../sys/self_process.ts";
import type { Logger } from "./log.ts";
import { deferPidfile, removePidfile, writePidfile } from "./pidfile.ts";
import { frozenMarkerExists, statePaths } from "./state_file.ts";

/**
 * Environment variable that marks the re-executed daemon; its value is the launcher's pid. The
 * agent needs `--allow-env` for it (deno.json `permissions.default.env`).
 */
export const DAEMON_CHILD_ENV = "QGA_DENO_DAEMON_CHILD";

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
  setUmask(0o077);
  try {
    changeDirectory("/");
  } catch {
    removePidfile();
    log.critical("failed to daemonize");
    return 1;
  }
  redirectStdioToDevNull();
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
 * @throws OsError or Error when the process cannot be spawned.
 */
export function spawnDaemon(): number {
  const argv = ownCommandLine();
  if (argv.length === 0) throw new Error("/proc/self/cmdline is empty");
  const prefix = encoder.encode(`${DAEMON_CHILD_ENV}=`);
  const env = environmentEntries().filter((entry) => !startsWith(entry, prefix));
  env.push(encoder.encode(`${DAEMON_CHILD_ENV}=${Deno.pid}`));
  return spawnSelfInNewSession(argv, env);
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}
