/**
 * The CPU part of sysfs that `guest-get-vcpus` reads, behind a small interface so the command can
 * be tested against fixture trees: {@link SysfsCpus} reads `<root>/sys/devices/system/cpu` through
 * libc FFI (Deno needs `-A` for `/sys`), with the same calls as qemu-ga: `opendir`/`readdir`,
 * `open(dir, O_DIRECTORY)`, `openat(dirfd, "online")` and a one-byte `pread` at offset 0.
 *
 * @module
 */

import {
  closeFd,
  listDirectory,
  openAtReadOnly,
  openReadOnly,
  preadBytes,
  SysError,
  underRoot,
} from "./fs_ffi.ts";
import { Errno } from "../libc.ts";

export { SysError };

/** Where qemu-ga looks for CPUs (and what its messages print). */
export const CPU_SYSFS_DIR = "/sys/devices/system/cpu";

/** What reading a CPU's `online` file found. */
export type OnlineState =
  /** The first byte of the file (`0x30` = `'0'` means offline). */
  | { readonly kind: "byte"; readonly byte: number }
  /** The CPU directory has no `online` file (`ENOENT`): the CPU cannot be offlined. */
  | { readonly kind: "missing" }
  /** The file is empty. */
  | { readonly kind: "eof" }
  /** A call failed: `open-dir` (the CPU directory), `open` (`online`) or `pread`. */
  | {
    readonly kind: "failed";
    readonly step: "open-dir" | "open" | "pread";
    readonly errno: number;
    readonly strerror: string;
  };

/** Access to `/sys/devices/system/cpu` as `guest-get-vcpus` needs it. */
export interface CpuSysfs {
  /**
   * Lists the CPU directory in `readdir()` order, without `.` and `..`.
   *
   * @returns The entry names.
   * @throws SysError when the directory cannot be opened.
   */
  listCpuDir(): string[];
  /**
   * Reads the first byte of `<cpu dir>/<entry>/online`.
   *
   * @param entry The CPU's directory name, e.g. `cpu3`.
   * @returns What was found; never throws for OS errors.
   */
  readOnline(entry: string): OnlineState;
}

/** {@link CpuSysfs} on the real sysfs (root `/`) or on a fixture tree. */
export class SysfsCpus implements CpuSysfs {
  #dir: string;

  /**
   * Creates the reader.
   *
   * @param root Prefix of the tree holding `sys/devices/system/cpu` (default `/`).
   */
  constructor(root = "/") {
    this.#dir = underRoot(root, CPU_SYSFS_DIR);
  }

  /** {@inheritDoc CpuSysfs.listCpuDir} */
  listCpuDir(): string[] {
    const decoder = new TextDecoder();
    return listDirectory(this.#dir).map((name) => decoder.decode(name));
  }

  /** {@inheritDoc CpuSysfs.readOnline} */
  readOnline(entry: string): OnlineState {
    let dirFd: number;
    try {
      dirFd = openReadOnly(`${this.#dir}/${entry}/`, true);
    } catch (e) {
      return failed("open-dir", e);
    }
    try {
      let fd: number;
      try {
        fd = openAtReadOnly(dirFd, "online");
      } catch (e) {
        if (e instanceof SysError && e.errno === Errno.ENOENT) return { kind: "missing" };
        return failed("open", e);
      }
      try {
        const bytes = preadBytes(fd, 1, 0);
        return bytes.length === 0 ? { kind: "eof" } : { kind: "byte", byte: bytes[0]! };
      } catch (e) {
        return failed("pread", e);
      } finally {
        closeFd(fd);
      }
    } finally {
      closeFd(dirFd);
    }
  }
}

function failed(step: "open-dir" | "open" | "pread", e: unknown): OnlineState {
  if (!(e instanceof SysError)) throw e;
  return { kind: "failed", step, errno: e.errno, strerror: e.message };
}
