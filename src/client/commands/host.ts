/**
 * Subcommands that show facts about the guest: `ping`, `info`, `osinfo`, `hostname`, `users`.
 *
 * @module
 */

import { keyValues, table, utcFromSeconds } from "../format.ts";
import { isObject, type Json, toNumber } from "../json.ts";
import {
  type ClientCommand,
  DEFAULT_TIMEOUT_MS,
  operands,
  print,
  printJson,
  show,
} from "./context.ts";

/** `ping`: the agent answers `guest-ping`. */
export const ping: ClientCommand = {
  name: "ping",
  usage: "",
  summary: "check that the agent answers",
  async run(ctx) {
    operands(ctx, 0);
    const session = await ctx.session();
    const start = performance.now();
    const value = await session.execute("guest-ping", undefined, ctx.timeout(DEFAULT_TIMEOUT_MS));
    const ms = performance.now() - start;
    if (ctx.json) await printJson(ctx, value);
    else await print(ctx, [`ok (${ms.toFixed(1)} ms)`]);
    return 0;
  },
};

/** The `guest-info` lines: version, counts, then a table of commands sorted by name. */
export function infoLines(value: Json): string[] {
  const info = isObject(value) ? value : {};
  const list = Array.isArray(info.supported_commands) ? info.supported_commands : [];
  const commands = list.filter(isObject).map((c) => ({
    name: String(c.name ?? "?"),
    enabled: c.enabled !== false,
    reply: c["success-response"] !== false,
  })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const enabled = commands.filter((c) => c.enabled).length;
  return [
    ...keyValues([
      ["version", String(info.version ?? "?")],
      ["commands", `${commands.length} (${enabled} enabled)`],
    ]),
    "",
    ...table(
      [{ header: "COMMAND" }, { header: "ENABLED" }, { header: "SUCCESS-REPLY" }],
      commands.map((c) => [c.name, c.enabled ? "yes" : "no", c.reply ? "yes" : "no"]),
    ),
  ];
}

/** `info`: the agent's version and its commands, enabled or not. */
export const info: ClientCommand = {
  name: "info",
  usage: "",
  summary: "agent version and commands (enabled or not)",
  run(ctx) {
    operands(ctx, 0);
    return show(ctx, "guest-info", infoLines);
  },
};

/** The order in which `osinfo` shows the members it knows (others follow). */
const OSINFO_ORDER = [
  "pretty-name",
  "name",
  "id",
  "version",
  "version-id",
  "variant",
  "variant-id",
  "kernel-release",
  "kernel-version",
  "machine",
];

/** The `guest-get-osinfo` lines: `key: value`, the well-known keys first. */
export function osinfoLines(value: Json): string[] {
  const os = isObject(value) ? value : {};
  const keys = [
    ...OSINFO_ORDER.filter((k) => k in os),
    ...Object.keys(os).filter((k) => !OSINFO_ORDER.includes(k)),
  ];
  return keyValues(keys.map((k) => [k, String(os[k])]));
}

/** `osinfo`: the guest's operating system. */
export const osinfo: ClientCommand = {
  name: "osinfo",
  usage: "",
  summary: "operating system and kernel",
  run(ctx) {
    operands(ctx, 0);
    return show(ctx, "guest-get-osinfo", osinfoLines);
  },
};

/** `hostname`: the guest's host name. */
export const hostname: ClientCommand = {
  name: "hostname",
  usage: "",
  summary: "the guest's host name",
  run(ctx) {
    operands(ctx, 0);
    return show(ctx, "guest-get-host-name", (v: Json) => [
      String(isObject(v) ? v["host-name"] : v),
    ]);
  },
};

/** The `guest-get-users` lines: a table of users and login times. */
export function usersLines(value: Json): string[] {
  const users = (Array.isArray(value) ? value : []).filter(isObject);
  if (users.length === 0) return ["no users logged in"];
  const domains = users.some((u) => u.domain !== undefined);
  const rows = users.map((u) => {
    const t = toNumber(u["login-time"]);
    const row = [String(u.user), t === undefined ? "?" : utcFromSeconds(t)];
    return domains ? [row[0]!, String(u.domain ?? ""), row[1]!] : row;
  });
  const columns = domains
    ? [{ header: "USER" }, { header: "DOMAIN" }, { header: "LOGIN (first)" }]
    : [{ header: "USER" }, { header: "LOGIN (first)" }];
  return table(columns, rows);
}

/** `users`: who is logged in to the guest. */
export const users: ClientCommand = {
  name: "users",
  usage: "",
  summary: "users logged in, with their first login time",
  run(ctx) {
    operands(ctx, 0);
    return show(ctx, "guest-get-users", usersLines);
  },
};
