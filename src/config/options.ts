/**
 * qemu-ga's command line and config file combined into an {@linkcode AgentConfig}, or the
 * exact output and exit status qemu-ga 7.2 produces instead (version, `-D`, errors; the help
 * text is qga-deno's own, `usage.ts`).
 *
 * Order, as in qemu-ga: the config file is loaded first (its errors win over option errors, and
 * its warnings are printed first); then options are applied left to right, so `-V`, `-h` and
 * `-b help` exit as soon as they are reached and the first bad option exits with status 1;
 * then defaults, socket activation and the default channel path are applied; then `-D` dumps.
 *
 * Extensions over 7.2: from upstream, `-c PATH` / `--config=PATH` (the file must exist; the
 * last one wins; it is found before the file is loaded, as upstream's first pass does), `-a` /
 * `--allow-rpcs` and config key `allow-rpcs`; qga-deno's own long-only `--freeze-timeout=SECONDS`,
 * `--max-file-handles=N`, and the sandbox's `--profile=NAME` (the first one, baked in at build
 * time, fixes the profile; a later different one is an error, as is a config `profile` key that
 * differs), `--file-root=PATH[:ro]` and `--exec-allow=PROG[,PROG]` (repeatable; they replace the
 * config's `file-roots` / `exec-allow`), `--print-policy [--json]`. `-V` adds the profile to its
 * second line.
 *
 * @module
 */

import {
  type AgentConfig,
  type ChannelMethod,
  CONFINED_PIDFILE,
  CONFINED_STATEDIR,
  DEFAULT_CONFIG_PATH,
  DEFAULT_FSFREEZE_HOOK,
  DEFAULT_MAX_FILE_HANDLES,
  DEFAULT_PIDFILE,
  DEFAULT_STATEDIR,
  defaultChannelPath,
  isChannelMethod,
} from "./config.ts";
import { type ConfigFileValues, loadConfigFile, splitList } from "./config_file.ts";
import { dumpConfig } from "./dump.ts";
import { getoptLong, type GetoptSpec } from "./getopt.ts";
import { formatGlibMessage } from "./glib_log.ts";
import { isProfileName, PROFILE_NAMES, type ProfileName } from "./profile_name.ts";
import { socketActivationFds, UNSUPPORTED_LISTEN_FD } from "./socket_activation.ts";
import { usageText } from "./usage.ts";

/** The name printed in getopt messages and the usage text. */
export const PROGRAM_NAME = "qemu-ga";

/** The getopt grammar: upstream qemu-ga's options, 7.2's `--blacklist`, qga-deno's two. */
export const OPTION_SPEC: GetoptSpec = {
  programName: PROGRAM_NAME,
  // `s:` is Windows' --service; on Linux qemu-ga accepts `-s ARG` and ignores it.
  shortOptions: "hVvdc:m:p:l:f:F::b:a:s:t:Dr",
  // Upstream's table order (it orders ambiguity messages), with 7.2's --blacklist alias.
  longOptions: [
    { name: "help", hasArg: "none", key: "h" },
    { name: "version", hasArg: "none", key: "V" },
    { name: "config", hasArg: "required", key: "c" },
    { name: "dump-conf", hasArg: "none", key: "D" },
    { name: "logfile", hasArg: "required", key: "l" },
    { name: "pidfile", hasArg: "required", key: "f" },
    { name: "fsfreeze-hook", hasArg: "optional", key: "F" },
    { name: "verbose", hasArg: "none", key: "v" },
    { name: "method", hasArg: "required", key: "m" },
    { name: "path", hasArg: "required", key: "p" },
    { name: "daemonize", hasArg: "none", key: "d" },
    { name: "block-rpcs", hasArg: "required", key: "b" },
    { name: "blacklist", hasArg: "required", key: "b" },
    { name: "allow-rpcs", hasArg: "required", key: "a" },
    { name: "statedir", hasArg: "required", key: "t" },
    { name: "retry-path", hasArg: "none", key: "r" },
  ],
  extensionOptions: [
    { name: "freeze-timeout", hasArg: "required", key: "freeze-timeout" },
    { name: "max-file-handles", hasArg: "required", key: "max-file-handles" },
    { name: "profile", hasArg: "required", key: "profile" },
    { name: "file-root", hasArg: "required", key: "file-root" },
    { name: "exec-allow", hasArg: "required", key: "exec-allow" },
    { name: "print-policy", hasArg: "none", key: "print-policy" },
    { name: "json", hasArg: "none", key: "json" },
  ],
};

/** What {@linkcode parseCommandLine} may consult; everything else it computes itself. */
export interface ParseEnvironment {
  /** Reads an environment variable (`QGA_CONF`, and `LISTEN_*` for socket activation). */
  env(name: string): string | undefined;
  /** Reads the config file; throws `Deno.errors.NotFound` etc. (see `deno_environment.ts`). */
  readTextFile(path: string): string;
  /** Every registered command, in registration order, for `-b help` / `-a help`. */
  commandNames: readonly string[];
  /**
   * What `-V` prints (without the final newline) for a profile, e.g. `QEMU Guest Agent 7.2.22`
   * then qga-deno's own line naming the profile.
   */
  versionText(profile: ProfileName): string;
  /** Process id shown in GLib-format messages and compared with `LISTEN_PID` (default: own). */
  pid?: number;
  /** The clock for GLib-format message timestamps (default: now). */
  now?(): Date;
  /**
   * The channel method of the socket on fd 3 (`undefined` for an unsupported family). Socket
   * activation is only checked when this is given.
   */
  listenSocketMethod?(): "unix-listen" | "vsock-listen" | undefined;
}

