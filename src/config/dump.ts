/**
 * `-D` / `--dump-conf`: the effective configuration as a key file, byte-identical to qemu-ga
 * 7.2's `config_dump()` (GLib `g_key_file_to_data` output).
 *
 * One addition: an `allow-rpcs=` line (as upstream 8.1+ prints it) but only when the allow list
 * is non-empty, so every configuration 7.2 can express dumps exactly as 7.2 dumps it. The
 * qga-deno-only settings (`--freeze-timeout`, `--max-file-handles`) have no config key and are
 * not dumped.
 *
 * @module
 */

import type { AgentConfig } from "./config.ts";
import { escapeKeyFileValue } from "../sys/key_file.ts";

/**
 * Renders the configuration the way `qemu-ga -D` prints it.
 *
 * @param config The effective configuration (after defaults were applied).
 * @returns The key-file text, every line ending in `\n`.
 *
 * @example Defaults
 * ```ts
 * import { dumpConfig } from "./dump.ts";
 * dumpConfig({
 *   daemonize: false, method: "virtio-serial",
 *   channelPath: "/dev/virtio-ports/org.qemu.guest_agent.0", pidfile: "/var/run/qemu-ga.pid",
 *   statedir: "/var/run", verbose: false, retryPath: false, blockRpcs: [], allowRpcs: [],
 *   maxFileHandles: 1024, configFile: "/etc/qemu/qemu-ga.conf", profile: "full",
 *   fileRoots: [], execAllow: [],
 * }); // "[general]\ndaemon=false\nmethod=virtio-serial\npath=/dev/virtio-ports/..."
 * ```
 */
export function dumpConfig(config: AgentConfig): string {
  const lines = ["[general]", `daemon=${config.daemonize}`];
  const text = (key: string, value: string) => lines.push(`${key}=${escapeKeyFileValue(value)}`);
  text("method", config.unsupportedMethod ?? config.method);
  if (!config.socketActivated) text("path", config.channelPath);
  if (config.logfile !== undefined) text("logfile", config.logfile);
  text("pidfile", config.pidfile);
  if (config.fsfreezeHook !== undefined) text("fsfreeze-hook", config.fsfreezeHook);
  text("statedir", config.statedir);
  lines.push(`verbose=${config.verbose}`, `retry-path=${config.retryPath}`);
  text("block-rpcs", config.blockRpcs.join(","));
  if (config.allowRpcs.length > 0) text("allow-rpcs", config.allowRpcs.join(","));
  return lines.join("\n") + "\n";
}
