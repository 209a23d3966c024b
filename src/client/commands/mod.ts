/**
 * The client's subcommands, in the order help lists them.
 *
 * @module
 */

import type { ClientCommand } from "./context.ts";
import { cat, cp } from "./cp.ts";
import { exec } from "./exec.ts";
import { freeze, freezeStatus, thaw, trim } from "./freeze.ts";
import { hostname, info, osinfo, ping, users } from "./host.ts";
import { shutdown, suspend } from "./power.ts";
import { raw } from "./raw.ts";
import { fs, net, vcpus } from "./system.ts";
import { time } from "./time.ts";

export type { ClientCommand, CommandContext } from "./context.ts";

/** Every subcommand, in help order. */
export const CLIENT_COMMANDS: readonly ClientCommand[] = [
  ping,
  info,
  osinfo,
  hostname,
  users,
  time,
  net,
  fs,
  vcpus,
  freeze,
  thaw,
  freezeStatus,
  trim,
  shutdown,
  suspend,
  exec,
  cp,
  cat,
  raw,
];

/** Looks a subcommand up by name. */
export function findClientCommand(name: string): ClientCommand | undefined {
  return CLIENT_COMMANDS.find((c) => c.name === name);
}