/** Either a configuration to run with (plus messages for stderr), or output and exit status. */
export type ParseOutcome =
  | { kind: "run"; config: AgentConfig; stderr: string }
  | { kind: "exit"; code: number; stdout: string; stderr: string };

const UNKNOWN_OPTION = `Unknown option, try '${PROGRAM_NAME} --help' for more information.\n`;
const NO_PATH = "must specify a path for this channel";
const MAX_INTEGER = 2147483647;

/** The settings while options are read: a config file's, with the flags always set. */
interface Draft extends ConfigFileValues {
  daemonize: boolean;
  verbose: boolean;
  retryPath: boolean;
  dump: boolean;
  freezeTimeoutSeconds?: number;
  maxFileHandles: number;
  /** The first `--profile` (the one baked in). */
  commandLineProfile?: ProfileName;
  commandLineRoots: string[];
  commandLineExec: string[];
  printPolicy: boolean;
  json: boolean;
}

/**
 * Parses qemu-ga's command line (and its config file) the way qemu-ga 7.2 does.
 *
 * @param argv The arguments after the program name. A leading `--` is dropped first, because
 * `deno task start -- -m x` passes a literal `--` ahead of the real arguments (after the baked
 * `--profile=NAME` of `deno task start:files`); any later `--` ends the options as usual.
 * @param environment Access to the environment, the config file, command names and version.
 * @returns `run` with the configuration, or `exit` with what to print and the exit status.
 */
export function parseCommandLine(
  argv: readonly string[],
  environment: ParseEnvironment,
): ParseOutcome {
  const args = withoutTaskSeparator(argv);
  const pid = environment.pid ?? Deno.pid;
  const critical = (message: string) =>
    formatGlibMessage("critical", message, { pid, now: environment.now?.() ?? new Date() });
  const events = getoptLong(args, OPTION_SPEC);

  let configPath: string | undefined;
  for (const event of events) {
    if (event.kind === "option" && event.key === "c") configPath = event.arg;
  }
  const configFile = configPath ?? environment.env("QGA_CONF") ?? DEFAULT_CONFIG_PATH;
  const loaded = loadConfigFile(
    configFile,
    { required: configPath !== undefined, readTextFile: (path) => environment.readTextFile(path) },
  );
  const stderr = loaded.messages.map(({ level, message, domain }) =>
    formatGlibMessage(level, message, {
      pid,
      now: environment.now?.() ?? new Date(),
      ...(domain === undefined ? {} : { domain }),
    })
  ).join("");
  const exit = (code: number, stdout: string, more = ""): ParseOutcome => ({
    kind: "exit",
    code,
    stdout,
    stderr: stderr + more,
  });
  if (loaded.failed) return exit(1, "");

  const file = loaded.values;
  const draft: Draft = {
    ...file,
    daemonize: file.daemonize ?? false,
    verbose: file.verbose ?? false,
    retryPath: file.retryPath ?? false,
    dump: false,
    maxFileHandles: DEFAULT_MAX_FILE_HANDLES,
    commandLineRoots: [],
    commandLineExec: [],
    printPolicy: false,
    json: false,
  };

  for (const event of events) {
    if (event.kind === "error") return exit(1, UNKNOWN_OPTION, event.message);
    const arg = event.arg ?? "";
    switch (event.key) {
      case "h":
        return exit(0, usageText(PROGRAM_NAME, environment.versionText(profileSoFar(draft))));
      case "V":
        return exit(0, `${environment.versionText(profileSoFar(draft))}\n`);
      case "b":
      case "a":
        if (arg === "help" || arg === "?") {
          return exit(0, environment.commandNames.map((name) => `${name}\n`).join(""));
        }
        (event.key === "b" ? draft.blockRpcs : draft.allowRpcs).push(...splitList(arg));
        break;
      case "freeze-timeout":
      case "max-file-handles": {
        const value = /^[0-9]+$/.test(arg) ? Number(arg) : 0;
        if (value < 1 || value > MAX_INTEGER) {
          return exit(
            1,
            "",
            `${PROGRAM_NAME}: option '--${event.key}' expects a whole number from 1 to ` +
              `${MAX_INTEGER}, not '${arg}'\n`,
          );
        }
        if (event.key === "freeze-timeout") draft.freezeTimeoutSeconds = value;
        else draft.maxFileHandles = value;
        break;
      }
      case "profile": {
        const problem = profileProblem(draft.commandLineProfile, arg);
        if (problem !== undefined) return exit(1, "", `${PROGRAM_NAME}: ${problem}\n`);
        draft.commandLineProfile = arg as ProfileName;
        break;
      }
      case "file-root":
        draft.commandLineRoots.push(arg);
        break;
      case "exec-allow":
        draft.commandLineExec.push(...arg.split(",").filter((p) => p !== ""));
        break;
      case "print-policy":
        draft.printPolicy = true;
        break;
      case "json":
        draft.json = true;
        break;
      default:
        applySimpleOption(draft, event.key, event.arg);
    }
  }

  const methodText = draft.method ?? "virtio-serial";
  let method: ChannelMethod | undefined = isChannelMethod(methodText) ? methodText : undefined;
  let channelPath = draft.channelPath;
  let socketActivated = false;
  if (environment.listenSocketMethod) {
    const activation = socketActivationFds((name) => environment.env(name), pid);
    if (typeof activation === "object") return exit(1, "", critical(activation.error));
    if (activation !== "none") {
      method = environment.listenSocketMethod();
      if (method === undefined) return exit(1, "", critical(UNSUPPORTED_LISTEN_FD));
      socketActivated = true;
      channelPath = "";
    }
  }
  channelPath ??= defaultChannelPath(methodText);
  if (channelPath === undefined) return exit(1, "", critical(NO_PATH));

  const profile = draft.commandLineProfile ?? "full";
  if (draft.profile !== undefined && draft.profile !== profile) {
    return exit(
      1,
      "",
      `${PROGRAM_NAME}: the config file names profile '${draft.profile}', but this agent is ` +
        `built for '${profile}'; the config can narrow a profile, never change it\n`,
    );
  }
  if (draft.json && !draft.printPolicy) {
    return exit(1, "", `${PROGRAM_NAME}: option '--json' goes with '--print-policy'\n`);
  }
  const config: AgentConfig = {
    daemonize: draft.daemonize,
    method: method ?? "virtio-serial",
    channelPath,
    pidfile: draft.pidfile ?? (profile === "full" ? DEFAULT_PIDFILE : CONFINED_PIDFILE),
    statedir: draft.statedir ?? (profile === "full" ? DEFAULT_STATEDIR : CONFINED_STATEDIR),
    verbose: draft.verbose,
    retryPath: draft.retryPath,
    blockRpcs: draft.blockRpcs,
    allowRpcs: draft.allowRpcs,
    maxFileHandles: draft.maxFileHandles,
    configFile,
    profile,
    fileRoots: draft.commandLineRoots.length > 0 ? draft.commandLineRoots : draft.fileRoots,
    execAllow: draft.commandLineExec.length > 0 ? draft.commandLineExec : draft.execAllow,
  };
  if (draft.printPolicy) config.printPolicy = draft.json ? "json" : "text";
  if (draft.logfile !== undefined) config.logfile = draft.logfile;
  if (draft.fsfreezeHook !== undefined) config.fsfreezeHook = draft.fsfreezeHook;
  if (draft.freezeTimeoutSeconds !== undefined) {
    config.freezeTimeoutSeconds = draft.freezeTimeoutSeconds;
  }
  if (method === undefined) config.unsupportedMethod = methodText;
  if (socketActivated) config.socketActivated = true;
  if (draft.dump) return exit(0, dumpConfig(config));
  return { kind: "run", config, stderr };
}

