/**
 * GLib's default log format on stderr, used by qemu-ga for messages logged before its own log
 * handler is installed (config-file and channel-path errors, the `blacklist` warning).
 *
 * Example: `\n** (process:6816): CRITICAL **: 12:46:43.283: must specify a path for this channel\n`.
 * qemu-ga never calls `setlocale`, so GLib believes the console charset is ASCII and replaces
 * every non-ASCII character of the message with `?` (GLib's “daemon” prints as `?daemon?`).
 * The colours GLib adds when stderr is a terminal are not reproduced.
 *
 * @module
 */

/** The GLib log levels qemu-ga's option layer emits. */
export type GlibLevel = "critical" | "warning";

/** Where and when a message is logged. */
export interface GlibMessageOptions {
  /** The process id shown as `(process:<pid>)`. */
  pid: number;
  /** The time shown as local `HH:MM:SS.mmm`. */
  now: Date;
  /** The log domain (`GLib` for GLib's own warnings); none for qemu-ga's messages. */
  domain?: string;
}

const NON_ASCII_REGEXP = /[\u0080-\u{10ffff}]/gu;

/**
 * Formats one message as GLib's default handler writes it to a non-terminal stderr.
 *
 * @param level The message level.
 * @param message The message text (may contain newlines).
 * @param options The pid, clock and optional domain.
 * @returns The text to write, starting with GLib's blank line and ending with a newline.
 */
export function formatGlibMessage(
  level: GlibLevel,
  message: string,
  options: GlibMessageOptions,
): string {
  const { pid, now, domain } = options;
  const prefix = domain === undefined ? "** " : "";
  const source = domain === undefined ? "" : `${domain}-`;
  const clock = `${two(now.getHours())}:${two(now.getMinutes())}:${two(now.getSeconds())}.` +
    String(now.getMilliseconds()).padStart(3, "0");
  const text = message.replace(NON_ASCII_REGEXP, "?");
  return `\n${prefix}(process:${pid}): ${source}${level.toUpperCase()} **: ${clock}: ${text}\n`;
}

function two(value: number): string {
  return String(value).padStart(2, "0");
}
