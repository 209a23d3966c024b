/**
 * `guest-set-vcpus` (spec §2.15): qemu-ga's `transfer_vcpu()` in the vcpu-to-system direction
 * for each entry, in order:
 *
 * 1. `open("/sys/devices/system/cpu/cpuN/", O_RDONLY | O_DIRECTORY)`;
 * 2. `openat(dirfd, "online", O_RDWR)`: missing (`ENOENT`) → requesting offline fails with
 *    `logical processor #N can't be offlined`, requesting online succeeds without writing;
 * 3. one-byte `pread` at 0; when the state differs (`'0'` = offline), `pwrite` `'1'` or `'0'`.
 *
 * The first failure stops the loop. The reply is the number of entries processed successfully;
 * when the very first entry fails its error is returned instead. `can-offline` is ignored.
 *
 * Error texts are those of qemu-ga 7.2, the same as `guest-get-vcpus` in `./get.ts`:
 * `open("<dir>"): <strerror>`, `open("<dir>/online"): <strerror>`,
 * `pread("<dir>/online"): <strerror>` / `...: unexpected EOF`, `pwrite("<dir>/online"): <strerror>`
 * where `<dir>` ends with `/` (hence the double slash). Upstream since Nov 2025 words the two
 * open failures `Could not open '<dir>': ...` / `could not open <dir>/online: ...`.
 *
 * @module
 */

import { QgaError } from "../../dispatch/errors.ts";
import type { Named } from "../../schema/types.ts";
import type { CpuOnlineOps } from "../../sys/ops/cpu_online.ts";
import { asOsError, ERRNO } from "../../sys/ops/os_error.ts";
import type { CommandContext, Handler } from "../context.ts";

/** One requested processor state. */
export type LogicalProcessorRequest = Named<"GuestLogicalProcessor">;

const ONLINE = "online";
/** Where the CPU directories are (as qemu-ga prints it). */
const CPU_SYSFS_DIR = "/sys/devices/system/cpu";

/** Runs a system call; an OS error becomes QgaError `<what>: <strerror>`. */
function sys<T>(what: string, call: () => T): T {
  try {
    return call();
  } catch (e) {
    const os = asOsError(e);
    if (!os) throw e;
    throw new QgaError(`${what}: ${os.message}`);
  }
}

/**
 * Applies one entry (`transfer_vcpu(vcpu, false, ...)`).
 *
 * @param ops The system calls.
 * @param vcpu The requested state.
 * @throws QgaError with qemu-ga's text on failure.
 */
export function transferVcpu(ops: CpuOnlineOps, vcpu: LogicalProcessorRequest): void {
  const id = vcpu["logical-id"];
  const dirpath = `${CPU_SYSFS_DIR}/cpu${id}/`;
  const dirFd = sys(`open("${dirpath}")`, () => ops.openDirectory(dirpath));
  try {
    let fd: number;
    try {
      fd = ops.openAtReadWrite(dirFd, ONLINE);
    } catch (e) {
      const os = asOsError(e);
      if (!os) throw e;
      if (os.errno !== ERRNO.ENOENT) {
        throw new QgaError(`open("${dirpath}/${ONLINE}"): ${os.message}`);
      }
      if (!vcpu.online) throw new QgaError(`logical processor #${id} can't be offlined`);
      return; // pretend successful re-onlining
    }
    try {
      const status = sys(`pread("${dirpath}/${ONLINE}")`, () => ops.pread(fd, 1, 0));
      if (status.length === 0) throw new QgaError(`pread("${dirpath}/${ONLINE}"): unexpected EOF`);
      if (vcpu.online !== (status[0] !== 0x30)) {
        const byte = Uint8Array.of(vcpu.online ? 0x31 : 0x30);
        sys(`pwrite("${dirpath}/${ONLINE}")`, () => ops.pwrite(fd, byte, 0));
      }
    } finally {
      ops.close(fd);
    }
  } finally {
    ops.close(dirFd);
  }
}

/**
 * Applies the entries in order, stopping at the first failure.
 *
 * @param ops The system calls.
 * @param vcpus The requested states.
 * @returns How many entries succeeded before the first failure (all when none failed).
 * @throws QgaError when the first entry fails.
 */
export function setVcpus(ops: CpuOnlineOps, vcpus: readonly LogicalProcessorRequest[]): bigint {
  let processed = 0n;
  for (const vcpu of vcpus) {
    try {
      transferVcpu(ops, vcpu);
    } catch (e) {
      if (processed === 0n || !(e instanceof QgaError)) throw e;
      break;
    }
    processed++;
  }
  return processed;
}

/**
 * Makes the `guest-set-vcpus` handler.
 *
 * @param opsOf Picks the CPU online ops from the context (e.g. `(ctx) => ctx.sys.cpuOnline`).
 * @returns The handler.
 */
export function makeGuestSetVcpus(
  opsOf: (ctx: CommandContext) => CpuOnlineOps,
): Handler<"guest-set-vcpus"> {
  return (args, ctx) => setVcpus(opsOf(ctx), args.vcpus);
}