/** The profile given so far (the baked-in `--profile` comes first), else `full`. */
function profileSoFar(draft: Draft): ProfileName {
  return draft.commandLineProfile ?? "full";
}

/**
 * `argv` without the literal `--` that `deno task NAME -- …` puts in front of the arguments
 * given to the task: first, or right after the task's own baked `--profile=NAME`.
 */
function withoutTaskSeparator(argv: readonly string[]): readonly string[] {
  if (argv[0] === "--") return argv.slice(1);
  if (argv[0]?.startsWith("--profile=") && argv[1] === "--") return [argv[0], ...argv.slice(2)];
  return argv;
}

/**
 * Why `--profile=<text>` cannot be taken, or `undefined`: the first `--profile` (baked in when
 * the agent is built) fixes the profile; a later one may only repeat it.
 */
function profileProblem(current: ProfileName | undefined, text: string): string | undefined {
  if (!isProfileName(text)) {
    return `unknown profile '${text}' (profiles: ${PROFILE_NAMES.join(", ")})`;
  }
  if (current !== undefined && current !== text) {
    return `this agent is built for profile '${current}'; '--profile=${text}' cannot change it`;
  }
  return undefined;
}

/** Applies an option that only sets a field (`c` was handled before loading the file). */
function applySimpleOption(draft: Draft, key: string, arg: string | undefined): void {
  const value = arg ?? "";
  switch (key) {
    case "m":
      draft.method = value;
      break;
    case "p":
      draft.channelPath = value;
      break;
    case "l":
      draft.logfile = value;
      break;
    case "f":
      draft.pidfile = value;
      break;
    case "F":
      draft.fsfreezeHook = arg ?? DEFAULT_FSFREEZE_HOOK;
      break;
    case "t":
      draft.statedir = value;
      break;
    case "v":
      draft.verbose = true;
      break;
    case "d":
      draft.daemonize = true;
      break;
    case "D":
      draft.dump = true;
      break;
    case "r":
      draft.retryPath = true;
      break;
  }
}
