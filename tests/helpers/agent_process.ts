/**
 * Test helpers to run a guest agent process on a unix socket and talk to it byte-exactly.
 *
 * - {@linkcode agentArgv} is the one command line of qga-deno for the tests and the benchmark:
 *   `deno run` with the flags and permission set of `deno task start` (read from deno.json);
 *   {@linkcode oursArgv} and {@linkcode oracleArgv} put either agent on a unix socket.
 * - {@linkcode AgentProcess.start} spawns an agent (the qemu-ga oracle or qga-deno) and waits
 *   until its socket accepts connections; {@linkcode AgentProcess.spawn} does not wait.
 * - {@linkcode QgaClient} is a unix-socket client with a background reader, so large requests
 *   and large replies never deadlock, and the *marker technique* to cut the reply stream of
 *   one request out of the byte stream: after a request the client sends the byte 0xFF and
 *   `{"execute":"guest-sync-delimited","arguments":{"id":N}}` with a fresh `N`, then reads up to
 *   the bytes `\xff{"return": N}\n`. What came before, minus the last line (the agent's error
 *   reply to the 0xFF byte, see spec §1.7), is exactly what the agent wrote for the request.
 *
 * Every wait has a timeout (default {@linkcode DEFAULT_TIMEOUT_MS}) so a test never hangs.
 *
 * @module
 */

import type { ProfileName } from "../../src/config/profile_name.ts";
import { sleep, withTimeout } from "./async.ts";

/** Default timeout of every wait in this module, in milliseconds. */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** Path of Debian's qemu-ga 7.2 binary, the reference ("oracle") implementation. */
export const ORACLE_PATH = "/usr/sbin/qemu-ga";

/** Absolute path of the repository root (the directory holding `deno.json`). */
export const REPO_ROOT: string = decodeURIComponent(new URL("../../", import.meta.url).pathname)
  .replace(/\/$/, "");

/** The agent's error reply to a 0xFF byte that arrives between requests (spec §1.7). */
export const STANDARD_RESYNC =
  `{"error": {"class": "GenericError", "desc": "JSON parse error, stray '\\uFFFD'"}}\n`;

/** Prefix of every error reply to a stray byte (the 0xFF resync reply starts like this). */
export const STRAY_PREFIX =
  `{"error": {"class": "GenericError", "desc": "JSON parse error, stray '`;

const encoder = new TextEncoder();

/**
 * Arguments to run the qemu-ga oracle on a unix socket.
 *
 * @param socket Socket path (`-p`).
 * @param stateDir State directory (`-t`), which must exist.
 * @param extra Further options appended at the end.
 * @returns The argv, program first.
 */
export function oracleArgv(socket: string, stateDir: string, extra: string[] = []): string[] {
  return [ORACLE_PATH, "-m", "unix-listen", "-p", socket, "-t", stateDir, ...extra];
}

/** A start task of deno.json: its `deno run` flags, entry module and the agent's baked arguments. */
export interface StartTask {
  readonly flags: string[];
  readonly entry: string;
  /** Arguments after the entry module (`--profile=files` for `start:files`). */
  readonly args: string[];
}

/** The start tasks, read once from deno.json, by profile. */
const startTasks = new Map<string, StartTask>();

/**
 * The flags of `deno task start` — or `start:files`, `start:readonly` for those profiles — (the
 * words between `run` and the entry module in deno.json: `-q`, `-P` for the profile's permission
 * set, `--no-prompt`, the V8 flags build.sh bakes into the binaries), its entry module relative
 * to {@linkcode REPO_ROOT}, and the arguments the task passes first (`--profile=NAME`).
 */
export function startTaskRun(profile: ProfileName = "full"): StartTask {
  const known = startTasks.get(profile);
  if (known) return known;
  const name = profile === "full" ? "start" : `start:${profile}`;
  const config = JSON.parse(Deno.readTextFileSync(`${REPO_ROOT}/deno.json`));
  const text: string = config.tasks[name];
  const words = text.split(/\s+/);
  const run = words.indexOf("run");
  const entry = words.findIndex((word, i) => i > run && !word.startsWith("-"));
  if (run < 0 || entry < 0) throw new Error(`Unexpected ${name} task: ${text}`);
  const task = {
    flags: words.slice(run + 1, entry),
    entry: words[entry]!,
    args: words.slice(entry + 1),
  };
  startTasks.set(profile, task);
  return task;
}

/** A Deno permission flag (replaced by {@linkcode AgentRunOptions.permissions}). */
const PERMISSION_FLAG = /^(-P|--permission-set|-A$|--allow-|--deny-)/;

