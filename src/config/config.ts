/**
 * The agent's effective configuration and its built-in defaults.
 *
 * Values come from the config file (`/etc/qemu/qemu-ga.conf` or `$QGA_CONF` or `-c PATH`) and
 * then the command line, exactly as qemu-ga 7.2 combines them; see `options.ts`.
 *
 * @module
 */

import type { ProfileName } from "./profile_name.ts";

/** The four transports qemu-ga knows. */
export type ChannelMethod = "virtio-serial" | "isa-serial" | "unix-listen" | "vsock-listen";

/** The effective configuration handed to the agent after option and config-file parsing. */
export interface AgentConfig {
  /** `-d` / `daemon=true`: fork into the background and write the pidfile. */
  daemonize: boolean;
  /** The transport (default `virtio-serial`). See also {@linkcode AgentConfig.unsupportedMethod}. */
  method: ChannelMethod;
  /**
   * Device or socket path (`<cid>:<port>` for vsock-listen). Defaults per method; empty when
   * {@linkcode AgentConfig.socketActivated} (the listening socket is then fd 3).
   */
  channelPath: string;
  /** `-l`: log file (append mode); `undefined` logs to stderr. */
  logfile?: string;
  /**
   * `-f`: pidfile, only written when daemonizing (default `/var/run/qemu-ga.pid`;
   * `/run/qga-deno/qemu-ga.pid` for the confined profiles).
   */
  pidfile: string;
  /** `-F[PATH]`: fsfreeze hook script; `undefined` means no hook. */
  fsfreezeHook?: string;
  /**
   * `-t`: directory of `qga.state` and `qga.state.isfrozen` (default `/var/run`; `/run/qga-deno`
   * for the confined profiles).
   */
  statedir: string;
  /** `-v` / `verbose=true`: log every level instead of only error and critical. */
  verbose: boolean;
  /** `-r`: keep retrying the channel instead of exiting when it is unavailable or closed. */
  retryPath: boolean;
  /**
   * `-b` / `block-rpcs`: commands to disable, in qemu-ga's order (config list first, then each
   * option; each comma-separated string is stored reversed). Entries are not validated.
   */
  blockRpcs: string[];
  /** `-a` / `allow-rpcs` (upstream 8.1, an extension over 7.2): same order rules; empty = all. */
  allowRpcs: string[];
  /** qga-deno extension `--freeze-timeout=SECONDS`: auto-thaw after that long; `undefined` = never. */
  freezeTimeoutSeconds?: number;
  /** qga-deno extension `--max-file-handles=N`: open guest-file handles allowed (default 1024). */
  maxFileHandles: number;
  /** The config file that was (or would have been) read: `-c`, else `$QGA_CONF`, else the default. */
  configFile: string;
  /** qga-deno: the profile (`--profile=NAME`, baked in at build time; default `full`). */
  profile: ProfileName;
  /** qga-deno: `--file-root=PATH[:ro]` values in order, else the config's `file-roots`. */
  fileRoots: string[];
  /** qga-deno: `--exec-allow=PROG[,PROG]` programs in order, else the config's `exec-allow`. */
  execAllow: string[];
  /** qga-deno: `--print-policy` (`text`) or `--print-policy --json` (`json`): print and exit. */
  printPolicy?: "text" | "json";
  /**
   * The method text when it is none of the four {@linkcode ChannelMethod}s. qemu-ga 7.2 accepts
   * any text here: `-D` prints it verbatim, and only opening the channel fails, logging
   * `unsupported channel method/type: <text>` then `failed to initialize guest agent channel`
   * (both critical) and exiting 1. When set, `method` is a meaningless placeholder.
   */
  unsupportedMethod?: string;
  /**
   * True when systemd socket activation applies (see `socket_activation.ts`): `method` was derived
   * from the socket on fd 3, `channelPath` is empty, and the caller must unset `LISTEN_PID`,
   * `LISTEN_FDS` and `LISTEN_FDNAMES` and mark fds 3.. close-on-exec, as qemu-ga does.
   */
  socketActivated?: boolean;
}

/** The four method names, in the order of qemu-ga's usage text. */
export const CHANNEL_METHODS: readonly ChannelMethod[] = [
  "unix-listen",
  "virtio-serial",
  "isa-serial",
  "vsock-listen",
];

/** Default config file (`<sysconfdir>/qemu/qemu-ga.conf`), overridden by `$QGA_CONF` or `-c`. */
export const DEFAULT_CONFIG_PATH = "/etc/qemu/qemu-ga.conf";
/** Default pidfile (`<localstatedir>/run/qemu-ga.pid`). */
export const DEFAULT_PIDFILE = "/var/run/qemu-ga.pid";
/** Default state directory (`<localstatedir>/run`). */
export const DEFAULT_STATEDIR = "/var/run";
/**
 * Default state directory of the confined profiles: a directory of their own, created at start
 * (0700) when missing, so that their sandbox grants one directory rather than all of `/run`.
 */
export const CONFINED_STATEDIR = "/run/qga-deno";
/** Default pidfile of the confined profiles (in {@link CONFINED_STATEDIR}). */
export const CONFINED_PIDFILE = "/run/qga-deno/qemu-ga.pid";
/** Hook used by a bare `-F` / `--fsfreeze-hook`. */
export const DEFAULT_FSFREEZE_HOOK = "/etc/qemu/fsfreeze-hook";
/** Default channel path for `virtio-serial`. */
export const DEFAULT_VIRTIO_PATH = "/dev/virtio-ports/org.qemu.guest_agent.0";
/** Default channel path for `isa-serial` (COM1). */
export const DEFAULT_SERIAL_PATH = "/dev/ttyS0";
/** Default of the `--max-file-handles` extension. */
export const DEFAULT_MAX_FILE_HANDLES = 1024;

/**
 * Tells whether a text is one of the four channel methods.
 *
 * @param text The method text from `-m` or `method=`.
 * @returns True for `virtio-serial`, `isa-serial`, `unix-listen` and `vsock-listen`.
 */
export function isChannelMethod(text: string): text is ChannelMethod {
  return (CHANNEL_METHODS as readonly string[]).includes(text);
}

/**
 * The channel path qemu-ga uses when none is configured.
 *
 * @param method The method text (any text, as qemu-ga does not validate it first).
 * @returns The default path, or `undefined` when the method has none (qemu-ga then fails with
 * `must specify a path for this channel`).
 */
export function defaultChannelPath(method: string): string | undefined {
  if (method === "virtio-serial") return DEFAULT_VIRTIO_PATH;
  if (method === "isa-serial") return DEFAULT_SERIAL_PATH;
  return undefined;
}
