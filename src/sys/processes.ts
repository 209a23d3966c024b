/**
 * The process domain of `Sys` (`./sys.ts`): running helper programs — the fsfreeze hook,
 * `/sbin/hwclock`, the shutdown commands and the suspend helpers (`systemctl`, `pm-*`).
 *
 * The interface reports what happened without qemu-ga's wording; the texts are built by the
 * callers (`src/commands/power/run_command.ts`). {@link DenoProcesses} uses `Deno.Command`, so the
 * baked `--allow-run` list confines which programs the agent can start (a refusal is reported as
 * `spawn-failed`/`not-capable`, never thrown).
 *
 * Differences to qemu-ga's fork/exec, forced by Deno: no `setsid()` in the child (Deno has no
 * API for it; `detached` does not start a new session on Linux in 2.9.6); stdout and stderr are
 * two pipes read concurrently and merged chunk by chunk in arrival order, not one shared pipe.
 * stdin is `/dev/null` in both modes.
 *
 * @module
 */

import { Errno } from "./errno.ts";
import { OsError } from "./os_error.ts";

/** How a run ended. */
export type RunOutcome =
  /** The program ran and exited with `code`; `output` is stdout+stderr (empty when discarded). */
  | { readonly kind: "exited"; readonly code: number; readonly output: Uint8Array }
  /** The program was killed by a signal (`WIFEXITED` false). */
  | { readonly kind: "signaled"; readonly signal: string; readonly output: Uint8Array }
  /**
   * The program could not be started: `not-found` (ENOENT), `permission` (EACCES),
   * `not-capable` (refused by Deno's `--allow-run` sandbox), `other` (any other OS error).
   * `text` is the strerror text, or Deno's message for `not-capable`.
   */
  | {
    readonly kind: "spawn-failed";
    readonly reason: "not-found" | "permission" | "not-capable" | "other";
    readonly text: string;
  };

/** Options of a run. */
export interface RunOptions {
  /**
   * `capture`: stdout and stderr are collected together (qemu-ga's run-command helper);
   * `discard`: both go to `/dev/null` (qemu-ga's `g_spawn_sync` for suspend helpers).
   * stdin is always `/dev/null`.
   */
  readonly output: "capture" | "discard";
}

/** Starts programs and waits for them. */
export interface Processes {
  /**
   * Runs `argv` (argv[0] is a path, or a name looked up in PATH) and waits for it to end.
   * Never throws for spawn failures; they are reported as `spawn-failed`.
   */
  run(argv: readonly string[], options: RunOptions): Promise<RunOutcome>;
  /** `access(path, X_OK) == 0` (as root: the file exists and has an execute bit). */
  isExecutable(path: string): boolean;
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

/**
 * Classifies a `Deno.Command` spawn error.
 *
 * @param error What `spawn()` threw.
 * @returns The `spawn-failed` outcome.
 */
export function spawnFailure(error: unknown): RunOutcome {
  if (error instanceof Deno.errors.NotCapable) {
    return { kind: "spawn-failed", reason: "not-capable", text: error.message };
  }
  const os = OsError.from(error);
  const text = os?.message ?? (error instanceof Error ? error.message : String(error));
  if (os?.errno === Errno.ENOENT) return { kind: "spawn-failed", reason: "not-found", text };
  if (os?.errno === Errno.EACCES) return { kind: "spawn-failed", reason: "permission", text };
  return { kind: "spawn-failed", reason: "other", text };
}

/** {@link Processes} on `Deno.Command`. */
export class DenoProcesses implements Processes {
  /** {@inheritDoc Processes.run} */
  async run(argv: readonly string[], options: RunOptions): Promise<RunOutcome> {
    const capture = options.output === "capture";
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(argv[0] ?? "", {
        args: argv.slice(1),
        stdin: "null",
        stdout: capture ? "piped" : "null",
        stderr: capture ? "piped" : "null",
      }).spawn();
    } catch (error) {
      return spawnFailure(error);
    }
    const chunks: Uint8Array[] = [];
    if (capture) await Promise.all([drain(child.stdout, chunks), drain(child.stderr, chunks)]);
    const status = await child.status;
    const output = concat(chunks);
    if (status.signal !== null) return { kind: "signaled", signal: status.signal, output };
    return { kind: "exited", code: status.code, output };
  }

  /**
   * `access(path, X_OK)` as root sees it: the path exists and has an execute bit. (As non-root
   * the owner/group bits would decide; the agent runs as root.)
   */
  isExecutable(path: string): boolean {
    try {
      const mode = Deno.statSync(path).mode;
      return mode !== null && (mode & 0o111) !== 0;
    } catch {
      return false;
    }
  }
}
