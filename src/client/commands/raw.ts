/**
 * `raw '{"execute": …}'` (or `raw COMMAND ['{ARGS}']`): sends a request as it is and prints
 * each reply's return value as JSON — for every command the other subcommands do not cover.
 * The replies are cut out of the stream with `guest-sync-delimited` after the request, so a
 * command without a success reply (guest-shutdown) and one with several replies both work.
 *
 * @module
 */

import { AgentError, ClientError, EXIT, UsageError } from "../errors.ts";
import { isObject, parseJson } from "../json.ts";
import { requestText } from "../session.ts";
import { type ClientCommand, DEFAULT_TIMEOUT_MS, operands, printJson, warn } from "./context.ts";

/**
 * The request text of `raw`'s operands.
 *
 * @param first A JSON request, or a command name.
 * @param args JSON arguments for a command name.
 * @returns The text to send.
 * @throws UsageError if the JSON does not parse.
 */
export function rawRequest(first: string, args?: string): string {
  if (first.trimStart().startsWith("{")) {
    if (args !== undefined) throw new UsageError("A JSON request takes no further operand");
    try {
      parseJson(first);
    } catch (error) {
      throw new UsageError(`The request is not JSON: ${(error as Error).message}`);
    }
    return first;
  }
  if (args === undefined) return requestText(first);
  let parsed;
  try {
    parsed = parseJson(args);
  } catch (error) {
    throw new UsageError(`The arguments are not JSON: ${(error as Error).message}`);
  }
  if (!isObject(parsed)) throw new UsageError("The arguments must be a JSON object");
  return requestText(first, parsed);
}

/** `raw`. */
export const raw: ClientCommand = {
  name: "raw",
  usage: "'{\"execute\": …}' | COMMAND ['{ARGS}']",
  summary: "send any request; print the return value as JSON",
  async run(ctx) {
    const [first, args] = operands(ctx, 1, 2);
    const text = rawRequest(first!, args);
    const session = await ctx.session();
    const timeoutMs = ctx.timeout(DEFAULT_TIMEOUT_MS);
    const { lines, complete } = await session.raw(text, timeoutMs);
    let failed: AgentError | undefined;
    for (const line of lines) {
      let reply;
      try {
        reply = parseJson(line);
      } catch {
        throw new ClientError(`The reply is not JSON: ${line.slice(0, 300)}`);
      }
      if (isObject(reply) && "return" in reply) await printJson(ctx, reply.return);
      else if (isObject(reply) && isObject(reply.error)) {
        failed = new AgentError(String(reply.error.class), String(reply.error.desc));
      } else await printJson(ctx, reply);
    }
    if (failed) throw failed;
    if (!complete && lines.length === 0) {
      throw new ClientError(
        `No reply from the agent at ${session.where} within ${timeoutMs / 1000} s`,
        EXIT.unreachable,
      );
    }
    if (lines.length === 0) await warn(ctx, "(the agent sent no reply)");
    return 0;
  },
};
