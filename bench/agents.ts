/**
 * The two agents under test and how to start, time, inspect and stop them.
 *
 * Both run with the same options (`-m unix-listen -p SOCKET -t STATEDIR`). qga-deno runs as
 * `deno run -q -P <flags> <entry>` (the permission set `default` of deno.json; `bench/run.ts`
 * sets the flags and the entry) so that the measured process is the agent itself, not the
 * `deno task` runner.
 *
 * @module
 */

import { ORACLE_PATH, oracleArgv, REPO_ROOT } from "../tests/helpers/agent_process.ts";
import { sleepSync, SyncClient, tryConnect } from "./sync_client.ts";

/** Which agent: qga-deno ("ours") or Debian's qemu-ga 7.2 ("qemu"). */
export type AgentKind = "ours" | "qemu";

/** Both kinds, in the order they are shown. */
export const AGENT_KINDS: readonly AgentKind[] = ["ours", "qemu"];

/** A request whose reply is `{"return": {}}` in both agents. */
export const PING = new TextEncoder().encode(`{"execute":"guest-ping"}`);

/** How qga-deno is run: extra `deno run` flags and the entry module, for measuring proposals. */
export const oursRun: { denoFlags: string[]; entry: string } = {
  denoFlags: [],
  entry: `${REPO_ROOT}/main.ts`,
};

/**
 * The argv of an agent on a unix socket.
 *
 * @param kind Which agent.
 * @param socket Socket path (`-p`).
 * @param stateDir State directory (`-t`).
 * @returns Program and arguments.
 */
export function agentArgv(kind: AgentKind, socket: string, stateDir: string): string[] {
  if (kind === "qemu") return oracleArgv(socket, stateDir);
  return [
    Deno.execPath(),
    "run",
    "-q",
    "-P",
    ...oursRun.denoFlags,
    oursRun.entry,
    "-m",
    "unix-listen",
    "-p",
    socket,
    "-t",
    stateDir,
  ];
}

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

/** User plus system CPU seconds used so far by process `pid` (`/proc/<pid>/stat`). */
export function cpuSeconds(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
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
  #child: Deno.ChildProcess;
  #stderr: Promise<string>;

  private constructor(
    kind: AgentKind,
    child: Deno.ChildProcess,
    parts: { client: SyncClient; startMs: number },
  ) {
    this.kind = kind;
    this.#child = child;
    this.client = parts.client;
    this.startMs = parts.startMs;
    this.#stderr = new Response(child.stderr).text().catch(() => "");
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
    const [program, ...args] = agentArgv(kind, socket, stateDir);
    const t0 = performance.now();
    const child = new Deno.Command(program!, {
      args,
      cwd: REPO_ROOT,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
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
      const stderr = await new Response(child.stderr).text();
      const { code } = await child.status;
      throw new Error(`${kind} ${failure} on ${socket} (status ${code}): ${stderr}`);
    }
    const client = new SyncClient(fd);
    const reply = new TextDecoder().decode(client.call(PING));
    const startMs = performance.now() - t0;
    if (reply !== `{"return": {}}`) throw new Error(`${kind} answered the first ping: ${reply}`);
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
    const kill = (signal: Deno.Signal) => {
      try {
        this.#child.kill(signal);
      } catch {
        // Already exited.
      }
    };
    kill("SIGTERM");
    const timer = setTimeout(() => kill("SIGKILL"), 5000);
    const status = await this.#child.status;
    clearTimeout(timer);
    this.client.close();
    return { code: status.code, stderr: await this.#stderr };
  }
}

/** The qemu-ga binary, for the report. */
export const QEMU_GA = ORACLE_PATH;
