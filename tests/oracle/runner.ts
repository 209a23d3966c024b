/**
 * Runs oracle cases (`cases.ts`) against an agent and turns the replies into fixture records.
 * Shared by `record.ts` (against qemu-ga 7.2) and `differential_test.ts` (against qga-deno, or
 * against the oracle itself to check the harness).
 *
 * Each {@linkcode AgentSession} owns a fresh temporary directory with the agent's state
 * directory, its socket, an empty file for `QGA_CONF` (so no host configuration applies) and
 * `files/`, which is what `@DIR@` stands for.
 *
 * Reply records (`StepRecord`) hold *normalised* byte strings (one code unit per byte, see
 * `cases.ts`):
 * - the session's `files/` directory is replaced by `@DIR@`;
 * - `time`: the value of `{"return": N}` becomes `@TIME@000` (N must end in `000`: qemu-ga
 *   reports microseconds × 1000);
 * - `netstats`: every `rx-*`/`tx-*` counter becomes `@N@`;
 * - `pid`: the value of every `"pid": N` becomes `@PID@` (a request's `@PID@` is the last one
 *   this session received: guest-exec-status of the child just started);
 * - `diskstats`: every I/O counter of guest-get-diskstats becomes `@N@` (names, major and minor
 *   stay); `fsinfo`: every `used-bytes` becomes `@N@`;
 * - replies larger than {@linkcode INLINE_LIMIT} bytes are stored as length + SHA-256 + head and
 *   tail instead of inline.
 * The resync line (the error reply to the marker's 0xFF) is stored only when it is not
 * {@linkcode STANDARD_RESYNC}.
 *
 * @module
 */

import {
  AgentProcess,
  oracleArgv,
  oursArgv,
  type QgaClient,
  REPO_ROOT,
  STANDARD_RESYNC,
} from "../helpers/agent_process.ts";
import {
  bytesToByteString,
  DIR_PLACEHOLDER,
  type OracleCase,
  payloadBytes,
  PID_PLACEHOLDER,
  stepObject,
  UNTIL_ATTEMPTS,
  UNTIL_PAUSE_MS,
} from "./cases.ts";

/** Which implementation to run. */
export type AgentKind = "oracle" | "ours";

/** Replies up to this many bytes are stored inline in the fixture. */
export const INLINE_LIMIT = 256 * 1024;

/** Where the recording lives. */
export const FIXTURE_URL: URL = new URL("../fixtures/oracle/replies.json", import.meta.url);

/** The recorded (or observed) replies of one synced step, normalised. */
export interface StepRecord {
  /** The reply bytes as a byte string (absent when stored as a digest). */
  reply?: string;
  /** Length in bytes, for replies stored as a digest. */
  length?: number;
  /** SHA-256 (hex) of the normalised reply, for replies stored as a digest. */
  sha256?: string;
  /** First 200 bytes, for replies stored as a digest. */
  head?: string;
  /** Last 200 bytes, for replies stored as a digest. */
  tail?: string;
  /** The resync line, when it is not the standard one. */
  resync?: string;
}

/** One case in the fixture. */
export interface CaseRecord {
  /** Readable requests (see `describePayload`), for humans only. */
  requests: string[];
  /** One record per synced step. */
  replies: StepRecord[];
}

/** The fixture file. */
export interface Fixture {
  /** The oracle's `-V` line. */
  oracle: string;
  /** How strings are encoded and normalised. */
  format: string[];
  /** Case name → record. */
  cases: Record<string, CaseRecord>;
}

/** Raw replies of one synced step. */
export interface StepResult {
  /** Bytes written for the request(s). */
  reply: Uint8Array;
  /** The resync line. */
  resync: Uint8Array;
}

/**
 * Serialises a fixture as JSON in which every byte above 0x7E is a `\u00XX` escape, so the
 * file is pure ASCII and each string decodes back to the exact byte string.
 *
 * @param fixture The fixture.
 * @returns The file text.
 */
export function stringifyFixture(fixture: Fixture): string {
  return JSON.stringify(fixture, null, 2).replace(
    /[\u007f-\uffff]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  ) + "\n";
}

/**
 * Loads the fixture file.
 *
 * @returns The fixture.
 */
export async function loadFixture(): Promise<Fixture> {
  return JSON.parse(await Deno.readTextFile(FIXTURE_URL)) as Fixture;
}

/**
 * Applies the case's normalisations to a reply byte string.
 *
 * @param c The case.
 * @param reply The reply as a byte string.
 * @param dir The session's files directory (becomes `@DIR@`).
 * @returns The normalised byte string.
 */
export function normalizeReply(c: OracleCase, reply: string, dir: string): string {
  let out = reply.replaceAll(dir, DIR_PLACEHOLDER);
  for (const n of c.normalize ?? []) {
    if (n === "time") out = out.replace(/("return": )\d+000(?=[,}])/g, "$1@TIME@000");
    if (n === "pid") out = out.replace(/"pid": \d+/g, '"pid": @PID@');
    if (n === "netstats") {
      out = out.replace(/"((?:rx|tx)-(?:bytes|packets|errs|dropped))": \d+/g, '"$1": @N@');
    }
    if (n === "diskstats") {
      out = out.replace(
        /"((?:read|write|discard|flush)-(?:ios|merges|sectors|ticks)|ios-pgr|total-ticks|weight-ticks)": \d+/g,
        '"$1": @N@',
      );
    }
    if (n === "fsinfo") out = out.replace(/"used-bytes": \d+/g, '"used-bytes": @N@');
    if (n === "cpustats") {
      // Milliseconds (ticks × 1000 / CLK_TCK): the last digit still shows the conversion.
      out = out.replace(
        /"(user|nice|system|idle|iowait|irq|softirq|steal|guest|guestnice)": \d*(\d)/g,
        '"$1": @N@$2',
      );
    }
  }
  return out;
}