/** How {@linkcode agentArgv} runs qga-deno, beyond what `deno task start` does. */
export interface AgentRunOptions {
  /** Permission flags instead of the start task's (`-P`: the set "default" of deno.json). */
  permissions?: string[];
  /** Further `deno run` flags, after the start task's. */
  denoFlags?: string[];
  /** Absolute path of the module to run instead of the start task's `main.ts`. */
  entry?: string;
  /** Run as the profile's start task (`start:files`, `start:readonly`) does; default `full`. */
  profile?: ProfileName;
}

/**
 * The argv that runs qga-deno as `deno task start` does — the same `deno run` flags and
 * permission set — but as the `deno` process itself, without the task runner in between, so
 * that signals and `/proc/<pid>` reach the agent. This is the one place the tests and the
 * benchmark build the agent's command line. Use with cwd {@linkcode REPO_ROOT} (where deno.json
 * with the permission set is found).
 *
 * @param args The agent's own options.
 * @param options Permission set, extra flags or another entry module.
 * @returns The argv, program first.
 */
export function agentArgv(args: string[], options: AgentRunOptions = {}): string[] {
  const { flags, entry, args: baked } = startTaskRun(options.profile);
  const runFlags = options.permissions
    ? [...flags.filter((flag) => !PERMISSION_FLAG.test(flag)), ...options.permissions]
    : flags;
  return [
    Deno.execPath(),
    "run",
    ...runFlags,
    ...(options.denoFlags ?? []),
    options.entry ?? `${REPO_ROOT}/${entry}`,
    ...baked,
    ...args,
  ];
}

/**
 * Arguments to run qga-deno ({@linkcode agentArgv}) on a unix socket.
 *
 * @param socket Socket path (`-p`).
 * @param stateDir State directory (`-t`), which must exist.
 * @param extra Further options appended at the end.
 * @param options Permission set, extra flags or another entry module.
 * @returns The argv, program first.
 */
export function oursArgv(
  socket: string,
  stateDir: string,
  extra: string[] = [],
  options: AgentRunOptions = {},
): string[] {
  return agentArgv(["-m", "unix-listen", "-p", socket, "-t", stateDir, ...extra], options);
}

/** Options of {@linkcode AgentProcess.spawn} and {@linkcode spawnProcess}. */
export interface SpawnOptions {
  /** Program and arguments. */
  argv: string[];
  /** Working directory of the process (default {@linkcode REPO_ROOT}). */
  cwd?: string;
  /** Extra environment variables (added to the inherited environment). */
  env?: Record<string, string>;
}

/** Options of {@linkcode AgentProcess.start}. */
export interface AgentStartOptions extends SpawnOptions {
  /** Unix socket path the agent listens on (must match the argv). */
  socket: string;
  /** How long to wait for the socket to accept connections (default 10 s). */
  timeoutMs?: number;
}

/**
 * Spawns a process with stdin on /dev/null and stdout and stderr piped: how the tests start an
 * agent (or another program whose output they read).
 *
 * @param options What to run, where, with which extra environment.
 * @returns The child process.
 * @throws TypeError if the argv is empty.
 */
