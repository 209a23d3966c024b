/**
 * The client's help: global usage with the address forms, options, commands and exit codes,
 * and the usage of one command.
 *
 * @module
 */

import { optionHelp, type OptionSpec } from "./command_line.ts";
import { CLIENT_COMMANDS, type ClientCommand } from "./commands/mod.ts";

/** The environment variable that gives the address when `-s` does not (as qemu-ga-client's). */
export const ADDRESS_ENV = "QGA_CLIENT_ADDRESS";

/** The options every command accepts. */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  {
    name: "socket",
    short: "s",
    value: "ADDR",
    help: `the agent's address (default $${ADDRESS_ENV})`,
  },
  { name: "json", help: "print the agent's return value as JSON" },
  { name: "timeout", short: "t", value: "SECONDS", help: "wait this long for each reply" },
  {
    name: "sync-timeout",
    value: "SECONDS",
    help: "wait this long for the agent to answer the resync (default 5)",
  },
  { name: "help", short: "h", help: "show this help" },
];

const PROGRAM = "deno task client";

/** The global help text. */
export function usage(): string {
  const width = 36;
  const commandLines = CLIENT_COMMANDS.flatMap((c) => {
    const head = `  ${c.name} ${c.usage}`.trimEnd();
    return head.length < width
      ? [head.padEnd(width) + c.summary]
      : [head, " ".repeat(width) + c.summary];
  });
  return [
    `Usage: ${PROGRAM} [-s ADDR] [--json] [-t SECONDS] COMMAND [ARGS…]`,
    "",
    "Drives a QEMU guest agent (qga-deno, or any qemu-ga) from the host side of its channel.",
    "",
    "ADDR:",
    "  PATH, unix:PATH     a unix socket (QEMU -chardev socket,path=…; libvirt's channel socket)",
    "  tcp:HOST:PORT       a TCP socket (QEMU -chardev socket,host=…,port=…)",
    "  vsock:CID:PORT      an agent on vsock (-m vsock-listen -p CID:PORT); CID:PORT works too",
    "",
    "Commands:",
    ...commandLines,
    "",
    "Options:",
    ...optionHelp(GLOBAL_OPTIONS),
    "",
    "Exit status: 0 success; 1 the agent answered an error (its class and text are printed) or",
    "a check failed; 2 wrong usage; 3 no agent answered in time. exec exits with the guest",
    "program's status (128 + N when signal N ended it).",
    `'${PROGRAM} COMMAND --help' shows a command's options.`,
  ].join("\n") + "\n";
}

/** The help text of one command. */
export function commandUsage(command: ClientCommand): string {
  const lines = [
    `Usage: ${PROGRAM} [-s ADDR] ${command.name}${command.usage ? ` ${command.usage}` : ""}`,
    "",
    `${command.summary[0]!.toUpperCase()}${command.summary.slice(1)}.`,
  ];
  if (command.options?.length) lines.push("", "Options:", ...optionHelp(command.options));
  return lines.join("\n") + "\n";
}
