/**
 * `guest-get-memory-block-info` (spec §2.21), as qemu-ga 7.2 computes it:
 * `open("/sys/devices/system/memory/", O_RDONLY | O_DIRECTORY)`
 * (`open("/sys/devices/system/memory/"): <strerror>`), up to 20 bytes of `block_size_bytes`
 * (`open sysfs file "block_size_bytes": …`, `pread sysfs file …: …` or `…: unexpected EOF`),
 * then `{"size": strtol(text, NULL, 16)}` — a signed conversion stored in a uint64, so `-1`
 * gives 18446744073709551615 and anything above 2^63 - 1 saturates to 9223372036854775807.
 *
 * Difference, unreachable with a real kernel (whose text is a short hex number and a newline): a
 * file of 20 bytes or more is not NUL-terminated in qemu-ga's buffer, which `strtol` then reads
 * past; here the number ends after 20 bytes.
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import type { Named } from "../../schema/types.ts";
import { type Memory, MEMORY_SYSFS_DIR } from "../../sys/memory.ts";
import { OsError } from "../../sys/os_error.ts";
import { strtol } from "../stats/c_scan.ts";
import { readSysfsFile } from "./sysfs_file.ts";

/** The reply. */
export type MemoryBlockInfo = Named<"GuestMemoryBlockInfo">;

/**
 * Reads the memory block size.
 *
 * @param memory Access to `/sys/devices/system/memory`.
 * @returns `{size}` in bytes.
 * @throws QgaError with 7.2's message on failure.
 */
export function memoryBlockInfo(memory: Memory): MemoryBlockInfo {
  let dirFd: number;
  try {
    dirFd = memory.openDirectory(MEMORY_SYSFS_DIR);
  } catch (e) {
    if (!(e instanceof OsError)) throw e;
    throw new QgaError(`open("${MEMORY_SYSFS_DIR}"): ${e.message}`);
  }
  let read;
  try {
    read = readSysfsFile(memory, dirFd, "block_size_bytes", 20);
  } finally {
    memory.close(dirFd);
  }
  if (!read.ok) throw new QgaError(read.message);
  const nul = read.bytes.indexOf(0);
  const text = new TextDecoder().decode(nul < 0 ? read.bytes : read.bytes.subarray(0, nul));
  return { size: BigInt.asUintN(64, strtol(text, 16)) };
}
