/**
 * The configuration qemu-ga 7.2 runs with when no option and no config file sets anything,
 * shared by the config tests.
 *
 * @module
 */

import type { AgentConfig } from "../../src/config/config.ts";

/** qemu-ga 7.2's defaults, as `parseCommandLine()` returns them for an empty command line. */
export const DEFAULT_CONFIG: AgentConfig = {
  daemonize: false,
  method: "virtio-serial",
  channelPath: "/dev/virtio-ports/org.qemu.guest_agent.0",
  pidfile: "/var/run/qemu-ga.pid",
  statedir: "/var/run",
  verbose: false,
  retryPath: false,
  blockRpcs: [],
  allowRpcs: [],
  maxFileHandles: 1024,
  configFile: "/etc/qemu/qemu-ga.conf",
  profile: "full",
  fileRoots: [],
  execAllow: [],
};
