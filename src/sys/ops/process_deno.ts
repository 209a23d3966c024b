/**
 * The production {@link ProcessRunner}: `Deno.Command`, so the `--allow-run` list baked into
 * the build confines which programs the agent can start (a refusal is reported as
 * `spawn-failed`/`not-capable`, never thrown).
 *
 * Differences to qemu-ga's fork/exec, forced by Deno: no `setsid()` in the child (Deno has no
 * API for it; `detached` does not start a new session on Linux in 2.9.6); stdout and stderr are
 * two pipes read concurrently and merged chunk by chunk in arrival order, not one shared pipe.
 * stdin is `/dev/null` in both modes.
 *
 * @module
 */

import type { ProcessRunner, RunOptions, RunOutcome } from "./process.ts";

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

/** The strerror part of a Deno spawn error (`Failed to spawn 'x': Text file busy (os error 26)`). */
function osText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return /: ([^:]+?) \(os error \d+\)$/.exec(message)?.[1] ?? message;
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
  if (error instanceof Deno.errors.NotFound) {
    return { kind: "spawn-failed", reason: "not-found", text: "No such file or directory" };
  }
  if (error instanceof Deno.errors.PermissionDenied) {
    return { kind: "spawn-failed", reason: "permission", text: "Permission denied" };
  }
  return { kind: "spawn-failed", reason: "other", text: osText(error) };
}

/** {@link ProcessRunner} on `Deno.Command`. */
export class DenoProcessRunner implements ProcessRunner {
  /** {@inheritDoc ProcessRunner.run} */
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
