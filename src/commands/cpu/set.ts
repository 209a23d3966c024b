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

import { QgaError } from "../../schema/errors.ts";
import type { Named } from "../../schema/types.ts";
import { CPU_SYSFS_DIR, type Cpus } from "../../sys/cpus.ts";
import type { Handler } from "../context.ts";
import { osCall, readOnline } from "./online.ts";

/** One requested processor state. */
export type LogicalProcessorRequest = Named<"GuestLogicalProcessor">;

/**
 * Applies one entry (`transfer_vcpu(vcpu, false, ...)`).
 *
 * @param cpus The system calls.
 * @param vcpu The requested state.
 * @throws QgaError with qemu-ga's text on failure.
 */
export function transferVcpu(cpus: Cpus, vcpu: LogicalProcessorRequest): void {
  const id = vcpu["logical-id"];
  const state = readOnline(cpus, `${CPU_SYSFS_DIR}/cpu${id}/`, (file, online) => {
    if (vcpu.online === online) return;
    const byte = Uint8Array.of(vcpu.online ? 0x31 : 0x30);
    osCall(`pwrite("${file.path}")`, () => cpus.pwrite(file.fd, byte, 0));
  });
  // No `online` file: the CPU cannot be offlined; re-onlining "succeeds" without a write.
  if (state === "missing" && !vcpu.online) {
    throw new QgaError(`logical processor #${id} can't be offlined`);
  }
}

/**
 * Applies the entries in order, stopping at the first failure.
 *
 * @param cpus The system calls.
 * @param vcpus The requested states.
 * @returns How many entries succeeded before the first failure (all when none failed).
 * @throws QgaError when the first entry fails.
 */
export function setVcpus(cpus: Cpus, vcpus: readonly LogicalProcessorRequest[]): bigint {
  let processed = 0n;
  for (const vcpu of vcpus) {
    try {
      transferVcpu(cpus, vcpu);
    } catch (e) {
      if (processed === 0n || !(e instanceof QgaError)) throw e;
      break;
    }
    processed++;
  }
  return processed;
}

/** `guest-set-vcpus`. */
export const guestSetVcpus: Handler<"guest-set-vcpus"> = (args, ctx) =>
  setVcpus(ctx.sys.cpus, args.vcpus);
