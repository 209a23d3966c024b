/**
 * The agent under test as a guest process: its pid (`/run/agent-test.pid`, written by
 * `guest/start_agent.sh`), whether it is alive, its command line, and restarting it — with its
 * defaults, or with another start command (a confined profile's flags, `checks_profiles.ts`).
 *
 * @module
 */

import { AgentClient } from "./agent_client.ts";
import type { CheckContext } from "./check_kit.ts";
import type { GuestShell } from "./guest_shell.ts";

/** The guest command that starts the agent under test with its defaults. */
export const START_DEFAULT = "/etc/vm/start_agent.sh test";

/** The pid of the agent under test in the guest. */
export async function agentPid(shell: GuestShell): Promise<number> {
  return Number((await shell.check("cat /run/agent-test.pid")).trim());
}

/** The command line of the agent under test (`/proc/<pid>/cmdline`), one entry per argument. */
export async function agentCommandLine(shell: GuestShell): Promise<string[]> {
  const r = await shell.run("tr '\\0' '\\n' < /proc/$(cat /run/agent-test.pid)/cmdline", {
    timeoutS: 5,
  });
  return r.code === 0 ? r.output.split("\n").filter((a) => a !== "") : [];
}

/**
 * Kills (SIGKILL) and restarts the agent under test in the guest, then reconnects and
 * resynchronises.
 *
 * @param ctx The check context (its `agent` is replaced by a fresh connection).
 * @param start The guest command that starts it (default {@link START_DEFAULT}).
 */
export async function restartAgent(ctx: CheckContext, start = START_DEFAULT): Promise<void> {
  await ctx.shell.check(
    "pid=$(cat /run/agent-test.pid); kill -9 $pid 2>/dev/null; " +
      "i=0; while [ -e /proc/$pid ] && [ $i -lt 50 ]; do usleep 100000; i=$((i+1)); done; " +
      start,
  );
  await ctx.agent.close();
  ctx.agent = await AgentClient.connect(ctx.vm.testSocket);
  await ctx.agent.resync(60_000, 1000);
}

/** Whether the agent under test's process is alive in the guest. */
export async function agentAlive(shell: GuestShell): Promise<boolean> {
  const r = await shell.run("kill -0 $(cat /run/agent-test.pid)", { timeoutS: 5 });
  return r.code === 0;
}
