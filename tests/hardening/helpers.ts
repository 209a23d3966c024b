/**
 * Shared helpers of the hardening tests: the long-mode switch (`QGA_LONG=1`), starting the real
 * agent process directly (`deno run … main.ts`, so that its pid is the agent's own and
 * `/proc/<pid>` shows the agent) with the V8 flags of `deno task start` and the default or a
 * narrower permission set, reading its memory and descriptor counts, and a raw client that
 * sends a byte stream while counting (and discarding) the replies, for streams too large for
 * {@linkcode QgaClient}'s buffer.
 *
 * @module
 */

import { type AgentProcess, startOurs } from "../helpers/agent_process.ts";
import { sleep } from "../helpers/async.ts";

/** True when the long modes run (`QGA_LONG=1`): bigger volumes, real 30 s timeouts. */
export const LONG = Deno.env.get("QGA_LONG") === "1";

/** Picks the CI or the long-mode value. */
export function ciOrLong<T>(ci: T, long: T): T {
  return LONG ? long : ci;
}

/** 1 MiB. */
export const MiB = 1 << 20;

/** A started agent with its private temporary directory. */
export interface StartedAgent {
  /** The process. */
  agent: AgentProcess;
  /** Temporary directory: state dir, socket, files. */
  dir: string;
  /** The unix socket path. */
  socket: string;
  /** Stops the agent (SIGTERM) and removes the directory; resolves to the exit status. */
  stop(): Promise<Deno.CommandStatus>;
  /**
   * Waits until start-up descriptors are gone: for about a second after start the agent holds a
   * socket on the inspector port (src/sys/inspector_guard.ts), so descriptor counts are compared
   * only from {@linkcode SETTLE_MS} after start.
   */
  settled(): Promise<void>;
}

/** How long after start the agent's descriptor set is stable (see {@linkcode StartedAgent}). */
export const SETTLE_MS = 2500;

/** Options of {@linkcode startAgent}. */
export interface StartOptions {
  /**
   * Deno permission flags; default `-P` (the "default" permission set of deno.json, as
   * `deno task start`).
   */
  permissions?: string[];
  /** Agent options after `-m unix-listen -p SOCK -t DIR`. */
  extra?: string[];
  /** Extra environment variables. */
  env?: Record<string, string>;
  /** Use this directory instead of a fresh temporary one. */
  dir?: string;
}

/** Runs qga-deno directly on a unix socket ({@linkcode startOurs}), in a temporary directory. */
export async function startAgent(options: StartOptions = {}): Promise<StartedAgent> {
  const dir = options.dir ?? await Deno.makeTempDir({ prefix: "qga-hardening-" });
  const socket = `${dir}/qga.sock`;
  const startedAt = Date.now();
  const agent = await startOurs(socket, dir, options.extra, options);
  return {
    agent,
    dir,
    socket,
    async stop() {
      const status = await agent.stop();
      if (options.dir === undefined) await Deno.remove(dir, { recursive: true }).catch(() => {});
      return status;
    },
    async settled() {
      const left = startedAt + SETTLE_MS - Date.now();
      if (left > 0) await sleep(left);
    },
  };
}

/** Memory figures of a process from `/proc/<pid>/status`, in KiB. */
export interface Memory {
  /** Resident set size now. */
  rss: number;
  /** Peak resident set size so far (VmHWM). */
  hwm: number;
}

/** Reads VmRSS and VmHWM of process `pid`. */
export function memory(pid: number): Memory {
  const status = Deno.readTextFileSync(`/proc/${pid}/status`);
  const field = (name: string) => Number(new RegExp(`${name}:\\s*(\\d+) kB`).exec(status)?.[1]);
  return { rss: field("VmRSS"), hwm: field("VmHWM") };
}

/**
 * Number of open file descriptors of process `pid` that the agent's own code manages: sockets,
 * epoll/event fds and files. The Deno runtime's own descriptors — its cache databases (opened
 * lazily, e.g. when V8 code caching kicks in) and pipes — are not counted, so the count is stable
 * from the moment the agent listens.
 */
