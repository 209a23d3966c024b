/**
 * Running helper programs: the fsfreeze hook, `/sbin/hwclock`, the shutdown commands and the
 * suspend helpers (`systemctl`, `pm-*`).
 *
 * The interface reports what happened without qemu-ga's wording; the texts are built by the
 * callers (`src/commands/power/run_command.ts`). The production runner
 * (`./process_deno.ts`) uses `Deno.Command`, so the baked `--allow-run` list confines it.
 *
 * @module
 */

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
export interface ProcessRunner {
  /**
   * Runs `argv` (argv[0] is a path, or a name looked up in PATH) and waits for it to end.
   * Never throws for spawn failures; they are reported as `spawn-failed`.
   */
  run(argv: readonly string[], options: RunOptions): Promise<RunOutcome>;
  /** `access(path, X_OK) == 0` (as root: the file exists and has an execute bit). */
  isExecutable(path: string): boolean;
}
