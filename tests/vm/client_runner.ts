/**
 * How the VM checks run the host-side client against the agent under test: with the port free
 * (the suite's own connection closed first, reconnected and resynchronised after), in-process or
 * as `deno task client` (its own permission set), with the exit code checked.
 *
 * @module
 */

import { AgentClient } from "./agent_client.ts";
import { type CheckContext, CheckFailure } from "./check_kit.ts";
import { type ClientResult, runClient, runClientTask } from "../client/harness.ts";

/** A client run against the agent under test: in-process, or as `deno task client` does. */
export type Client = (
  args: string[],
  options?: { task?: boolean; code?: number | "any" },
) => Promise<ClientResult>;

/**
 * Runs `body` with the port free for the client, then reconnects the suite's own client.
 *
 * @param ctx The check's context.
 * @param body The check, given a way to run the client (expects exit code 0 unless told).
 */
export async function withClient(
  ctx: CheckContext,
  body: (client: Client) => Promise<void>,
): Promise<void> {
  await ctx.agent.close();
  const client: Client = async (args, options = {}) => {
    const argv = ["-s", ctx.vm.testSocket, "--sync-timeout", "30", ...args];
    const result = options.task
      ? await runClientTask(argv, { timeoutMs: 600_000 })
      : await runClient(argv);
    const code = options.code ?? 0;
    if (code !== "any" && result.code !== code) {
      throw new CheckFailure(
        `client ${args.join(" ")}: exit ${result.code}, expected ${code}\n` +
          `stdout: ${result.stdout.slice(0, 2000)}\nstderr: ${result.stderr.slice(0, 2000)}`,
      );
    }
    return result;
  };
  try {
    await body(client);
  } finally {
    ctx.agent = await AgentClient.connect(ctx.vm.testSocket);
    await ctx.agent.resync(60_000, 1000);
  }
}

/** Hex SHA-256 of bytes. */
export async function sha256(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
