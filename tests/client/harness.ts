/**
 * How the client tests run the client and the agents it talks to:
 *
 * - {@linkcode runClient} runs `main()` in-process with captured output ({@linkcode captureIo});
 * - {@linkcode runClientTask} runs `deno task client` as an operator does (its own permission
 *   set, `--unstable-vsock`, `INIT_CWD`), from a working directory outside the repository;
 * - {@linkcode startAgent} starts qga-deno or Debian's qemu-ga 7.2 on a unix socket in a fresh
 *   directory (no config file), so every end-to-end test runs against both.
 *
 * @module
 */

import { main } from "../../src/client/main.ts";
import type { ClientIo, Output } from "../../src/client/io.ts";
import {
  AgentProcess,
  ORACLE_PATH,
  oracleArgv,
  REPO_ROOT,
  startOurs,
} from "../helpers/agent_process.ts";
import { runToExit } from "../helpers/proc.ts";

const decoder = new TextDecoder();

/** An output that collects what is written. */
class Collected implements Output {
  readonly chunks: Uint8Array[] = [];
  constructor(readonly terminal: boolean) {}
  write(bytes: Uint8Array): Promise<void> {
    this.chunks.push(bytes.slice());
    return Promise.resolve();
  }
  isTerminal(): boolean {
    return this.terminal;
  }
  bytes(): Uint8Array {
    const all = new Uint8Array(this.chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of this.chunks) {
      all.set(c, at);
      at += c.length;
    }
    return all;
  }
}

/** Options of a captured client run. */
export interface CaptureOptions {
  /** Standard input. */
  stdin?: Uint8Array;
  /** Whether stderr claims to be a terminal (progress bars). */
  terminal?: boolean;
  /** Environment variables the client may read. */
  env?: Record<string, string>;
}

/** A {@linkcode ClientIo} whose output is collected. */
export function captureIo(options: CaptureOptions = {}): {
  io: ClientIo;
  stdout: Collected;
  stderr: Collected;
} {
  const stdout = new Collected(false);
  const stderr = new Collected(options.terminal ?? false);
  return {
    stdout,
    stderr,
    io: {
      stdout,
      stderr,
      readStdin: () => Promise.resolve(options.stdin ?? new Uint8Array()),
      columns: () => 80,
      env: (name) => options.env?.[name],
    },
  };
}

/** What a client run printed and how it ended. */
export interface ClientResult {
  /** Exit code. */
  code: number;
  /** Standard output as text. */
  stdout: string;
  /** Standard output as bytes. */
  stdoutBytes: Uint8Array;
  /** Standard error as text. */
  stderr: string;
}

/**
 * Runs the client in-process.
 *
 * @param args The command line.
 * @param options Standard input, terminal, environment.
 * @returns Exit code and output.
 */
export async function runClient(
  args: string[],
  options: CaptureOptions = {},
): Promise<ClientResult> {
  const { io, stdout, stderr } = captureIo(options);
  const code = await main(args, io);
  const stdoutBytes = stdout.bytes();
  return {
    code,
    stdout: decoder.decode(stdoutBytes),
    stdoutBytes,
    stderr: decoder.decode(stderr.bytes()),
  };
}

/**
 * Runs `deno task -q client ARGS` from `cwd` (default: a directory outside the repository),
 * as an operator would, with its own permission set.
 *
 * @param args The command line.
 * @param options Working directory, standard input (a file), time limit.
 * @returns Exit code and output.
 */
export async function runClientTask(
  args: string[],
  options: { cwd?: string; stdinFile?: string; timeoutMs?: number } = {},
): Promise<ClientResult> {
  const task = [Deno.execPath(), "task", "-q", "--config", `${REPO_ROOT}/deno.json`, "client"];
  const argv = options.stdinFile === undefined
    ? [...task, ...args]
    : ["/bin/sh", "-c", `exec "$@" < "${options.stdinFile}"`, "sh", ...task, ...args];
  const cwd = options.cwd ?? "/tmp";
  // `deno task` sets INIT_CWD only when it is unset; under `deno task test` it holds the test
  // run's directory, so an operator's shell (where it is unset) is what this must look like.
  const result = await runToExit(argv, {
    cwd,
    env: { INIT_CWD: cwd },
    timeoutMs: options.timeoutMs ?? 60_000,
  });
  return { ...result, stdoutBytes: new TextEncoder().encode(result.stdout) };
}

/** An agent started for the client tests. */
export interface TestAgent {
  /** `ours` (qga-deno) or `qemu-ga` (Debian's 7.2). */
  readonly kind: "ours" | "qemu-ga";
  /** Its unix socket. */
  readonly socket: string;
  /** Its directory (state, socket; a place for test files). */
  readonly dir: string;
  /** Stops it and removes its directory. */
  stop(): Promise<void>;
}

/** Whether Debian's qemu-ga is installed (the tests against it are skipped otherwise). */
export const QEMU_GA_INSTALLED: boolean = await Deno.stat(ORACLE_PATH).then(
  () => true,
  () => false,
);

/**
 * Starts qga-deno (as `deno task start` runs it) or qemu-ga on a unix socket in a fresh
 * directory, without a config file.
 *
 * @param kind Which agent.
 * @returns The running agent.
 */
export async function startAgent(kind: "ours" | "qemu-ga"): Promise<TestAgent> {
  const dir = await Deno.makeTempDir({ prefix: `qga-client-${kind}-` });
  const socket = `${dir}/sock`;
  const env = { QGA_CONF: `${dir}/absent.conf` };
  const process = kind === "ours"
    ? await startOurs(socket, dir, [], { env })
    : await AgentProcess.start({ argv: oracleArgv(socket, dir), socket, cwd: dir, env });
  return {
    kind,
    socket,
    dir,
    async stop() {
      await process.stop();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}
