/**
 * The two agents under test and how to start, time, inspect and stop them.
 *
 * Both run with the same options (`-m unix-listen -p SOCKET -t STATEDIR`). qga-deno runs as the
 * tests run it (`agentArgv` of tests/helpers/agent_process.ts: `deno run` with the flags and the
 * permission set of `deno task start`; `bench/run.ts` sets the entry and any extra flags) so that
 * the measured process is the agent itself, not the `deno task` runner.
 *
 * @module
 */

import {
  AgentProcess,
  type AgentRunOptions,
  ORACLE_PATH,
  oracleArgv,
  oursArgv,
  startTaskRun,
} from "../tests/helpers/agent_process.ts";
import { sleepSync, SyncClient, tryConnect } from "./sync_client.ts";

/** Which agent: qga-deno ("ours") or Debian's qemu-ga 7.2 ("qemu"). */
export type AgentKind = "ours" | "qemu";

/** Both kinds, in the order they are shown. */
export const AGENT_KINDS: readonly AgentKind[] = ["ours", "qemu"];

/** A request whose reply is `{"return": {}}` in both agents. */
export const PING = new TextEncoder().encode(`{"execute":"guest-ping"}`);

/** How qga-deno is run: extra `deno run` flags and the entry module, for measuring proposals. */
export const oursRun: AgentRunOptions = {};

/** Memory of a process from `/proc/<pid>/status`, in bytes. */
export interface Memory {
  /** `VmRSS`: resident set size. */
  rss: number;
  /** `RssAnon`: resident anonymous memory (heap, stacks; not the mapped binary). */
  anon: number;
}

/**
 * Reads `VmRSS` and `RssAnon` of process `pid`.
 *
 * @param pid Process id.
 * @returns Both values in bytes.
 */
export function readMemory(pid: number): Memory {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const kib = (field: string) => {
    const m = new RegExp(`^${field}:\\s*(\\d+) kB`, "m").exec(status);
    if (!m) throw new Error(`No ${field} in /proc/${pid}/status`);
    return Number(m[1]) * 1024;
  };
  return { rss: kib("VmRSS"), anon: kib("RssAnon") };
}

/** How long an agent may take to listen. */
const START_TIMEOUT_MS = 15_000;

/** True when process `pid` has exited but is not reaped yet (state `Z`). */
function isZombie(pid: number): boolean {
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    return stat[stat.lastIndexOf(")") + 2] === "Z";
  } catch {
    return true;
  }
}

/** A running agent with one connected benchmark client. */
export class RunningAgent {
  /** Which agent this is. */
  readonly kind: AgentKind;
  /** The connected client. */
  readonly client: SyncClient;
  /** Milliseconds from spawning the process to the first complete reply. */
  readonly startMs: number;
  #child: AgentProcess;

  private constructor(
    kind: AgentKind,
    child: AgentProcess,
    parts: { client: SyncClient; startMs: number },
  ) {
    this.kind = kind;
    this.#child = child;
    this.client = parts.client;
    this.startMs = parts.startMs;
  }

  /**
   * Spawns an agent and times it from the spawn to the first reply to `guest-ping`: connects
   * every 100 µs (blocking the event loop, for precision) until the socket accepts, then sends
   * the ping and waits for the reply.
   *
   * @param kind Which agent.
   * @param dir An empty directory for the socket and the state files.
   * @returns The running agent, its client still connected.
   * @throws Error with the agent's stderr when it exits or does not listen within 15 s.
   */
  static async start(kind: AgentKind, dir: string): Promise<RunningAgent> {
    const socket = `${dir}/${kind}.sock`;
    const stateDir = `${dir}/${kind}-state`;
    Deno.mkdirSync(stateDir, { recursive: true });
    try {
      Deno.removeSync(socket);
    } catch {
      // Not there.
    }
    const argv = kind === "qemu"
      ? oracleArgv(socket, stateDir)
      : oursArgv(socket, stateDir, [], oursRun);
    const { child, client, startMs } = await spawnAndPing(kind, { argv, socket });
    return new RunningAgent(kind, child, { client, startMs });
  }

