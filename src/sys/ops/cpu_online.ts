/**
 * Writing CPU online state for guest-set-vcpus: the system calls of qemu-ga's
 * `transfer_vcpu()` in the vcpu-to-system direction, so fakes can record exact sequences.
 *
 * Failures throw an error with a numeric `errno` and the strerror text ({@link OsError} in
 * fakes, `SysError` from `../libc.ts` in production).
 *
 * @module
 */

export type { OsError } from "./os_error.ts";

/** System calls on `/sys/devices/system/cpu/cpuN/online`. */
export interface CpuOnlineOps {
  /** `open(path, O_RDONLY | O_DIRECTORY)`; returns the descriptor. */
  openDirectory(path: string): number;
  /** `openat(dirFd, name, O_RDWR)`; returns the descriptor. */
  openAtReadWrite(dirFd: number, name: string): number;
  /** `pread(fd, buf, length, offset)`; returns the bytes read (empty at end of file). */
  pread(fd: number, length: number, offset: number): Uint8Array;
  /** `pwrite(fd, bytes, bytes.length, offset)`. */
  pwrite(fd: number, bytes: Uint8Array, offset: number): void;
  /** `close(fd)`, errors ignored. */
  close(fd: number): void;
}
