/**
 * qemu-ga's run-command helper (`ga_run_command()`, spec §2.0): runs a program with stdin on
 * `/dev/null` and stdout+stderr captured, waits, and turns failures into qemu-ga's texts:
 *
 * - exit status ≠ 0: `child process has failed to <action>: <output>`, or
 *   `child process has failed to <action>: exit status <n>` when it printed nothing;
 * - killed by a signal: `child process has terminated abnormally[: <output>]`;
 * - exec failure: upstream's child prints `failed to exec '<argv0>': <strerror>\n` (perror) and
 *   exits 1, so e.g. a missing hook gives
 *   `child process has failed to execute fsfreeze hook: failed to exec '<hook>': No such file or directory\n`.
 *   The same text is produced here from the spawn error.
 *
 * Used by guest-shutdown, guest-set-time (hwclock) and the fsfreeze hook.
 *
 * Differences, both forced by Deno (`Deno.Command`): the child does not call `setsid()` (no API
 * for it; Deno's `detached` option does not start a new session on Linux), and stdout/stderr are
 * two pipes merged in arrival order, chunk by chunk, instead of one shared pipe — a program that
 * interleaves writes to both within one scheduling slice may see them reordered. A program
 * refused by Deno's `--allow-run` sandbox gives
 * `failed to create child process: '<argv0>' is not permitted by the agent's --allow-run list`
 * (qemu-ga has no such case; its text for a failed fork has the same prefix).
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import type { Processes, RunOutcome } from "../../sys/processes.ts";

const encoder = new TextEncoder();

/** The text for a program that the `--allow-run` sandbox refuses. */
export function notPermittedText(argv0: string): string {
  return `'${argv0}' is not permitted by the agent's --allow-run list`;
}

/** Builds an error whose description is `prefix` + raw output bytes (cut at a NUL, like `%s`). */
function errorWithOutput(prefix: string, output: Uint8Array): QgaError {
  const nul = output.indexOf(0);
  const tail = nul === -1 ? output : output.subarray(0, nul);
  const head = encoder.encode(prefix);
  const all = new Uint8Array(head.length + tail.length);
  all.set(head);
  all.set(tail, head.length);
  try {
    return new QgaError(new TextDecoder("utf-8", { fatal: true }).decode(all));
  } catch {
    return new QgaError(all);
  }
}

/**
 * Maps a run's outcome to qemu-ga's result.
 *
 * @param argv The program and its arguments (argv[0] appears in exec failures).
 * @param action The action text, e.g. `shutdown`.
 * @param outcome What happened.
 * @throws QgaError with qemu-ga's text unless the program exited 0.
 */
export function checkRunOutcome(
  argv: readonly string[],
  action: string,
  outcome: RunOutcome,
): void {
  let result = outcome;
  if (result.kind === "spawn-failed") {
    if (result.reason === "not-capable") {
      throw new QgaError(`failed to create child process: ${notPermittedText(argv[0] ?? "")}`);
    }
    // The upstream child reports a failed execvp() through perror() and exits 1.
    const perror = `failed to exec '${argv[0] ?? ""}': ${result.text}\n`;
    result = { kind: "exited", code: 1, output: encoder.encode(perror) };
  }
  if (result.kind === "signaled") {
    if (result.output.length > 0) {
      throw errorWithOutput("child process has terminated abnormally: ", result.output);
    }
    throw new QgaError("child process has terminated abnormally");
  }
  if (result.code !== 0) {
    if (result.output.length > 0) {
      throw errorWithOutput(`child process has failed to ${action}: `, result.output);
    }
    throw new QgaError(`child process has failed to ${action}: exit status ${result.code}`);
  }
}

/**
 * Runs `argv` like qemu-ga's `ga_run_command(argv, NULL, action, errp)`.
 *
 * @param processes Starts the program.
 * @param argv The program and its arguments.
 * @param action The action text of the error messages.
 * @throws QgaError with qemu-ga's text unless the program exited 0.
 */
export async function runCommand(
  processes: Processes,
  argv: readonly string[],
  action: string,
): Promise<void> {
  checkRunOutcome(argv, action, await processes.run(argv, { output: "capture" }));
}
