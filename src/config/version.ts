/**
 * Version strings.
 *
 * qga-deno reports the qemu-ga version it is wire-compatible with (`guest-info`, `-V`), so hosts
 * that gate features on the version see what they expect; its own version appears in `-V` and
 * in the start-up log line.
 *
 * @module
 */

/** The qemu-ga release whose wire behaviour this agent reproduces (Debian's 7.2 build). */
export const QEMU_GA_COMPAT_VERSION = "7.2.22";

/** qga-deno's own version. */
export const QGA_DENO_VERSION = "0.1.0";

/**
 * The `-V` text: qemu-ga's first line (scripts match it), then qga-deno's own naming the profile.
 *
 * @param profile The profile the agent runs.
 * @returns Two lines, without a final newline.
 */
export function versionText(profile: string): string {
  return `QEMU Guest Agent ${QEMU_GA_COMPAT_VERSION}\nqga-deno ${QGA_DENO_VERSION}, profile ${profile}`;
}
