/**
 * The `-h` / `--help` text: qemu-ga 7.2's usage text for Linux, with the options qga-deno adds
 * (upstream's `-c`/`--config` and `-a`/`--allow-rpcs`, and its own two long options) written
 * in the same style. Lines for options 7.2 has are unchanged.
 *
 * @module
 */

import {
  DEFAULT_CONFIG_PATH,
  DEFAULT_FSFREEZE_HOOK,
  DEFAULT_MAX_FILE_HANDLES,
  DEFAULT_PIDFILE,
  DEFAULT_SERIAL_PATH,
  DEFAULT_STATEDIR,
  DEFAULT_VIRTIO_PATH,
} from "./config.ts";

/**
 * Builds the usage text printed by `-h`.
 *
 * @param programName The name in the first line (qemu-ga prints its `argv[0]`).
 * @param versionText The version line (what `-V` prints).
 * @returns The whole text, ending in a newline.
 */
export function usageText(programName: string, versionText: string): string {
  return `Usage: ${programName} [-m <method> -p <path>] [<options>]
${versionText}
Copyright (c) 2003-2022 Fabrice Bellard and the QEMU Project developers

  -c, --config=PATH configuration file path (default is
                    ${DEFAULT_CONFIG_PATH}
                    unless overridden by the QGA_CONF environment variable)
  -m, --method      transport method: one of unix-listen, virtio-serial,
                    isa-serial, or vsock-listen (virtio-serial is the default)
  -p, --path        device/socket path (the default for virtio-serial is:
                    ${DEFAULT_VIRTIO_PATH},
                    the default for isa-serial is:
                    ${DEFAULT_SERIAL_PATH}).
                    Socket addresses for vsock-listen are written as
                    <cid>:<port>.
  -l, --logfile     set logfile path, logs to stderr by default
  -f, --pidfile     specify pidfile (default is ${DEFAULT_PIDFILE})
  -F, --fsfreeze-hook
                    enable fsfreeze hook. Accepts an optional argument that
                    specifies script to run on freeze/thaw. Script will be
                    called with 'freeze'/'thaw' arguments accordingly.
                    (default is ${DEFAULT_FSFREEZE_HOOK})
                    If using -F with an argument, do not follow -F with a
                    space.
                    (for example: -F/var/run/fsfreezehook.sh)
  -t, --statedir    specify dir to store state information (absolute paths
                    only, default is ${DEFAULT_STATEDIR})
  -v, --verbose     log extra debugging information
  -V, --version     print version information and exit
  -d, --daemonize   become a daemon
  -b, --block-rpcs  comma-separated list of RPCs to disable (no spaces,
                    use "help" to list available RPCs)
  -a, --allow-rpcs  comma-separated list of RPCs to enable (no spaces,
                    use "help" to list available RPCs)
  -D, --dump-conf   dump a qemu-ga config file based on current config
                    options / command-line parameters to stdout
  -r, --retry-path  attempt re-opening path if it's unavailable or closed
                    due to an error which may be recoverable in the future
                    (virtio-serial driver re-install, serial device hot
                    plug/unplug, etc.)
      --freeze-timeout=SECONDS
                    (qga-deno) thaw frozen filesystems automatically after
                    SECONDS (default: never)
      --max-file-handles=N
                    (qga-deno) maximum number of open guest-file handles
                    (default is ${DEFAULT_MAX_FILE_HANDLES})
  -h, --help        display this help and exit

See <https://qemu.org/contribute/report-a-bug> for how to report bugs.
More information on the QEMU project at <https://qemu.org>.
`;
}
