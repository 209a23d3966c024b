/**
 * `guest-get-memory-blocks` (spec §2.19), computed as qemu-ga 7.2 does:
 *
 * - `opendir("/sys/devices/system/memory/")`: missing (`ENOENT`) → `[]`; any other failure →
 *   `Can't open directory"/sys/devices/system/memory/": <strerror>` (no space, sic);
 * - every entry in `readdir()` order whose name starts with `memory` and whose `d_type` has the
 *   `DT_DIR` bit is a block; its index is `strtoul(name + 6, NULL, 10)` (so `memoryX` → 0,
 *   `memory007` → 7);
 * - `transfer_memory_block()` system to block: `open("…/memory<N>/", O_DIRECTORY)`
 *   (`open("…/memory<N>/"): <strerror>`), read up to 10 bytes of `state` (online when they start
 *   with `online`), then 1 byte of `removable` (`can-offline` unless it is `0`); a missing
 *   `state` (`ENOENT`) → online, cannot be offlined, `removable` not read; a missing `removable`
 *   → cannot be offlined; other failures end the command with `open sysfs file "<name>": …`,
 *   `pread sysfs file "<name>": …` or `pread sysfs file "<name>": unexpected EOF`;
 * - no block at all → `guest reported zero memory blocks!`.
 *
 * Upstream since Nov 2025 words the directory failure `Could not open '<dir>': <strerror>`.
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import type { Named } from "../../schema/types.ts";
import { Errno } from "../../sys/errno.ts";
import { type Memory, MEMORY_SYSFS_DIR } from "../../sys/memory.ts";
import { OsError } from "../../sys/os_error.ts";
import { strtoul } from "../stats/c_scan.ts";
import {
  blockDirectory,
  isMissing,
  isOnlineState,
  readSysfsFile,
  type SysfsFailure,
} from "./sysfs_file.ts";

/** One element of the reply. */
export type MemoryBlock = Named<"GuestMemoryBlock">;

function fail(read: SysfsFailure): never {
  throw new QgaError(read.message);
}

/**
 * Reads one block's state (`transfer_memory_block(mem_blk, true, ...)`).
 *
 * @param memory The system calls.
 * @param physIndex The block's index.
 * @returns The block as the reply lists it.
 * @throws QgaError with qemu-ga's text on failure.
 */
export function readMemoryBlock(memory: Memory, physIndex: bigint): MemoryBlock {
  const dirpath = blockDirectory(physIndex);
  let dirFd: number;
  try {
    dirFd = memory.openDirectory(dirpath);
  } catch (e) {
    if (!(e instanceof OsError)) throw e;
    throw new QgaError(`open("${dirpath}"): ${e.message}`);
  }
  try {
    const state = readSysfsFile(memory, dirFd, "state", 10);
    if (!state.ok) {
      // Sysfs of old kernels has no `state`: always online.
      if (isMissing(state)) return { "phys-index": physIndex, online: true, "can-offline": false };
      fail(state);
    }
    const online = isOnlineState(state.bytes);
    const removable = readSysfsFile(memory, dirFd, "removable", 1);
    if (!removable.ok && !isMissing(removable)) fail(removable);
    const canOffline = removable.ok && removable.bytes[0] !== 0x30;
    return { "phys-index": physIndex, online, "can-offline": canOffline };
  } finally {
    memory.close(dirFd);
  }
}

/**
 * Lists the memory blocks as qemu-ga 7.2 does.
 *
 * @param memory Access to `/sys/devices/system/memory`.
 * @returns The reply list (`[]` when the kernel has no memory block directory).
 * @throws QgaError with 7.2's message on the first failure, or when no block is listed.
 */
export function listMemoryBlocks(memory: Memory): MemoryBlock[] {
  let entries;
  try {
    entries = memory.listDirectory();
  } catch (e) {
    if (!(e instanceof OsError)) throw e;
    if (e.errno === Errno.ENOENT) return [];
    throw new QgaError(`Can't open directory"${MEMORY_SYSFS_DIR}": ${e.message}`);
  }
  const blocks: MemoryBlock[] = [];
  for (const entry of entries) {
    if (!entry.name.startsWith("memory") || !entry.dirType) continue;
    blocks.push(readMemoryBlock(memory, strtoul(entry.name.slice(6), 10)));
  }
  if (blocks.length === 0) throw new QgaError("guest reported zero memory blocks!");
  return blocks;
}
