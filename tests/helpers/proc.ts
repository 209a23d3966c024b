/**
 * Process helpers for channel, signal and inspector tests: run qga-deno as the real `deno`
 * process (not under `deno task`, so that signals and `/proc/<pid>` reach the agent itself), read
 * its CPU time and signal dispositions from `/proc`, wait for its exit with a timeout, and find
 * who listens on a local TCP port.
 *
 * @module
 */

import { type AgentProcess, REPO_ROOT } from "./agent_process.ts";

/**
 * The argv that runs qga-deno directly with the "default" permission set of deno.json (what
 * `deno task start` runs, minus the task runner process in between). Use with cwd
 * {@linkcode REPO_ROOT}.
 */
export function directArgv(args: string[]): string[] {
  return [Deno.execPath(), "run", "-q", "-P", `${REPO_ROOT}/main.ts`, ...args];
}

/** Sleeps for `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
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
  const deadline = Date.now() + ms;
  while (agent.exitStatus === undefined && Date.now() < deadline) await sleep(10);
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