  /** The process id. */
  get pid(): number {
    return this.#child.pid;
  }

  /** Current memory use. */
  memory(): Memory {
    return readMemory(this.pid);
  }

  /**
   * Sends SIGTERM, waits for the exit (SIGKILL after 5 s), then closes the client.
   *
   * The signal goes to an agent that is idle with its client still connected: qemu-ga 7.2
   * calls `g_main_loop_quit()` from its SIGTERM handler, which is not async-signal-safe; a
   * signal landing while the main loop dispatches (e.g. the hang-up of a just-closed client)
   * deadlocks it on the main-context lock (seen in 3 of 60 close-then-SIGTERM stops).
   *
   * @returns The exit code and whatever the agent wrote on stderr.
   */
  async stop(): Promise<{ code: number; stderr: string }> {
    const status = await this.#child.stop(5000);
    this.client.close();
    return { code: status.code, stderr: this.#child.stderr() };
  }
}

/**
 * Spawns `argv` (which listens on `socket`) and times it from the spawn to the first reply to
 * `guest-ping`: connects every 100 µs (blocking the event loop, for precision) until the socket
 * accepts, then sends the ping and waits for the reply.
 *
 * @param label What is started (for errors).
 * @param options The command line and its socket.
 * @returns The process, its connected client, and the milliseconds to the first reply.
 * @throws Error with the process's stderr when it exits or does not listen within 15 s.
 */
async function spawnAndPing(
  label: string,
  options: { argv: string[]; socket: string },
): Promise<{ child: AgentProcess; client: SyncClient; startMs: number }> {
  const { argv, socket } = options;
  const t0 = performance.now();
  const child = AgentProcess.spawn({ argv });
  let fd = -1;
  let failure: string | undefined;
  for (let attempt = 1; (fd = tryConnect(socket)) < 0; attempt++) {
    if (attempt % 100 === 0) {
      if (isZombie(child.pid)) failure = "exited before listening";
      else if (performance.now() - t0 > START_TIMEOUT_MS) failure = "did not listen in time";
      if (failure) break;
    }
    sleepSync(100);
  }
  if (failure) {
    child.kill("SIGKILL");
    const { code } = await child.stop();
    throw new Error(`${label} ${failure} on ${socket} (status ${code}): ${child.stderr()}`);
  }
  const client = new SyncClient(fd);
  const reply = new TextDecoder().decode(client.call(PING));
  const startMs = performance.now() - t0;
  if (reply !== `{"return": {}}`) throw new Error(`${label} answered the first ping: ${reply}`);
  return { child, client, startMs };
}

/** The minimal Deno ping server (`ping_floor.js`): the floor of start → first reply. */
const PING_FLOOR = new URL("./ping_floor.js", import.meta.url).pathname;

/**
 * Starts the minimal Deno ping server once — `deno run -A` with the V8 flags qga-deno runs with
 * (`deno task start`'s), on a unix socket in `dir` — and stops it again.
 *
 * @param dir A directory for its socket.
 * @returns Milliseconds from the spawn to its first reply to `guest-ping`.
 */
export async function floorStart(dir: string): Promise<number> {
  const socket = `${dir}/floor.sock`;
  try {
    Deno.removeSync(socket);
  } catch {
    // Not there.
  }
  const v8Flags = startTaskRun().flags.filter((flag) => flag.startsWith("--v8-flags="));
  const argv = [Deno.execPath(), "run", "-A", ...v8Flags, PING_FLOOR, socket];
  const { child, client, startMs } = await spawnAndPing("the Deno ping floor", { argv, socket });
  client.close();
  await child.stop(5000);
  return startMs;
}

/** The qemu-ga binary, for the report. */
export const QEMU_GA = ORACLE_PATH;
