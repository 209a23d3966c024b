/**
 * Address parsing for the listen methods, with QEMU's rules and messages (util/qemu-sockets.c):
 * the vsock `<cid>:<port>` syntax and the temporary name of an empty unix socket path.
 *
 * @module
 */

import { strerror } from "../sys/errno.ts";
import { closeFd, cString, environmentEntries, errno, libc } from "../sys/libc.ts";
import { ChannelOpenError } from "./errors.ts";

/** A parsed vsock address. */
export interface VsockAddress {
  /** Context id (u32). */
  cid: number;
  /** Port (u32). */
  port: number;
}

/**
 * `parse_uint_full(s, &val, 10)` limited to u32 as QEMU's vsock code checks it: optional
 * leading C whitespace, an optional `+`, decimal digits only, nothing after; a leading `-` is
 * refused. Returns undefined when QEMU would refuse the text.
 */
function parseU32(text: string): number | undefined {
  const m = /^[ \t\n\v\f\r]*\+?([0-9]+)$/.exec(text);
  if (!m) return undefined;
  const value = BigInt(m[1]!);
  return value > 0xFFFFFFFFn ? undefined : Number(value);
}

/**
 * Parses `<cid>:<port>` as qemu-ga does (`socket_parse("vsock:" + path)`), throwing
 * {@link ChannelOpenError} with QEMU's text: `error parsing address '<path>'` when
 * `sscanf("%32[^:]:%32[^,]%n")` does not match, `trailing characters in address '<path>'` when
 * text is left over, `Failed to parse cid '<cid>'` / `Failed to parse port '<port>'` otherwise.
 */
export function parseVsockAddress(path: string): VsockAddress {
  // %32[^:] then ':' then %32[^,]: up to 32 (at least one) bytes each. Counting bytes, as C does.
  const bytes = new TextEncoder().encode(path);
  let i = 0;
  while (i < bytes.length && i < 32 && bytes[i] !== 0x3a) i++;
  if (i === 0 || bytes[i] !== 0x3a) throw new ChannelOpenError(`error parsing address '${path}'`);
  const cidEnd = i++;
  const portStart = i;
  while (i < bytes.length && i - portStart < 32 && bytes[i] !== 0x2c) i++;
  if (i === portStart) throw new ChannelOpenError(`error parsing address '${path}'`);
  if (i !== bytes.length) throw new ChannelOpenError(`trailing characters in address '${path}'`);
  const decoder = new TextDecoder();
  const cidText = decoder.decode(bytes.subarray(0, cidEnd));
  const portText = decoder.decode(bytes.subarray(portStart));
  const cid = parseU32(cidText);
  if (cid === undefined) throw new ChannelOpenError(`Failed to parse cid '${cidText}'`);
  const port = parseU32(portText);
  if (port === undefined) throw new ChannelOpenError(`Failed to parse port '${portText}'`);
  return { cid, port };
}

/** GLib's `g_get_tmp_dir()`: `$TMPDIR` when set and non-empty, else `/tmp` (read via libc). */
function tmpDir(): string {
  const prefix = new TextEncoder().encode("TMPDIR=");
  for (const entry of environmentEntries()) {
    if (entry.length > prefix.length && prefix.every((b, i) => entry[i] === b)) {
      return new TextDecoder().decode(entry.subarray(prefix.length));
    }
  }
  return "/tmp";
}

/**
 * What QEMU binds for an empty unix socket path: `mkstemp("<tmpdir>/qemu-socket-XXXXXX")`, whose
 * file the caller unlinks before binding. Throws {@link ChannelOpenError} with QEMU's
 * `Failed to make a temporary socket <template>: <strerror>`.
 */
export function temporarySocketPath(): string {
  const template = cString(`${tmpDir()}/qemu-socket-XXXXXX`);
  // SAFETY: mkstemp rewrites the six X's of the NUL-terminated template in place.
  const fd = libc().mkstemp(template);
  const path = new TextDecoder().decode(template.subarray(0, -1));
  if (fd < 0) {
    throw new ChannelOpenError(`Failed to make a temporary socket ${path}: ${strerror(errno())}`);
  }
  closeFd(fd);
  return path;
}
