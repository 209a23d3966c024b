/**
 * Asks the live qemu-ga 7.2 (`/usr/sbin/qemu-ga`) one command with a given environment
 * (`QGA_OS_RELEASE`, `TZ`): for the host commands whose answers depend on the agent's
 * environment, which the shared oracle table cannot vary.
 *
 * @module
 */

import { AgentProcess, ORACLE_PATH, oracleArgv, REPO_ROOT } from "../../helpers/agent_process.ts";

/** True when qemu-ga 7.2 is installed here. */
export const ORACLE_INSTALLED: boolean = await Deno.stat(ORACLE_PATH).then(() => true, () => false);

/**
 * Starts qemu-ga with `env` added to (or, for `undefined` values, removed from) its
 * environment, sends `{"execute": command}` and returns the reply line without its newline.
 *
 * @param command The command (no arguments).
 * @param env Variables to set, or to remove when `undefined`.
 */
export async function askOracle(
  command: string,
  env: Record<string, string | undefined> = {},
): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "qga-host-oracle-" });
  const wrapper: string[] = ["env"];
  for (const [name, value] of Object.entries(env)) {
    wrapper.push(value === undefined ? `--unset=${name}` : `${name}=${value}`);
  }
  const socket = `${root}/qga.sock`;
  const agent = await AgentProcess.start({
    argv: [...wrapper, ...oracleArgv(socket, root)],
    socket,
    cwd: REPO_ROOT,
  });
  try {
    const client = await agent.connect();
    try {
      const { reply } = await client.exchange(`{"execute":"${command}"}\n`);
      return new TextDecoder().decode(reply).replace(/\n$/, "");
    } finally {
      await client.close();
    }
  } finally {
    await agent.stop();
    await Deno.remove(root, { recursive: true }).catch(() => {});
  }
}
