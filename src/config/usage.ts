/**
 * The `-h` / `--help` text, in qga-deno's own words. No client parses it; it lists every option
 * qemu-ga 7.2 accepts (same letters, same long names, same defaults) and qga-deno's own.
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
 * @param programName The name in the first line (the agent's `argv[0]` name, `qemu-ga`).
 * @param versionText The version lines (what `-V` prints, naming the profile).
 * @returns The whole text, ending in a newline.
 */
export function usageText(programName: string, versionText: string): string {
  return `Usage: ${programName} [-m METHOD -p PATH] [OPTION...]
qga-deno: a QEMU guest agent (the host's side speaks QMP to it over a channel).
${versionText}

Channel
  -m, --method=METHOD     virtio-serial (default), isa-serial, unix-listen or
                          vsock-listen
  -p, --path=PATH         the device or socket; vsock-listen takes CID:PORT,
                          unix-listen needs a path; default for virtio-serial:
                            ${DEFAULT_VIRTIO_PATH}
                          and for isa-serial: ${DEFAULT_SERIAL_PATH}
  -r, --retry-path        reopen the channel when it goes away (hot unplug,
                          driver reload) instead of exiting

Configuration and files
  -c, --config=PATH       config file (default ${DEFAULT_CONFIG_PATH},
                          or $QGA_CONF; a missing default file is ignored)
  -D, --dump-conf         print the effective configuration as a config file
  -l, --logfile=PATH      append the log here instead of stderr
  -f, --pidfile=PATH      pidfile written when daemonized
                          (default ${DEFAULT_PIDFILE})
  -t, --statedir=DIR      where the agent keeps its state (absolute; default
                          ${DEFAULT_STATEDIR})
  -d, --daemonize         run in the background
  -v, --verbose           log debugging detail too

Commands
  -b, --block-rpcs=LIST   disable these commands (comma-separated; 'help' lists
                          every command)
  -a, --allow-rpcs=LIST   enable only these commands (comma-separated)
  -F, --fsfreeze-hook[=PATH]
                          run a hook before freezing and after thawing file
                          systems (default ${DEFAULT_FSFREEZE_HOOK}); give the
                          path attached: -F/path/to/hook
      --freeze-timeout=SECONDS
                          thaw frozen file systems by itself after SECONDS
                          (default: never)
      --max-file-handles=N
                          at most N open guest-file handles (default ${DEFAULT_MAX_FILE_HANDLES})

Sandbox (the profile is fixed when the agent is built; these only narrow it)
      --profile=NAME      full, files or readonly; must match the built-in one
      --file-root=PATH[:ro]
                          confine guest-file-* beneath PATH (read-only with
                          :ro); repeatable; replaces the config's file-roots
                          and the default /var/lib/qga-deno/files
      --exec-allow=PROG[,PROG]
                          programs guest-exec may start (files profile; each
                          must be in the agent's built-in run grant)
      --print-policy      print what this agent may touch, and exit
      --json              with --print-policy: as JSON

  -V, --version           print the version and exit
  -h, --help              print this help and exit
`;
}
