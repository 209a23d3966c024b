/**
 * `guest-exec` and `guest-exec-status`, as qemu-ga 7.2 answers them:
 *
 * - `guest-exec` decodes `input-data`, logs `guest-exec called: "<argv>"`, starts the program
 *   without waiting for it (`./request.ts` for the arguments, `Processes.spawn` for PATH lookup,
 *   environment and pipes) and answers `{"pid": <pid>}`. A start failure is GLib's text wrapped
 *   by 7.2: `Guest agent command failed, error was 'Failed to execute child process “<path>”
 *   (<strerror>)'`. A failed write of the input is logged as qemu-ga does
 *   (`qga: i/o error writing to input_data channel: <text>`, level warning).
 * - `guest-exec-status` logs `guest-exec-status called, pid: <pid as uint32>`; an unknown pid
 *   (never started, or already collected) is `Invalid parameter 'pid'`; a running child (or one
 *   whose captured pipes are still open) is `{"exited": false}`; otherwise the reply carries
 *   `exitcode` or `signal`, and for each captured stream with output its base64 data and
 *   `*-truncated` (Debian 7.2.22's form: present whenever data is), and the record is deleted.
 *
 * Differences (qga-deno): `capture-output` also takes newest upstream's modes (`none`, `stdout`,
 * `stderr`, `separated`, `merged`); records and buffered bytes are bounded (`./records.ts`), a
 * `guest-exec` beyond a bound being refused with a GenericError; a program refused by the
 * agent's `--allow-run` permission fails like a start failure, with
 * `(not permitted by the agent's --allow-run permission)` as the reason, and one outside the
 * confined profiles' `--exec-allow` list with `(not listed with the agent's --exec-allow)`.
 *
 * @module
 */

import { PlainText } from "../../qobject/value.ts";
import { QgaError } from "../../schema/errors.ts";
import type { ReturnOf } from "../../schema/types.ts";
import type { SpawnFailure } from "../../sys/processes.ts";
import type { Handler } from "../context.ts";
import type { CapturedOutput } from "./capture.ts";
import { type ExecRecord, execTableOf } from "./records.ts";
import { execAuditLine, execRequest } from "./request.ts";

/** The reason given for a program outside the agent's `--allow-run` permission. */
export const NOT_PERMITTED = "not permitted by the agent's --allow-run permission";
/** The reason given for a program outside the profile's `--exec-allow` list. */
export const NOT_LISTED = "not listed with the agent's --exec-allow";

/** 7.2's text for a program that could not be started (GLib's message, wrapped). */
export function spawnFailureText(path: string, failure: SpawnFailure): string {
  const reason = failure.reason === "not-capable"
    ? NOT_PERMITTED
    : failure.reason === "not-listed"
    ? NOT_LISTED
    : failure.text;
  return `Guest agent command failed, error was 'Failed to execute child process \u201c${path}` +
    `\u201d (${reason})'`;
}

/** `guest-exec`. */
export const guestExec: Handler<"guest-exec"> = (args, ctx) => {
  const request = execRequest(args);
  ctx.log.audit(execAuditLine(request));
  const table = execTableOf(ctx.sys.processes);
  const inputBytes = request.input?.length ?? 0;
  table.admit(inputBytes);
  const outcome = ctx.sys.processes.spawn(request);
  if (outcome.kind === "spawn-failed") {
    table.budget.give(inputBytes);
    throw new QgaError(spawnFailureText(request.path, outcome));
  }
  const { child } = outcome;
  table.add(child);
  void child.input.then((error) => {
    table.budget.give(inputBytes);
    if (error !== undefined) {
      ctx.log.warning(`qga: i/o error writing to input_data channel: ${error}`);
    }
  });
  return { pid: BigInt(child.pid) };
};

type Status = ReturnOf<"guest-exec-status">;

function addStream(reply: Status, name: "out" | "err", capture: CapturedOutput | undefined): void {
  if (!capture || capture.length === 0) return;
  reply[`${name}-data`] = new PlainText(capture.toBase64());
  reply[`${name}-truncated`] = capture.truncated;
}

/** The reply for a record whose child has exited. */
export function exitedReply(record: ExecRecord): Status {
  const reply: Status = { exited: true };
  const exit = record.exit;
  if (exit?.kind === "exited") reply.exitcode = BigInt(exit.code);
  if (exit?.kind === "signaled") reply.signal = BigInt(exit.signal);
  addStream(reply, "out", record.out);
  addStream(reply, "err", record.err);
  return reply;
}

/** `guest-exec-status`. */
export const guestExecStatus: Handler<"guest-exec-status"> = (args, ctx) => {
  ctx.log.audit(`guest-exec-status called, pid: ${BigInt.asUintN(32, args.pid)}`);
  const table = execTableOf(ctx.sys.processes);
  const record = table.find(args.pid);
  if (!record) throw new QgaError("Invalid parameter 'pid'");
  if (!record.exited) return { exited: false };
  const reply = exitedReply(record);
  table.remove(record);
  return reply;
};
