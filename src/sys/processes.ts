/**
 * The process domain of `Sys` (`./sys.ts`): running helper programs — the fsfreeze hook,
 * `/sbin/hwclock`, the shutdown commands, the suspend helpers (`systemctl`, `pm-*`), `chpasswd` —
 * and starting the host's programs for guest-exec ({@link Processes.spawn}).
 *
 * The interface reports what happened without qemu-ga's wording; the texts are built by the
 * callers (`src/commands/power/run_command.ts`, `src/commands/exec/`). {@link DenoProcesses} uses
 * `Deno.Command`, so the baked `--allow-run` permission confines which programs the agent can
 * start (a refusal is reported as `spawn-failed`/`not-capable`, never thrown).
 *
 * Differences to qemu-ga's fork/exec, forced by Deno: no `setsid()` in the child (Deno has no
 * API for it; `detached` does not start a new session on Linux in 2.9.6); the child's `argv[0]`
 * is the path it was started from, not the name the caller gave (no `argv0` option); signals
 * the agent ignores (SIGUSR1, see `./inspector_guard.ts`) stay ignored in the child, while
 * SIGPIPE is back to its default as in qemu-ga. In {@link Processes.run}, stdout and stderr are
 * two pipes read concurrently and merged chunk by chunk in arrival order, not one shared pipe;
 * {@link Processes.spawn}'s `merged` mode does share one pipe (`./processes/spawn.ts`).
 *
 * @module
 */

import { statPath } from "./fd.ts";
import { findProgramInPath, spawnChild, waitChild, writeInput } from "./processes/spawn.ts";
import { spawnFailure } from "./processes/spawn_failure.ts";

export { spawnFailure };

/** How a run ended. */
export type RunOutcome =
  /** The program ran and exited with `code`; `output` is stdout+stderr (empty when discarded). */
  | {
    readonly kind: "exited";
    readonly code: number;
    readonly output: Uint8Array;
    /** Why writing {@link RunOptions.input} failed (strerror text), if it did. */
    readonly inputError?: string;
  }
  /** The program was killed by a signal (`WIFEXITED` false). */
  | {
    readonly kind: "signaled";
    readonly signal: string;
    readonly output: Uint8Array;
    /** Why writing {@link RunOptions.input} failed (strerror text), if it did. */
    readonly inputError?: string;
  }
  /**
   * The program could not be started: `not-found` (ENOENT), `permission` (EACCES),
   * `not-capable` (refused by Deno's `--allow-run` sandbox), `not-listed` (a guest-exec program
   * outside the profile's `--exec-allow` list), `other` (any other OS error). `text` is the
   * strerror text, or Deno's message for `not-capable`.
   */
  | {
    readonly kind: "spawn-failed";
    readonly reason: "not-found" | "permission" | "not-capable" | "not-listed" | "other";
    readonly text: string;
  };

/** Options of a run. */
export interface RunOptions {
  /**
   * `capture`: stdout and stderr are collected together (qemu-ga's run-command helper);
   * `discard`: both go to `/dev/null` (qemu-ga's `g_spawn_sync` for suspend helpers).
   */
  readonly output: "capture" | "discard";
  /** Written to the program's stdin (a pipe), which is then closed; absent: `/dev/null`. */
  readonly input?: Uint8Array;
}

/** Which output streams of a guest-exec child are captured (`capture-output`). */
export type CaptureMode = "none" | "stdout" | "stderr" | "separated" | "merged";

/** A program to start for guest-exec. */
export interface SpawnRequest {
  /**
   * The program: a path containing `/` is used as is; another name is looked up in the `PATH`
   * of {@link env} if it has one, else in the agent's, else in `/bin:/usr/bin:.`.
   */
  readonly path: string;
  /** `argv[1..]`. */
  readonly args: readonly string[];
  /**
   * The child's whole environment as `NAME=value` entries; absent: the agent's own. Entries
   * without `=` or with an empty name cannot be passed and are dropped; for a name given twice
   * the first entry counts (as `getenv()` would see it).
   */
  readonly env?: readonly string[];
  /** Written to the child's stdin (a pipe), which is then closed; absent: stdin is `/dev/null`. */
  readonly input?: Uint8Array;
  /**
   * `none`: stdout and stderr on `/dev/null`; `stdout`/`stderr`: that one captured, the other on
   * `/dev/null`; `separated`: both captured; `merged`: one pipe for both, in write order.
   */
  readonly capture: CaptureMode;
}

/** How a child ended. */
export type ChildExit =
  /** `WIFEXITED`: the exit status. */
  | { readonly kind: "exited"; readonly code: number }
  /** `WIFSIGNALED`: the signal number. */
  | { readonly kind: "signaled"; readonly signal: number }
  /** Neither could be told (Deno reported the end without a status). */
  | { readonly kind: "unknown" };