export function fdCount(pid: number): number {
  let n = 0;
  for (const entry of Deno.readDirSync(`/proc/${pid}/fd`)) {
    let target: string;
    try {
      target = Deno.readLinkSync(`/proc/${pid}/fd/${entry.name}`);
    } catch {
      continue; // closed meanwhile
    }
    if (target.startsWith("pipe:") || /\/deno\/[^/]*cache/.test(target)) continue;
    n++;
  }
  return n;
}

/** What the targets of process `pid`'s descriptors are (for messages), sorted. */
export function fdTargets(pid: number): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync(`/proc/${pid}/fd`)) {
    try {
      out.push(`${entry.name} -> ${Deno.readLinkSync(`/proc/${pid}/fd/${entry.name}`)}`);
    } catch {
      // Closed meanwhile.
    }
  }
  return out.sort();
}

/** KiB to MiB, rounded. */
export function mib(kib: number): number {
  return Math.round(kib / 1024);
}

/**
 * A raw unix-socket client that writes a stream while a background reader counts the reply
 * bytes and lines (a line ends with `\n`), keeping only the last 4 KiB for messages.
 */
export class CountingClient {
  #conn: Deno.UnixConn;
  #reader: Promise<void>;
  /** Reply bytes received. */
  bytes = 0;
  /** Reply lines received. */
  lines = 0;
  /** 0xFF bytes received. */
  delimiters = 0;
  /** The last bytes received. */
  tail = new Uint8Array(0);
  /** True once the agent closed the connection. */
  eof = false;

  private constructor(conn: Deno.UnixConn) {
    this.#conn = conn;
    this.#reader = this.#pump();
  }

  /** Connects to `socket`. */
  static async connect(socket: string): Promise<CountingClient> {
    return new CountingClient(await Deno.connect({ transport: "unix", path: socket }));
  }

  async #pump(): Promise<void> {
    const buf = new Uint8Array(MiB);
    try {
      while (true) {
        const n = await this.#conn.read(buf);
        if (n === null) break;
        this.bytes += n;
        for (let i = 0; i < n; i++) {
          const b = buf[i]!;
          if (b === 0x0a) this.lines++;
          else if (b === 0xff) this.delimiters++;
        }
        const keep = Math.min(4096, this.tail.length + n);
        const tail = new Uint8Array(keep);
        const fromNew = Math.min(n, keep);
        tail.set(this.tail.subarray(this.tail.length - (keep - fromNew)), 0);
        tail.set(buf.subarray(n - fromNew, n), keep - fromNew);
        this.tail = tail;
      }
    } catch {
      // Reset by the agent: treated as end of stream.
    }
    this.eof = true;
  }

  /** Writes all of `data`. */
  async send(data: Uint8Array): Promise<void> {
    let at = 0;
    while (at < data.length) at += await this.#conn.write(data.subarray(at, at + MiB));
  }

  /** Waits until `lines` reply lines arrived (or `timeoutMs` passed); resolves to the count. */
  async waitForLines(lines: number, timeoutMs: number): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines < lines && !this.eof && Date.now() < deadline) await sleep(5);
    return this.lines;
  }

  /** Closes the connection and waits for the reader. */
  async close(): Promise<void> {
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
    await this.#reader;
  }
}

/** Samples process `pid`'s VmRSS every `everyMs` ms while running; {@link stop} ends it. */
export class RssSampler {
  #timer: ReturnType<typeof setInterval>;
  /** Highest VmRSS sampled (KiB). */
  peak = 0;

  /** Starts sampling. */
  constructor(pid: number, everyMs = 25) {
    const sample = () => {
      try {
        this.peak = Math.max(this.peak, memory(pid).rss);
      } catch {
        // The process is gone.
      }
    };
    sample();
    this.#timer = setInterval(sample, everyMs);
  }

  /** Stops sampling. */
  stop(): void {
    clearInterval(this.#timer);
  }
}
