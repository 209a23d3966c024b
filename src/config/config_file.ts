/**
 * Loading qemu-ga's config file (`[general]` group of a GLib key file), as 7.2's
 * `config_load()` does it, plus upstream's `allow-rpcs` key.
 *
 * Keys are read in 7.2's order: `daemon`, `method`, `path`, `logfile`, `pidfile`,
 * `fsfreeze-hook`, `statedir`, `verbose`, `retry-path`, then `blacklist` (deprecated; when present
 * it replaces `block-rpcs`, with a warning), `block-rpcs`, `allow-rpcs`, and qga-deno's own
 * `profile`, `file-roots`, `exec-allow` (which can only narrow the profile). Like qemu-ga, every read
 * shares one `GError`: after the first bad value each further bad value adds GLib's
 * "GError set over the top of a previous GError" warning, and the first error is reported.
 * A missing file is ignored unless it was named with `-c`.
 *
 * @module
 */

import type { GlibLevel } from "./glib_log.ts";
import { errorText } from "../sys/os_error.ts";
import { keyFileBoolean, keyFileString, parseKeyFile } from "../sys/key_file.ts";

/** The settings found in a config file; absent keys stay `undefined`. */
export interface ConfigFileValues {
  daemonize?: boolean;
  method?: string;
  channelPath?: string;
  logfile?: string;
  pidfile?: string;
  fsfreezeHook?: string;
  statedir?: string;
  verbose?: boolean;
  retryPath?: boolean;
  blockRpcs: string[];
  allowRpcs: string[];
  /** qga-deno: `profile` (must name the profile the agent was built with). */
  profile?: string;
  /** qga-deno: `file-roots` (`PATH[:ro]`, comma-separated, in order). */
  fileRoots: string[];
  /** qga-deno: `exec-allow` (programs, comma-separated, in order). */
  execAllow: string[];
}

/** A message GLib logs while the file is read (to be shown in GLib's default format). */
export interface ConfigFileMessage {
  level: GlibLevel;
  message: string;
  domain?: string;
}

/** What {@linkcode loadConfigFile} found: values, messages, and the fatal error if any. */
export interface ConfigFileResult {
  values: ConfigFileValues;
  /** Warnings and, last, the critical error, in the order qemu-ga logs them. */
  messages: ConfigFileMessage[];
  /** True when loading failed; qemu-ga then exits with status 1. */
  failed: boolean;
}

/** Reads a whole text file; throws `Deno.errors.NotFound` and the like on failure. */
export type ReadTextFile = (path: string) => string;

const BLACKLIST_WARNING =
  "config using deprecated 'blacklist' key, should be replaced with the 'block-rpcs' key.";
const OVERWRITE_WARNING =
  "GError set over the top of a previous GError or uninitialized memory.\n" +
  "This indicates a bug in someone's code. You must ensure an error is NULL before it's set.\n" +
  "The overwriting error message was: ";

/**
 * Loads the config file like qemu-ga's `config_load()`.
 *
 * @param path The file (`-c` argument, `$QGA_CONF`, or the default).
 * @param options `required` (true for `-c`: a missing file is an error) and the file reader.
 * @returns The values, the GLib messages to print, and whether loading failed.
 */
export function loadConfigFile(
  path: string,
  options: { required: boolean; readTextFile: ReadTextFile },
): ConfigFileResult {
  const values: ConfigFileValues = { blockRpcs: [], allowRpcs: [], fileRoots: [], execAllow: [] };
  const messages: ConfigFileMessage[] = [];
  let error: string | undefined;
  const setError = (message: string) => {
    if (error === undefined) error = message;
    else messages.push({ level: "warning", domain: "GLib", message: OVERWRITE_WARNING + message });
  };
  const finish = (): ConfigFileResult => {
    if (error === undefined) return { values, messages, failed: false };
    const message = `error loading configuration from path: ${path}, ${error}`;
    messages.push({ level: "critical", message });
    return { values, messages, failed: true };
  };

  let text: string;
  try {
    text = options.readTextFile(path);
  } catch (caught) {
    const problem = fileErrorMessage(caught);
    if (problem.notFound && !options.required) return { values, messages, failed: false };
    error = problem.message;
    return finish();
  }
  const parsed = parseKeyFile(text);
  if (!parsed.ok) {
    error = parsed.message;
    return finish();
  }
  const general = parsed.file.get("general") ?? new Map<string, string>();
  const bad = (key: string) =>
    `Key file contains key “${key}” which has a value that cannot be interpreted.`;
  const readString = (key: string): string | undefined => {
    const raw = general.get(key);
    if (raw === undefined) return undefined;
    const value = keyFileString(raw);
    if (value === undefined) setError(bad(key));
    return value ?? raw;
  };
  const readBoolean = (key: string): boolean | undefined => {
    const raw = general.get(key);
    if (raw === undefined) return undefined;
    const value = keyFileBoolean(raw);
    if (value === undefined) setError(bad(key));
    return value ?? false;
  };

  values.daemonize = readBoolean("daemon");
  values.method = readString("method");
  values.channelPath = readString("path");
  values.logfile = readString("logfile");
  values.pidfile = readString("pidfile");
  values.fsfreezeHook = readString("fsfreeze-hook");
  values.statedir = readString("statedir");
  values.verbose = readBoolean("verbose");
  values.retryPath = readBoolean("retry-path");
  let blockKey = "block-rpcs";
  if (general.has("blacklist")) {
    messages.push({ level: "warning", message: BLACKLIST_WARNING });
    blockKey = "blacklist";
  }
  values.blockRpcs = splitList(readString(blockKey));
  values.allowRpcs = splitList(readString("allow-rpcs"));
  values.profile = readString("profile");
  values.fileRoots = splitList(readString("file-roots")).reverse();
  values.execAllow = splitList(readString("exec-allow")).reverse();
  return finish();
}

/**
 * Splits a comma-separated list like qemu-ga's `split_list()`: `g_strsplit` (an empty string
 * gives no items, empty items are kept) and prepending, so the items come out reversed.
 *
 * @param text The list text, or `undefined` for none.
 * @returns The items in qemu-ga's (reversed) order.
 */
export function splitList(text: string | undefined): string[] {
  if (text === undefined || text === "") return [];
  return text.split(",").reverse();
}

/**
 * Turns a file-reading exception into GLib's wording (`g_strerror`, or `Not a regular file`
 * when the path is a directory).
 *
 * @param caught What the reader threw.
 * @returns Whether it means "no such file" and the message to show.
 */
export function fileErrorMessage(caught: unknown): { notFound: boolean; message: string } {
  if (caught instanceof Deno.errors.NotFound) {
    return { notFound: true, message: "No such file or directory" };
  }
  if (caught instanceof Deno.errors.IsADirectory) {
    return { notFound: false, message: "Not a regular file" };
  }
  return { notFound: false, message: errorText(caught) };
}