async function sha256(text: string): Promise<string> {
  const digest = await crypto.subtle.digest(
    "SHA-256",
    Uint8Array.from(text, (c) => c.charCodeAt(0)),
  );
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Turns the raw replies of a step into its normalised record.
 *
 * @param c The case.
 * @param result The raw replies.
 * @param dir The session's files directory.
 * @returns The record.
 */
export async function toRecord(
  c: OracleCase,
  result: StepResult,
  dir: string,
): Promise<StepRecord> {
  const reply = normalizeReply(c, bytesToByteString(result.reply), dir);
  const resync = normalizeReply(c, bytesToByteString(result.resync), dir);
  const record: StepRecord = reply.length <= INLINE_LIMIT ? { reply } : {
    length: reply.length,
    sha256: await sha256(reply),
    head: reply.slice(0, 200),
    tail: reply.slice(-200),
  };
  if (resync !== STANDARD_RESYNC) record.resync = resync;
  return record;
}

/** An agent started in a fresh temporary directory, with a connected client. */
export class AgentSession {
  #agent: AgentProcess;
  #client: QgaClient;
  #root: string;
  /** The pid of the last `{"pid": N}` reply (what `@PID@` stands for). */
  #pid: string | undefined;
  /** The directory `@DIR@` stands for. */
  readonly dir: string;
  /** Which implementation runs. */
  readonly kind: AgentKind;

  private constructor(kind: AgentKind, root: string, agent: AgentProcess, client: QgaClient) {
    this.kind = kind;
    this.#root = root;
    this.dir = `${root}/files`;
    this.#agent = agent;
    this.#client = client;
  }

  /**
   * Starts an agent of the given kind in a fresh temporary directory and connects to it.
   *
   * @param kind Oracle or ours.
   * @returns The session.
   * @throws Error (with the agent's output) if the agent does not come up.
   */
  static async open(kind: AgentKind): Promise<AgentSession> {
    const root = await Deno.makeTempDir({ prefix: `qga-${kind}-` });
    try {
      await Deno.mkdir(`${root}/state`);
      await Deno.mkdir(`${root}/files`);
      await Deno.writeTextFile(`${root}/empty.conf`, "");
      const socket = `${root}/qga.sock`;
      const argv = kind === "oracle"
        ? oracleArgv(socket, `${root}/state`)
        : oursArgv(socket, `${root}/state`);
      const agent = await AgentProcess.start({
        argv,
        socket,
        cwd: kind === "ours" ? REPO_ROOT : root,
        env: { QGA_CONF: `${root}/empty.conf` },
      });
      try {
        return new AgentSession(kind, root, agent, await agent.connect());
      } catch (error) {
        await agent.stop();
        throw error;
      }
    } catch (error) {
      await Deno.remove(root, { recursive: true }).catch(() => {});
      throw error;
    }
  }

  /** The agent's recent output (for failure messages). */
  output(): string {
    return this.#agent.output();
  }

  /**
   * Runs a case's steps and returns the raw replies of its synced steps.
   *
   * @param c The case.
   * @returns One result per synced step.
   */
  async run(c: OracleCase): Promise<StepResult[]> {
    const results: StepResult[] = [];
    for (const step of c.steps.map(stepObject)) {
      if ("reconnect" in step) {
        await this.#client.close();
        this.#client = await this.#agent.connect();
        continue;
      }
      const send = this.#pid === undefined || typeof step.send !== "string"
        ? step.send
        : step.send.replaceAll(PID_PLACEHOLDER, this.#pid);
      let result: StepResult | undefined;
      for (let attempt = 1; attempt <= (step.until ? UNTIL_ATTEMPTS : 1); attempt++) {
        if (attempt > 1) await new Promise((resolve) => setTimeout(resolve, UNTIL_PAUSE_MS));
        await this.#client.send(payloadBytes(send, this.dir));
        if (step.sync === false) break;
        result = await this.#client.readUntilMarker(undefined, c.timeoutMs);
        if (!step.until || bytesToByteString(result.reply).includes(step.until)) break;
      }
      if (!result) continue;
      if (c.normalize?.includes("pid")) {
        this.#pid = /"pid": (\d+)/.exec(bytesToByteString(result.reply))?.[1] ?? this.#pid;
      }
      results.push(result);
    }
    return results;
  }

  /**
   * Runs a case and returns its normalised records.
   *
   * @param c The case.
   * @returns One record per synced step.
   */
  async record(c: OracleCase): Promise<StepRecord[]> {
    const results = await this.run(c);
    return await Promise.all(results.map((r) => toRecord(c, r, this.dir)));
  }

  /**
   * Closes the client, stops the agent (SIGTERM) and removes the temporary directory.
   *
   * @returns The agent's exit status.
   */
  async close(): Promise<Deno.CommandStatus> {
    await this.#client.close();
    const status = await this.#agent.stop();
    await Deno.remove(this.#root, { recursive: true }).catch(() => {});
    return status;
  }
}

/**
 * Whether a case needs its own agent (file cases: handle numbers start at 1000 per case).
 *
 * @param c The case.
 * @returns True for a fresh agent per case.
 */
export function needsFreshAgent(c: OracleCase): boolean {
  return c.group === "file";
}