/** A started guest-exec child. */
export interface SpawnedChild {
  /** The child's process id. */
  readonly pid: number;
  /** Captured stdout (in `merged` mode stdout and stderr together), or null. */
  readonly stdout: ReadableStream<Uint8Array> | null;
  /** Captured stderr, or null. */
  readonly stderr: ReadableStream<Uint8Array> | null;
  /** Resolves once the child has ended and has been reaped; never rejects. */
  readonly exit: Promise<ChildExit>;
  /**
   * Resolves once the input was written and stdin closed (at once without input): undefined,
   * or the strerror text of a failed write (e.g. `Broken pipe`). Never rejects.
   */
  readonly input: Promise<string | undefined>;
}

/** Why a child could not be started (see {@link RunOutcome}'s `spawn-failed`). */
export type SpawnFailure = Extract<RunOutcome, { kind: "spawn-failed" }>;

/** The outcome of {@link Processes.spawn}. */
export type SpawnOutcome =
  | { readonly kind: "spawned"; readonly child: SpawnedChild }
  | SpawnFailure;

/** Starts programs and waits for them. */
export interface Processes {
  /**
   * Runs `argv` (argv[0] is a path, or a name looked up in PATH) and waits for it to end.
   * Never throws for spawn failures; they are reported as `spawn-failed`.
   */
  run(argv: readonly string[], options: RunOptions): Promise<RunOutcome>;
  /** `access(path, X_OK) == 0` (as root: the file exists and has an execute bit). */
  isExecutable(path: string): boolean;
  /**
   * GLib's `g_find_program_in_path(name)`: `name` itself if it contains `/`, else the first
   * `<dir>/name` along the agent's `PATH` (else `/bin:/usr/bin:.`) — in each case only an
   * executable that is not a directory.
   */
  findProgram(name: string): string | undefined;
  /**
   * Starts a program for guest-exec and returns at once; the child is always reaped, whether or
   * not anybody reads its streams. Never throws for spawn failures.
   */
  spawn(request: SpawnRequest): SpawnOutcome;
}

/** Reads a stream to its end, appending each chunk to `sink` as it arrives. */
async function drain(stream: ReadableStream<Uint8Array>, sink: Uint8Array[]): Promise<void> {
  const reader = stream.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      sink.push(value);
    }
  } catch {
    await reader.cancel().catch(() => {});
  } finally {
    reader.releaseLock();
  }
}

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) (out.set(c, off), off += c.length);
  return out;
}

/** {@link Processes} on `Deno.Command`. */
export class DenoProcesses implements Processes {
  #execAllow: ReadonlySet<string> | undefined;

  /**
   * @param options `execAllow`: when given, guest-exec ({@link spawn}) starts only these programs
   *   (absolute paths, compared exactly with the program the search arrives at); the confined
   *   profiles pass their `--exec-allow` list. Helper programs ({@link run}) are not affected.
   */
  constructor(options: { readonly execAllow?: readonly string[] } = {}) {
    this.#execAllow = options.execAllow === undefined ? undefined : new Set(options.execAllow);
  }

  /** {@inheritDoc Processes.run} */
  async run(argv: readonly string[], options: RunOptions): Promise<RunOutcome> {
    const capture = options.output === "capture";
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(argv[0] ?? "", {
        args: argv.slice(1),
        stdin: options.input === undefined ? "null" : "piped",
        stdout: capture ? "piped" : "null",
        stderr: capture ? "piped" : "null",
      }).spawn();
    } catch (error) {
      return spawnFailure(error);
    }
    const input = options.input === undefined
      ? Promise.resolve(undefined)
      : writeInput(child.stdin, options.input);
    const chunks: Uint8Array[] = [];
    if (capture) await Promise.all([drain(child.stdout, chunks), drain(child.stderr, chunks)]);
    const [{ exit, signalName }, inputError] = await Promise.all([waitChild(child), input]);
    const output = concat(chunks);
    const extra = inputError === undefined ? {} : { inputError };
    if (exit.kind === "exited") return { kind: "exited", code: exit.code, output, ...extra };
    const signal = signalName ?? (exit.kind === "signaled" ? `signal ${exit.signal}` : "unknown");
    return { kind: "signaled", signal, output, ...extra };
  }

  /**
   * `access(path, X_OK)` as root sees it: the path exists and has an execute bit. (As non-root
   * the owner/group bits would decide; the agent runs as root.)
   */
  isExecutable(path: string): boolean {
    try {
      return (statPath(path).mode & 0o111) !== 0;
    } catch {
      return false;
    }
  }

  /** {@inheritDoc Processes.findProgram} */
  findProgram(name: string): string | undefined {
    return findProgramInPath(name);
  }

  /** {@inheritDoc Processes.spawn} */
  spawn(request: SpawnRequest): SpawnOutcome {
    return spawnChild(request, undefined, this.#execAllow);
  }
}
