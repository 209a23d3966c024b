/**
 * Runs Debian's qemu-ga 7.2 (the oracle) for differential tests of the read-only commands
 * `guest-network-get-interfaces` and `guest-get-vcpus` — nothing else is ever sent to it.
 *
 * The oracle can run in fresh namespaces (`unshare`, needs root): a mount namespace where a
 * fixture tree is bind-mounted over `/sys/devices/system/cpu`, or a network namespace set up by
 * shell commands with interfaces whose addresses and MACs are fixed. Our side of the comparison
 * runs in the same network namespace through `nsenter` + `netns_probe.ts`.
 *
 * @module
 */

import { AgentProcess, ORACLE_PATH, oracleArgv } from "../../helpers/agent_process.ts";

export { normalizeCounters, ourReply } from "./reply_line.ts";

/** True when the oracle binary is installed. */
export const ORACLE_INSTALLED: boolean = await Deno.stat(ORACLE_PATH).then(() => true, () => false);

/** True when this process may create mount and network namespaces (root with `unshare`). */
export const CAN_UNSHARE: boolean = ORACLE_INSTALLED &&
  await new Deno.Command("unshare", { args: ["-mn", "true"], stdout: "null", stderr: "null" })
    .output().then((o) => o.success, () => false);

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Options of {@link startOracle}. */
export interface OracleOptions {
  /** `unshare` flags such as `-m` or `-n`; absent: run on the host as is. */
  unshare?: string[];
  /** Shell commands run (with `sh -e`) inside the namespaces before qemu-ga is exec'd. */
  setup?: string[];
}

/** A running oracle. */
export interface Oracle {
  /** Process id (also the namespaces' owner, for `nsenter -t`). */
  readonly pid: number;
  /** Sends one request line and returns the reply line without its `\n`. */
  ask(request: string): Promise<string>;
  /** Stops the oracle and removes its directory. */
  stop(): Promise<void>;
}

/**
 * Starts the oracle on a unix socket in a fresh temporary directory.
 *
 * @param options Namespaces and their setup.
 * @returns The running oracle.
 */
export async function startOracle(options: OracleOptions = {}): Promise<Oracle> {
  const dir = await Deno.makeTempDir({ prefix: "qga-oracle-net-" });
  await Deno.mkdir(`${dir}/state`);
  await Deno.writeTextFile(`${dir}/empty.conf`, "");
  const socket = `${dir}/qga.sock`;
  let argv = oracleArgv(socket, `${dir}/state`);
  if (options.unshare) {
    const script = [...(options.setup ?? []), 'exec "$@"'].join("\n");
    argv = ["unshare", ...options.unshare, "sh", "-ec", script, "sh", ...argv];
  }
  let agent: AgentProcess;
  try {
    agent = await AgentProcess.start({ argv, socket, env: { QGA_CONF: `${dir}/empty.conf` } });
  } catch (e) {
    await Deno.remove(dir, { recursive: true });
    throw e;
  }
  return {
    pid: agent.pid,
    async ask(request: string): Promise<string> {
      const conn = await Deno.connect({ transport: "unix", path: socket });
      try {
        await conn.write(enc.encode(request + "\n"));
        let text = "";
        const buf = new Uint8Array(65536);
        while (!text.endsWith("\n")) {
          const n = await conn.read(buf);
          if (n === null) throw new Error(`oracle closed the connection: ${agent.output()}`);
          text += dec.decode(buf.subarray(0, n), { stream: true });
        }
        return text.slice(0, -1);
      } finally {
        conn.close();
      }
    },
    async stop(): Promise<void> {
      await agent.stop();
      await Deno.remove(dir, { recursive: true });
    },
  };
}
