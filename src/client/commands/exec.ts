/**
 * `exec [--env K=V]… [--stdin FILE|-] -- PROG [ARGS…]`: runs a program in the guest through
 * `guest-exec` with its output captured, polls `guest-exec-status` until it has exited, then
 * writes its stdout and stderr to the client's own and exits with its exit code (128 + the signal
 * number when a signal ended it), as a shell would. Nothing is streamed: the agent hands the
 * output over only once the program has exited.
 *
 * @module
 */

import { fromBase64, toBase64 } from "../base64.ts";
import { listOption, stringOption } from "../command_line.ts";
import { ClientError, UsageError } from "../errors.ts";
import { isObject, type Json, type JsonObject, toNumber } from "../json.ts";
import type { Session } from "../session.ts";
import {
  type ClientCommand,
  type CommandContext,
  DEFAULT_TIMEOUT_MS,
  printJson,
  warn,
} from "./context.ts";

/** First and longest pause between two `guest-exec-status` polls. */
const POLL_FIRST_MS = 10;
const POLL_MAX_MS = 250;

/**
 * The exit code a shell would give for an exited program's status.
 *
 * @param status A `guest-exec-status` return with `exited: true`.
 * @returns The exit code, 128 + signal for a signal, 1 if the status names neither.
 */
export function exitCodeOf(status: JsonObject): number {
  const signal = toNumber(status.signal);
  if (signal !== undefined) return 128 + signal;
  return toNumber(status.exitcode) ?? 1;
}

/** The `guest-exec` arguments of an `exec` command line. */
export async function execArguments(ctx: CommandContext): Promise<Record<string, unknown>> {
  const [path, ...arg] = ctx.parsed.operands;
  if (path === undefined) throw new UsageError("Missing the program to run (exec -- PROG ARGS…)");
  const env = listOption(ctx.parsed, "env");
  const bad = env.find((e) => !e.includes("=") || e.startsWith("="));
  if (bad !== undefined) throw new UsageError(`--env needs NAME=VALUE, not '${bad}'`);
  const stdin = stringOption(ctx.parsed, "stdin");
  let input: Uint8Array | undefined;
  if (stdin === "-") input = await ctx.io.readStdin();
  else if (stdin !== undefined) {
    input = await Deno.readFile(stdin).catch((e: Error) => {
      throw new ClientError(`Cannot read ${stdin}: ${e.message}`);
    });
  }
  return {
    path,
    ...(arg.length > 0 ? { arg } : {}),
    ...(env.length > 0 ? { env } : {}),
    ...(input !== undefined ? { "input-data": toBase64(input) } : {}),
    "capture-output": true,
  };
}

/** Polls `guest-exec-status` until the program has exited; returns that status. */
export async function waitForExit(
  session: Session,
  pid: Json,
  timeoutMs: number,
): Promise<JsonObject> {
  let pause = POLL_FIRST_MS;
  while (true) {
    const status = await session.execute("guest-exec-status", { pid }, timeoutMs);
    if (!isObject(status)) throw new ClientError(`Unexpected guest-exec-status reply: ${status}`);
    if (status.exited === true) return status;
    await new Promise((resolve) => setTimeout(resolve, pause));
    pause = Math.min(POLL_MAX_MS, pause * 2);
  }
}

/** `exec`. */
export const exec: ClientCommand = {
  name: "exec",
  usage: "[--env NAME=VALUE]… [--stdin FILE|-] -- PROG [ARGS…]",
  summary: "run a program; print its output, exit with its status",
  stopAtOperand: true,
  options: [
    {
      name: "env",
      value: "NAME=VALUE",
      multiple: true,
      help: "the program's environment (qemu-ga passes only these variables)",
    },
    { name: "stdin", value: "FILE|-", help: "feed FILE (or the client's stdin) to the program" },
  ],
  async run(ctx) {
    const args = await execArguments(ctx);
    const session = await ctx.session();
    const timeoutMs = ctx.timeout(DEFAULT_TIMEOUT_MS);
    const started = await session.execute("guest-exec", args, timeoutMs);
    if (!isObject(started) || started.pid === undefined) {
      throw new ClientError(`Unexpected guest-exec reply: ${started}`);
    }
    const status = await waitForExit(session, started.pid, timeoutMs);
    if (ctx.json) {
      await printJson(ctx, status);
      return exitCodeOf(status);
    }
    for (
      const [member, out] of [["out-data", ctx.io.stdout], ["err-data", ctx.io.stderr]] as const
    ) {
      const data = status[member];
      if (typeof data === "string" && data !== "") await out.write(fromBase64(data));
    }
    for (const stream of ["out", "err"]) {
      if (status[`${stream}-truncated`] === true) {
        await warn(ctx, `exec: the agent truncated the program's std${stream}`);
      }
    }
    return exitCodeOf(status);
  },
};
