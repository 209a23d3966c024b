/**
 * `guest-set-memory-blocks` (spec §2.20): qemu-ga 7.2's `transfer_memory_block()` in the
 * block-to-system direction for each entry, in order, each giving one response
 * `{"phys-index", "response", "error-code"?}` (the call never fails as a whole):
 *
 * 1. `opendir` + `closedir` of `/sys/devices/system/memory/`: on failure the response is
 *    `operation-not-supported` when the errno is `ENOENT` — and stays `success` for any other
 *    errno (sic) — with `error-code` = errno;
 * 2. `open("…/memory<N>/", O_RDONLY | O_DIRECTORY)`: `ENOENT` → `not-found`, else
 *    `operation-failed`; `error-code` = errno;
 * 3. read up to 10 bytes of `state`: missing (`ENOENT`) → `operation-not-supported` when offline
 *    was requested, else the response stays `success`, both with `error-code` 2; any other
 *    failure → `operation-failed` with the errno (0 after an empty read);
 * 4. when the state (`online` or not) differs from the request, write `online` or `offline` to
 *    `state` (`openat(O_WRONLY)`, `pwrite` at 0): failure → `operation-failed` with the errno;
 *    success → `success`; when it already matches → `success` without writing.
 *
 * `can-offline` is ignored. `<N>` is printed as a signed int64 (`PRId64`), so indexes of 2^63
 * and above open `memory-…/`.
 *
 * @module
 */

import type { Named } from "../../schema/types.ts";
import { Errno } from "../../sys/errno.ts";
import type { Memory } from "../../sys/memory.ts";
import { OsError } from "../../sys/os_error.ts";
import type { Handler } from "../context.ts";
import {
  blockDirectory,
  isMissing,
  isOnlineState,
  readSysfsFile,
  writeSysfsFile,
} from "./sysfs_file.ts";

/** One requested block state. */
export type MemoryBlockRequest = Named<"GuestMemoryBlock">;
/** One element of the reply. */
export type MemoryBlockResponse = Named<"GuestMemoryBlockResponse">;
type ResponseType = MemoryBlockResponse["response"];

function respond(physIndex: bigint, response: ResponseType, errno?: number): MemoryBlockResponse {
  const out: MemoryBlockResponse = { "phys-index": physIndex, response };
  if (errno !== undefined) out["error-code"] = BigInt(errno);
  return out;
}

function osErrno(e: unknown): number {
  if (!(e instanceof OsError)) throw e;
  return e.errno;
}

/**
 * Applies one entry (`transfer_memory_block(mem_blk, false, result, ...)`).
 *
 * @param memory The system calls.
 * @param block The requested state.
 * @returns Its response.
 */
export function transferMemoryBlock(
  memory: Memory,
  block: MemoryBlockRequest,
): MemoryBlockResponse {
  const index = block["phys-index"];
  try {
    memory.probeDirectory();
  } catch (e) {
    const errno = osErrno(e);
    return respond(index, errno === Errno.ENOENT ? "operation-not-supported" : "success", errno);
  }
  let dirFd: number;
  try {
    dirFd = memory.openDirectory(blockDirectory(index));
  } catch (e) {
    const errno = osErrno(e);
    return respond(index, errno === Errno.ENOENT ? "not-found" : "operation-failed", errno);
  }
  try {
    const state = readSysfsFile(memory, dirFd, "state", 10);
    if (!state.ok) {
      if (!isMissing(state)) return respond(index, "operation-failed", state.errno);
      return respond(index, block.online ? "success" : "operation-not-supported", state.errno);
    }
    if (block.online === isOnlineState(state.bytes)) return respond(index, "success");
    const written = writeSysfsFile(memory, dirFd, "state", block.online ? "online" : "offline");
    return written.ok
      ? respond(index, "success")
      : respond(index, "operation-failed", written.errno);
  } finally {
    memory.close(dirFd);
  }
}

/**
 * Applies every entry in order.
 *
 * @param memory The system calls.
 * @param blocks The requested states.
 * @returns One response per entry, same order.
 */
export function setMemoryBlocks(
  memory: Memory,
  blocks: readonly MemoryBlockRequest[],
): MemoryBlockResponse[] {
  return blocks.map((block) => transferMemoryBlock(memory, block));
}

/** `guest-set-memory-blocks`. */
export const guestSetMemoryBlocks: Handler<"guest-set-memory-blocks"> = (args, ctx) =>
  setMemoryBlocks(ctx.sys.memory, args["mem-blks"]);
