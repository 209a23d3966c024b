/**
 * Process-level wiring of the agent: options and config, the inspector-signal guard, memory
 * tuning (`memory.ts`), the profile's policy (`--print-policy`, the sandbox, guest files and
 * guest-exec confined: `policy_start.ts`), log destination, daemonizing and the pidfile
 * (`daemon.ts`), socket activation, signals, and the {@link Agent} itself.
 *
 * Order: parse; decide the policy (a configuration that would widen the profile ends here);
 * `--print-policy` prints and exits; a `-d` launcher spawns the daemon and exits; the serving
 * process enters the sandbox (re-executing itself once, see `sandbox.ts`), marks inherited
 * descriptors close-on-exec, finishes daemonizing, opens the roots, and runs the agent.
 *
 * @module
 */

import { channelFromListenFd, listenFdMethod, openChannel } from "../channel/channel.ts";
import { denoParseEnvironment } from "../config/deno_environment.ts";
import { parseCommandLine, type ParseOutcome } from "../config/options.ts";
import type { AgentConfig } from "../config/config.ts";
import { COMMANDS } from "../schema/schema.ts";
import { guardAgainstInspectorSignal } from "../sys/inspector_guard.ts";
import { linuxSys } from "../sys/linux.ts";
import { errorText } from "../sys/os_error.ts";
import { syslogInfo } from "../sys/syslog.ts";
import { Agent } from "./agent.ts";
import { daemonize, daemonLauncherPid } from "./daemon.ts";
import { fixMallocThresholds } from "./memory.ts";
import { removePidfile, writeDeferredPidfile } from "./pidfile.ts";
import { Logger, writerSink } from "./log.ts";
import { openLogSink } from "./log_file.ts";
import {
  decideStartPolicy,
  enterStartSandbox,
  isSandboxReexecution,
  policyNotes,
  printPolicy,
  profileSys,
} from "./policy_start.ts";
import { markInheritedDescriptorsCloseOnExec } from "./sandbox.ts";
import { versionText } from "../config/version.ts";

/** The first file descriptor systemd passes (`SD_LISTEN_FDS_START`). */
const LISTEN_FD = 3;

const encoder = new TextEncoder();

function writeAll(stream: { writeSync(p: Uint8Array): number }, text: string): void {
  const bytes = encoder.encode(text);
  let off = 0;
  while (off < bytes.length) off += stream.writeSync(bytes.subarray(off));
}

/**
 * Parses the command line of this process (a leading `--` from `deno task` is dropped). `pid` is
 * the pid socket activation (`LISTEN_PID`) must name: the launcher's in a re-executed daemon.
 */
export function parseProcessArgs(args: readonly string[], pid: number = Deno.pid): ParseOutcome {
  return parseCommandLine(args, {
    ...denoParseEnvironment({
      commandNames: COMMANDS.map((c) => c.name),
      versionText,
      listenSocketMethod: () => listenFdMethod(LISTEN_FD),
    }),
    pid,
  });
}

function openLogFile(config: AgentConfig, log: Logger): boolean {
  if (config.logfile === undefined) return true;
  try {
    log.setSink(openLogSink(config.logfile));
    return true;
  } catch (error) {
    log.critical(`unable to open specified log file: ${errorText(error)}`);
    return false;
  }
}

/** Runs the agent for `args` (normally `Deno.args`); resolves to the process exit status. */
export async function runAgent(args: readonly string[]): Promise<number> {
  guardAgainstInspectorSignal();
  fixMallocThresholds();
  // A re-executed daemon (daemon.ts) parses as its launcher did, whose warnings are printed.
  const launcherPid = daemonLauncherPid();
  const outcome = parseProcessArgs(args, launcherPid ?? Deno.pid);
  if (outcome.kind === "exit") {
    if (outcome.stdout) writeAll(Deno.stdout, outcome.stdout);
    if (outcome.stderr) writeAll(Deno.stderr, outcome.stderr);
    return outcome.code;
  }
  const config = outcome.config;
  const log = new Logger(writerSink(Deno.stderr), config.verbose);
  log.setAuditSink(syslogInfo);
  const reexecuted = isSandboxReexecution(config, log);
  if (reexecuted === 1) return 1;
  if (outcome.stderr && launcherPid === undefined && !reexecuted) {
    writeAll(Deno.stderr, outcome.stderr);
  }
  const policy = decideStartPolicy(config, log);
  if (policy === 1) return 1;
  if (config.printPolicy) {
    printPolicy(policy, config.printPolicy);
    return 0;
  }
  const sandbox = enterStartSandbox(policy, config, log);
  if (sandbox === 1) return 1;
  if (config.daemonize) {
    const status = daemonize(config, log);
    if (status !== undefined) return status;
  }
  // The serving process: children it starts inherit none of its descriptors (fd 3 included).
  markInheritedDescriptorsCloseOnExec();
  const { options, notes } = profileSys(policy, config);
  if (config.socketActivated) {
    for (const name of ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"]) Deno.env.delete(name);
  }
  const agent = new Agent({
    config,
    log,
    sys: linuxSys("/", options),
    openChannel: () => {
      if (config.unsupportedMethod !== undefined) {
        return Promise.reject(
          new Error(`unsupported channel method/type: ${config.unsupportedMethod}`),
        );
      }
      if (config.socketActivated) return Promise.resolve(channelFromListenFd(LISTEN_FD));
      return openChannel(config.method, config.channelPath);
    },
    openLogFile: () => openLogFile(config, log),
    onLeaveFrozen: () => writeDeferredPidfile(log),
    unavailable: policy.disabled,
    startupNotes: [
      ...policyNotes(policy, sandbox === "launcher" ? { kind: "none" } : sandbox),
      ...notes,
    ],
  });
  const onSignal = (name: Deno.Signal) => () => agent.requestStop(name);
  const handlers = (["SIGTERM", "SIGINT"] as const).map((s) => [s, onSignal(s)] as const);
  for (const [signal, handler] of handlers) Deno.addSignalListener(signal, handler);
  try {
    return await agent.run();
  } finally {
    for (const [signal, handler] of handlers) Deno.removeSignalListener(signal, handler);
    removePidfile();
  }
}
