/**
 * `guest-get-diskstats` (spec §2.30), as qemu-ga 7.2's `guest_get_diskstats()`:
 * `/proc/diskstats` is read line by line (`getline()`; a line ends at its first NUL for
 * `sscanf`) and each line is converted with
 * `"%u %u %s %lu %lu %lu%lu %lu %lu %lu %u %u %u %u%lu %lu %lu %u %lu %u"`: major, minor, name,
 * then the counters — the `%u` ones (write-ticks, ios-pgr, total-ticks, weight-ticks,
 * discard-ticks, flush-ticks) truncated to 32 bits as 7.2's `unsigned int`s are. By the number
 * of conversions:
 *
 * - fewer than 7: the line is skipped;
 * - exactly 7 (old kernels' partition lines): read-ios, read-sectors, write-ios, write-sectors;
 * - 8 to 13: the entry has empty `stats`;
 * - 14 or more: the 11 classic counters; 18 or more add the four discard counters; 20 add
 *   flush-ios and flush-ticks.
 *
 * Entries keep the file's order. `open("/proc/diskstats"): <strerror>` when the file cannot be
 * opened; a failing read ends the list there, as `getline()` does.
 *
 * @module
 */

import { genericError } from "../../schema/errors.ts";
import type { Named } from "../../schema/types.ts";
import { type Disks, DISKSTATS_PATH } from "../../sys/disks/disks.ts";
import { OsError } from "../../sys/os_error.ts";
import type { Handler } from "../context.ts";
import { scanf } from "./scanf.ts";

/** One element of the reply. */
export type DiskStatsInfo = Named<"GuestDiskStatsInfo">;

/** 7.2's format, its string literals concatenated as the C compiler does. */
export const DISKSTATS_FORMAT = "%u %u %s %lu %lu %lu" + "%lu %lu %lu %lu %u %u %u %u" +
  "%lu %lu %lu %u %lu %u";

/** Splits text into `getline()` lines, each cut at its first NUL, as a byte string. */
function lines(bytes: Uint8Array): string[] {
  const out: string[] = [];
  for (let start = 0, end = 0; start < bytes.length; start = end) {
    end = bytes.indexOf(0x0a, start) + 1 || bytes.length;
    let line = bytes.subarray(start, end);
    const nul = line.indexOf(0);
    if (nul >= 0) line = line.subarray(0, nul);
    let text = "";
    for (let i = 0; i < line.length; i += 8192) {
      text += String.fromCharCode(...line.subarray(i, i + 8192));
    }
    out.push(text);
  }
  return out;
}

const utf8 = new TextDecoder();

/** A byte string's bytes read as UTF-8 (device names are ASCII). */
function fromByteString(s: string): string {
  return utf8.decode(Uint8Array.from(s, (c) => c.charCodeAt(0)));
}

/**
 * Converts one line of `/proc/diskstats`.
 *
 * @param line The line as a byte string.
 * @returns The entry, or null when the line is skipped.
 */
export function parseDiskstatsLine(line: string): DiskStatsInfo | null {
  const { count, values } = scanf(line, DISKSTATS_FORMAT);
  if (count < 7) return null;
  const v = values as bigint[];
  const entry: DiskStatsInfo = {
    name: fromByteString(values[2] as string),
    major: v[0]!,
    minor: v[1]!,
    stats: {},
  };
  const stats = entry.stats;
  if (count === 7) {
    stats["read-ios"] = v[3]!;
    stats["read-sectors"] = v[4]!;
    stats["write-ios"] = v[5]!;
    stats["write-sectors"] = v[6]!;
  }
  if (count >= 14) {
    stats["read-ios"] = v[3]!;
    stats["read-merges"] = v[4]!;
    stats["read-sectors"] = v[5]!;
    stats["read-ticks"] = v[6]!;
    stats["write-ios"] = v[7]!;
    stats["write-merges"] = v[8]!;
    stats["write-sectors"] = v[9]!;
    stats["write-ticks"] = v[10]!;
    stats["ios-pgr"] = v[11]!;
    stats["total-ticks"] = v[12]!;
    stats["weight-ticks"] = v[13]!;
  }
  if (count >= 18) {
    stats["discard-ios"] = v[14]!;
    stats["discard-merges"] = v[15]!;
    stats["discard-sectors"] = v[16]!;
    stats["discard-ticks"] = v[17]!;
  }
  if (count >= 20) {
    stats["flush-ios"] = v[18]!;
    stats["flush-ticks"] = v[19]!;
  }
  return entry;
}

/**
 * Parses the content of `/proc/diskstats`.
 *
 * @param bytes The file's content.
 * @returns The entries in file order.
 */
export function parseDiskstats(bytes: Uint8Array): DiskStatsInfo[] {
  const out: DiskStatsInfo[] = [];
  for (const line of lines(bytes)) {
    const entry = parseDiskstatsLine(line);
    if (entry !== null) out.push(entry);
  }
  return out;
}

/**
 * Reads and parses `/proc/diskstats` as qemu-ga 7.2 does.
 *
 * @param disks The OS access.
 * @returns The reply list.
 * @throws QgaError `open("/proc/diskstats"): <strerror>`.
 */
export function listDiskstats(disks: Disks): DiskStatsInfo[] {
  let content;
  try {
    content = disks.readDiskstats();
  } catch (e) {
    if (e instanceof OsError) throw genericError(`open("${DISKSTATS_PATH}"): ${e.message}`);
    throw e;
  }
  return parseDiskstats(content.bytes);
}

/** `guest-get-diskstats`. */
export const guestGetDiskstats: Handler<"guest-get-diskstats"> = (_args, ctx) =>
  listDiskstats(ctx.sys.disks);
