/**
 * The production {@link CpuOnlineOps}: `open`, `openat`, `pread`, `pwrite` through libc FFI
 * (Deno refuses `/sys` without `-A`). Never used on a host's real sysfs in tests: writing
 * `online` takes CPUs offline.
 *
 * @module
 */

import { closeFd, cString, errno, libc, openFd, OpenFlags, SysError } from "../libc.ts";
import type { CpuOnlineOps } from "./cpu_online.ts";

/** {@link CpuOnlineOps} on the real sysfs (root `/`) or a copy of it. */
export class LinuxCpuOnline implements CpuOnlineOps {
  #root: string;

  /** Creates the ops; `root` prefixes every directory path (default `/`). */
  constructor(root = "/") {
    this.#root = root.replace(/\/+$/, "");
  }

  /** {@inheritDoc CpuOnlineOps.openDirectory} */
  openDirectory(path: string): number {
    return openFd(
      this.#root + path,
      OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_CLOEXEC,
    );
  }

  /** {@inheritDoc CpuOnlineOps.openAtReadWrite} */
  openAtReadWrite(dirFd: number, name: string): number {
    const flags = OpenFlags.O_RDWR | OpenFlags.O_CLOEXEC;
    const fd = libc().openat(dirFd, cString(name), flags, 0);
    if (fd < 0) throw new SysError("openat", errno());
    return fd;
  }

  /** {@inheritDoc CpuOnlineOps.pread} */
  pread(fd: number, length: number, offset: number): Uint8Array {
    const buf = new Uint8Array(length);
    const n = Number(libc().pread(fd, buf, BigInt(length), BigInt(offset)));
    if (n < 0) throw new SysError("pread", errno());
    return buf.subarray(0, n);
  }

  /** {@inheritDoc CpuOnlineOps.pwrite} */
  pwrite(fd: number, bytes: Uint8Array, offset: number): void {
    const copy = new Uint8Array(bytes);
    const n = Number(libc().pwrite(fd, copy, BigInt(copy.length), BigInt(offset)));
    if (n < 0) throw new SysError("pwrite", errno());
  }

  /** {@inheritDoc CpuOnlineOps.close} */
  close(fd: number): void {
    closeFd(fd);
  }
}
