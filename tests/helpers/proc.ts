/**
 * Process helpers for agent, channel, signal and inspector tests and the benchmark: run a
 * process to its exit with a timeout, launch a command under a stand-in for systemd socket
 * activation, read a process's CPU time and signal dispositions from `/proc`, wait for an
 * agent's exit, and find who listens on a local TCP port.
 *
 * @module
 */

import { type AgentProcess, type SpawnOptions, spawnProcess } from "./agent_process.ts";
import { waitFor, withTimeout } from "./async.ts";

/** How a process ended, and everything it wrote. */
export interface ExitResult {
  /** The process id it had. */
  pid: number;
  /** Exit code (128 + signal number if killed). */
  code: number;
  /** Standard output as text. */
  stdout: string;
  /** Standard error as text. */
  stderr: string;
}

/**
 * Runs a process to its exit (see {@linkcode spawnProcess}: cwd {@linkcode REPO_ROOT} unless
 * given, stdin on /dev/null) and waits for the end of its stdout and stderr too, e.g. an agent
 * that is expected to fail at start-up, or a launcher whose daemon shares its output until it
 * detaches.
 *
 * @param argv Program and arguments.
 * @param options Working directory, extra environment, and a time limit (default: none).
 * @returns The status and the output.
 * @throws Error when the time limit passes first (the process is killed with SIGKILL).
 */
export async function runToExit(
  argv: string[],
  options: Omit<SpawnOptions, "argv"> & { timeoutMs?: number } = {},
): Promise<ExitResult> {
  const child = spawnProcess({ ...options, argv });
  const decoder = new TextDecoder();
  try {
    const output = options.timeoutMs === undefined
      ? await child.output()
      : await withTimeout(child.output(), options.timeoutMs, `${argv.join(" ")} did not end`);
    return {
      pid: child.pid,
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
    };
  } catch (error) {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    throw error;
  }
}

/** Does what systemd does for socket activation: a listening socket on fd 3, then exec. */
const SOCKET_ACTIVATOR = `
import os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(1)
os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
os.environ["LISTEN_PID"] = str(os.getpid())
os.environ["LISTEN_FDS"] = "1"
os.execvp(sys.argv[2], sys.argv[2:])
`;

/**
 * The argv that runs `argv` as systemd socket activation would (a python3 launcher binds and
 * listens on the unix socket `socket`, puts it on fd 3, sets `LISTEN_PID` to its own pid and
 * `LISTEN_FDS=1`, then execs `argv`).
 *
 * @param socket The unix socket path to bind.
 * @param argv The activated program and its arguments.
 * @returns The launcher's argv, program first.
 */
export function socketActivatedArgv(socket: string, argv: string[]): string[] {
  return ["python3", "-c", SOCKET_ACTIVATOR, socket, ...argv];
}

/** Clock ticks per second of `/proc/<pid>/stat` times (USER_HZ; 100 on Linux). */
export const CLOCK_TICKS_PER_SECOND = 100;

/** User plus system CPU time of process `pid` so far, in seconds (from `/proc/<pid>/stat`). */
export function cpuSeconds(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** The signal bit masks of process `pid` (`SigIgn`, `SigCgt` of `/proc/<pid>/status`). */
export function signalMasks(pid: number): { ignored: bigint; caught: bigint } {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const field = (name: string) =>
    BigInt(`0x${new RegExp(`${name}:\\s*([0-9a-f]+)`).exec(status)![1]}`);
  return { ignored: field("SigIgn"), caught: field("SigCgt") };
}

/** The bit of signal `n` in a `/proc/<pid>/status` signal mask. */
export function signalBit(n: number): bigint {
  return 1n << BigInt(n - 1);
}

/** Waits up to `ms` for `agent` to exit; resolves to its status, or undefined if still running. */
export async function waitForExit(
  agent: AgentProcess,
  ms: number,
): Promise<Deno.CommandStatus | undefined> {
  await waitFor(() => agent.exitStatus !== undefined, ms, 10);
  return agent.exitStatus;
}

/** Inodes of sockets listening on 127.0.0.1:`port` (from `/proc/net/tcp`). */
export function listeningInodes(port: number): Set<string> {
  const wanted = `0100007F:${port.toString(16).toUpperCase().padStart(4, "0")}`;
  const inodes = new Set<string>();
  for (const line of Deno.readTextFileSync("/proc/net/tcp").split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    // local_address is field 1, st is field 3 (0A = LISTEN), inode is field 9.
    if (f[1] === wanted && f[3] === "0A" && f[9] !== undefined) inodes.add(f[9]);
  }
  return inodes;
}

/** True if process `pid` holds one of the socket `inodes` open. */
export function ownsSocket(pid: number, inodes: Set<string>): boolean {
  try {
    for (const entry of Deno.readDirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(Deno.readLinkSync(`/proc/${pid}/fd/${entry.name}`));
        if (m && inodes.has(m[1]!)) return true;
      } catch {
        // The fd closed meanwhile.
      }
    }
  } catch {
    // The process is gone.
  }
  return false;
}

/** Pids of the processes holding a socket that listens on 127.0.0.1:`port`. */
export function listenerPids(port: number): number[] {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return [];
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    if (ownsSocket(Number(entry.name), inodes)) pids.push(Number(entry.name));
  }
  return pids;
}

/** True if something accepts TCP connections on 127.0.0.1:`port`. */
export function tcpPortOpen(port: number): Promise<boolean> {
  // Read the kernel's socket table instead of connecting: a listener with a full backlog (e.g. a
  // wedged inspector) would make connect() hang for minutes.
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  const listening = Deno.readTextFileSync("/proc/net/tcp").split("\n").slice(1).some((line) => {
    const fields = line.trim().split(/\s+/);
    return fields[1] === `0100007F:${hexPort}` && fields[3] === "0A";
  });
  return Promise.resolve(listening);
}

/** Strips qemu-ga's `<sec>.<usec>: ` prefix from each log line; keeps `<level>: <message>`. */
export function logLines(text: string): string[] {
  return text.split("\n").filter((l) => l !== "").map((l) => l.replace(/^\d+\.\d{6}: /, ""));
}

/** qemu-ga's log line format: `<unix seconds>.<6-digit microseconds>: <level>: <message>`. */
export const LOG_LINE = /^\d{10,}\.\d{6}: (error|critical|warning|message|info|debug): .*$/;