export function spawnProcess(options: SpawnOptions): Deno.ChildProcess {
  const [program, ...args] = options.argv;
  if (program === undefined) throw new TypeError("Cannot start a process: argv is empty");
  return new Deno.Command(program, {
    args,
    cwd: options.cwd ?? REPO_ROOT,
    env: options.env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/**
 * True if something accepts a connection on the unix socket `path` now. The probe connection is
 * closed again without sending anything, which changes no agent state.
 */
export async function acceptsConnections(path: string): Promise<boolean> {
  try {
    (await Deno.connect({ transport: "unix", path })).close();
    return true;
  } catch {
    return false;
  }
}

/** Collects a process output stream, keeping at most the last `limit` bytes. */
class OutputTail {
  #chunks: Uint8Array[] = [];
  #size = 0;
  #limit: number;
  /** Resolves when the stream has ended. */
  readonly done: Promise<void>;

  constructor(stream: ReadableStream<Uint8Array>, limit = 65536) {
    this.#limit = limit;
    this.done = this.#drain(stream);
  }

  async #drain(stream: ReadableStream<Uint8Array>): Promise<void> {
    try {
      for await (const chunk of stream) {
        this.#chunks.push(chunk);
        this.#size += chunk.length;
        while (this.#size > this.#limit && this.#chunks.length > 1) {
          this.#size -= this.#chunks.shift()!.length;
        }
      }
    } catch {
      // The process went away; keep what was read.
    }
  }

  text(): string {
    const all = new Uint8Array(this.#size);
    let at = 0;
    for (const chunk of this.#chunks) {
      all.set(chunk, at);
      at += chunk.length;
    }
    return new TextDecoder().decode(all);
  }
}

/**
 * A running agent process (see {@linkcode AgentProcess.start}; {@linkcode AgentProcess.spawn}
 * serves any process whose output a test reads), with the tails of its stdout and stderr.
 */
export class AgentProcess {
  #child: Deno.ChildProcess;
  #stdout: OutputTail;
  #stderr: OutputTail;
  #status: Promise<Deno.CommandStatus>;
  #exited: Deno.CommandStatus | undefined;
  /** The socket path the agent listens on, if it was started on one. */
  readonly socket: string | undefined;
  /** The argv the agent was started with. */
  readonly argv: readonly string[];

  private constructor(child: Deno.ChildProcess, options: SpawnOptions & { socket?: string }) {
    this.#child = child;
    this.socket = options.socket;
    this.argv = options.argv;
    this.#stdout = new OutputTail(child.stdout);
    this.#stderr = new OutputTail(child.stderr);
    this.#status = child.status.then((status) => (this.#exited = status));
  }

  /**
   * Spawns a process without waiting for anything: for an agent on a port that is not a unix
   * socket, one that is expected to fail, or one a test times from its very start.
   *
   * @param options What to run.
   * @returns The running process.
   */
  static spawn(options: SpawnOptions): AgentProcess {
    return new AgentProcess(spawnProcess(options), options);
  }

  /**
   * Spawns an agent and waits (polling every 50 ms) until its socket accepts a connection (see
   * {@linkcode acceptsConnections}).
   *
   * @param options What to run and where it listens.
   * @returns The running agent.
   * @throws Error with the agent's output if it exits or does not listen in time.
   */
  static async start(options: AgentStartOptions): Promise<AgentProcess> {
    const agent = new AgentProcess(spawnProcess(options), options);
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    while (true) {
      if (agent.#exited) {
        await Promise.all([agent.#stdout.done, agent.#stderr.done]);
        throw new Error(
          `Agent exited with status ${agent.#exited.code} before listening on ` +
            `${options.socket}: ${options.argv.join(" ")}\n${agent.output()}`,
        );
      }
      if (await acceptsConnections(options.socket)) return agent;
      if (Date.now() > deadline) {
        const status = await agent.stop();
        throw new Error(
          `Agent did not listen on ${options.socket} within ${timeoutMs} ms ` +
            `(stopped, status ${status.code}): ${options.argv.join(" ")}\n${agent.output()}`,
        );
      }
      await sleep(50);
    }
  }

  /** The process id. */
  get pid(): number {
    return this.#child.pid;
  }

  /** The exit status, once the process has exited. */
  get exitStatus(): Deno.CommandStatus | undefined {
    return this.#exited;
  }

  /** Resolves to the exit status when the process exits. */
  get status(): Promise<Deno.CommandStatus> {
    return this.#status;
  }

  /** The last 64 KiB of the process's stdout and stderr, labelled, for error messages. */
  output(): string {
    return `--- stdout ---\n${this.#stdout.text()}--- stderr ---\n${this.#stderr.text()}`;
  }

  /** The last 64 KiB of the process's stderr (complete once {@linkcode stop} has returned). */
  stderr(): string {
    return this.#stderr.text();
  }

  /**
   * Sends `signal` to the process, unless it has exited.
   *
   * @param signal The signal.
   */
  kill(signal: Deno.Signal): void {
    try {
      this.#child.kill(signal);
    } catch {
      // Already gone.
    }
  }

  /**
   * Connects a new client to the agent's socket.
   *
   * @param timeoutMs Timeout of each of the client's waits.
   * @returns The connected client.
   * @throws TypeError if the agent was not started on a unix socket.
   */
  connect(timeoutMs: number = DEFAULT_TIMEOUT_MS): Promise<QgaClient> {
    if (this.socket === undefined) throw new TypeError("The agent has no unix socket");
    return QgaClient.connect(this.socket, timeoutMs);
  }

  /**
   * Sends SIGTERM and waits for the process to exit; after `timeoutMs` it sends SIGKILL.
   *
   * @param timeoutMs Grace period before SIGKILL.
   * @returns The exit status.
   */
  async stop(timeoutMs: number = DEFAULT_TIMEOUT_MS): Promise<Deno.CommandStatus> {
    if (!this.#exited) {
      this.kill("SIGTERM");
      try {
        await withTimeout(this.#status, timeoutMs, "Agent did not exit on SIGTERM");
      } catch {
        this.kill("SIGKILL");
      }
    }
    const status = await this.#status;
    await withTimeout(
      Promise.all([this.#stdout.done, this.#stderr.done]),
      timeoutMs,
      "Agent output did not end",
    ).catch(() => {});
    return status;
  }
}

/**
 * Starts qga-deno on a unix socket ({@linkcode oursArgv}) and waits until it listens.
 *
 * @param socket Socket path (`-p`).
 * @param stateDir State directory (`-t`), which must exist.
 * @param extra Further agent options.
 * @param options How to run it ({@linkcode AgentRunOptions}) and extra environment variables.
 * @returns The running agent.
 */
export function startOurs(
  socket: string,
  stateDir: string,
  extra: string[] = [],
  options: AgentRunOptions & { env?: Record<string, string> } = {},
): Promise<AgentProcess> {
  const argv = oursArgv(socket, stateDir, extra, options);
  return AgentProcess.start({ argv, socket, env: options.env });
}

/**
 * Connects to the agent on unix socket `path`, sends one request, and returns its replies, cut
 * out with the marker technique; the connection is closed again.
 *
 * @param path Socket path.
 * @param request The raw request.
 * @param timeoutMs Timeout of the connect and of the wait for the replies.
 * @returns The reply bytes as text.
 */
export async function exchangeOnce(
  path: string,
  request: string,
  timeoutMs: number = DEFAULT_TIMEOUT_MS,
): Promise<string> {
  const client = await QgaClient.connect(path, timeoutMs);
  try {
    return new TextDecoder().decode((await client.exchange(request)).reply);
  } finally {
    await client.close();
  }
}

/** What one marker round trip cut out of the agent's byte stream. */
export interface MarkerReply {
  /** Every byte the agent wrote for the request(s) since the previous marker. */
  reply: Uint8Array;
  /**
   * The last line before the marker: the error reply to the marker's 0xFF byte. It equals
   * {@linkcode STANDARD_RESYNC} unless the request left a half-lexed token behind (the token
   * text then appears in it). Empty if the agent wrote no line at all before the marker.
   */
  resync: Uint8Array;
}

let nextMarkerId = 770_000_001;

/** Finds `needle` in `haystack[from..to)`; returns its index or -1. */
function indexOf(haystack: Uint8Array, needle: Uint8Array, from: number, to: number): number {
  const first = needle[0];
  const last = to - needle.length;
  outer: for (let i = Math.max(0, from); i <= last; i++) {
    if (haystack[i] !== first) continue;
    for (let j = 1; j < needle.length; j++) {
      if (haystack[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}

/** A byte-exact client of a guest agent on a unix socket. */
export class QgaClient {
  #conn: Deno.UnixConn;
  #buf = new Uint8Array(65536);
  #len = 0;
  #eof = false;
  #error: unknown;
  #wake: (() => void) | undefined;
  #reader: Promise<void>;
  #lastMarker: number | undefined;
  /** Timeout of every wait of this client, in milliseconds. */
  timeoutMs: number;

  private constructor(conn: Deno.UnixConn, timeoutMs: number) {
    this.#conn = conn;
    this.timeoutMs = timeoutMs;
    this.#reader = this.#pump();
  }

  /**
   * Connects to an agent's unix socket.
   *
   * @param path Socket path.
   * @param timeoutMs Timeout of the connect and of every later wait.
   * @returns The client.
   */
  static async connect(path: string, timeoutMs: number = DEFAULT_TIMEOUT_MS): Promise<QgaClient> {
    const conn = await withTimeout(
      Deno.connect({ transport: "unix", path }),
      timeoutMs,
      `Cannot connect to ${path}`,
    );
    return new QgaClient(conn, timeoutMs);
  }

  async #pump(): Promise<void> {
    const chunk = new Uint8Array(65536);
    try {
      while (true) {
        const n = await this.#conn.read(chunk);
        if (n === null) break;
        if (this.#len + n > this.#buf.length) {
          const grown = new Uint8Array(Math.max(this.#buf.length * 2, this.#len + n));
          grown.set(this.#buf.subarray(0, this.#len));
          this.#buf = grown;
        }
        this.#buf.set(chunk.subarray(0, n), this.#len);
        this.#len += n;
        this.#wake?.();
      }
    } catch (error) {
      this.#error = error;
    }
    this.#eof = true;
    this.#wake?.();
  }

  /** Number of received bytes not consumed yet. */
  get buffered(): number {
    return this.#len;
  }

  /**
   * Writes all of `data` (a string is UTF-8 encoded; use bytes for raw input).
   *
   * @param data The bytes to send.
   */
  async send(data: Uint8Array | string): Promise<void> {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    let at = 0;
    while (at < bytes.length) {
      const n = await withTimeout(
        this.#conn.write(bytes.subarray(at, Math.min(bytes.length, at + (1 << 20)))),
        this.timeoutMs,
        `Write to the agent stalled after ${at} of ${bytes.length} bytes`,
      );
      at += n;
    }
  }

  /**
   * Sends the marker: the byte 0xFF, then a `guest-sync-delimited` request with a fresh id.
   *
   * @returns The marker id.
   */
  async sendMarker(): Promise<number> {
    const id = nextMarkerId++;
    this.#lastMarker = id;
    const json = encoder.encode(`{"execute":"guest-sync-delimited","arguments":{"id":${id}}}`);
    const bytes = new Uint8Array(json.length + 1);
    bytes[0] = 0xff;
    bytes.set(json, 1);
    await this.send(bytes);
    return id;
  }

  /**
   * Sends the marker (unless `id` names one already sent) and reads until the marker's reply
   * `\xff{"return": <id>}\n`. The bytes before it are split into the request's replies and the
   * resync line (the last line, the agent's error reply to the marker's 0xFF byte).
   *
   * @param id A marker id returned by {@linkcode QgaClient.sendMarker}; default: send one now.
   * @param timeoutMs Timeout for this wait (default: the client's).
   * @returns The cut-out reply bytes.
   * @throws Error on timeout or if the connection ends first, with what was received.
   */
  async readUntilMarker(id?: number, timeoutMs: number = this.timeoutMs): Promise<MarkerReply> {
    if (id === undefined) id = await this.sendMarker();
    const json = encoder.encode(`{"return": ${id}}\n`);
    const marker = new Uint8Array(json.length + 1);
    marker[0] = 0xff;
    marker.set(json, 1);
    const deadline = Date.now() + timeoutMs;
    let searched = 0;
    while (true) {
      const at = indexOf(this.#buf, marker, searched, this.#len);
      if (at >= 0) {
        const before = this.#buf.slice(0, at);
        this.#buf.copyWithin(0, at + marker.length, this.#len);
        this.#len -= at + marker.length;
        return QgaClient.#split(before);
      }
      searched = Math.max(0, this.#len - marker.length + 1);
      if (this.#eof) {
        throw new Error(
          `Connection ended before marker ${id}${this.#error ? ` (${this.#error})` : ""}; ` +
            `received: ${escapeBytes(this.#buf.subarray(0, Math.min(this.#len, 2000)))}`,
        );
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(
          `No marker ${id} within ${timeoutMs} ms; received ${this.#len} bytes: ` +
            escapeBytes(this.#buf.subarray(0, Math.min(this.#len, 2000))),
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
  }

  static #split(before: Uint8Array): MarkerReply {
    const end = before.length;
    if (end === 0 || before[end - 1] !== 0x0a) {
      return { reply: before, resync: new Uint8Array() };
    }
    const start = before.lastIndexOf(0x0a, end - 2) + 1;
    const last = before.subarray(start);
    const prefix = encoder.encode(STRAY_PREFIX);
    const isStray = last.length >= prefix.length && prefix.every((b, i) => last[i] === b);
    if (!isStray) return { reply: before, resync: new Uint8Array() };
    return { reply: before.subarray(0, start), resync: last };
  }

  /**
   * Sends one request and returns its replies, cut out with the marker technique.
   *
   * @param request The raw request bytes.
   * @param timeoutMs Timeout of the wait for the marker.
   * @returns The replies and the resync line.
   */
  async exchange(request: Uint8Array | string, timeoutMs?: number): Promise<MarkerReply> {
    await this.send(request);
    return await this.readUntilMarker(undefined, timeoutMs);
  }

  /** Closes the connection and waits for the background reader to end. */
  async close(): Promise<void> {
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
    await this.#reader;
  }

  /** The last marker id sent, if any. */
  get lastMarker(): number | undefined {
    return this.#lastMarker;
  }
}

/**
 * Renders bytes as an ASCII string for messages: printable ASCII as is, `\n` as `\n`, `\` as
 * `\\`, anything else as `\xHH`. Unambiguous and reversible.
 *
 * @param bytes The bytes.
 * @returns The escaped text.
 */
export function escapeBytes(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) {
    if (b === 0x5c) out += "\\\\";
    else if (b === 0x0a) out += "\\n";
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += `\\x${b.toString(16).padStart(2, "0")}`;
  }
  return out;
}
