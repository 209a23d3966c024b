/**
 * A fake of the process domain ({@link Processes}): records each program run and answers from a
 * script, with helpers to build outcomes.
 *
 * @module
 */

import type { Processes, RunOptions, RunOutcome } from "../../../src/sys/processes.ts";

const encoder = new TextEncoder();

/** An `exited` outcome with text output. */
export function exited(code: number, output = ""): RunOutcome {
  return { kind: "exited", code, output: encoder.encode(output) };
}

/** A `signaled` outcome with text output. */
export function signaled(signal: string, output = ""): RunOutcome {
  return { kind: "signaled", signal, output: encoder.encode(output) };
}

/** A `spawn-failed` outcome. */
export function spawnFailed(
  reason: "not-found" | "permission" | "not-capable" | "other",
  text: string,
): RunOutcome {
  return { kind: "spawn-failed", reason, text };
}

/** Decides the outcome of a run (undefined → exit 0 without output). */
export type RunScript = (argv: readonly string[], options: RunOptions) => RunOutcome | undefined;

/** A fake {@link Processes}: records every run and answers from a script. */
export class FakeProcesses implements Processes {
  /** Every run: the argv and the output mode. */
  readonly runs: { argv: string[]; output: RunOptions["output"] }[] = [];
  /** Every `isExecutable` question, in order. */
  readonly accessChecks: string[] = [];
  #executables: ReadonlySet<string>;
  #script: RunScript;

  /**
   * Creates the fake.
   *
   * @param executables Paths for which `isExecutable` answers true.
   * @param script Outcome per run (default: every program exits 0).
   */
  constructor(executables: readonly string[] = [], script: RunScript = () => undefined) {
    this.#executables = new Set(executables);
    this.#script = script;
  }

  /** The argvs run, each joined with spaces. */
  get commandLines(): string[] {
    return this.runs.map((r) => r.argv.join(" "));
  }

  /** {@inheritDoc Processes.run} */
  run(argv: readonly string[], options: RunOptions): Promise<RunOutcome> {
    this.runs.push({ argv: [...argv], output: options.output });
    return Promise.resolve(this.#script(argv, options) ?? exited(0));
  }

  /** {@inheritDoc Processes.isExecutable} */
  isExecutable(path: string): boolean {
    this.accessChecks.push(path);
    return this.#executables.has(path);
  }
}
