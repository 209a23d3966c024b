/**
 * Descriptor-level access to a sysfs device directory, shared by the CPU and memory domains
 * (`./cpus.ts`, `./memory.ts`): qemu-ga opens `<dir>/cpuN/` or `<dir>/memoryN/` with
 * `O_DIRECTORY`, then `openat()`s one attribute in it and does one `pread`/`pwrite` at offset 0 —
 * the same calls here, so fakes can record exact sequences.
 *
 * @module
 */

import { closeFd, openReadOnly, preadBytes, pwriteBytes, underRoot } from "./fd.ts";
import { check, cString, libc } from "./libc.ts";
import { OpenFlags } from "./structs.ts";

/** System calls on one sysfs device directory and its attributes. */
export interface SysfsFiles {
  /**
   * `open(path, O_RDONLY | O_DIRECTORY)` of a device directory such as
   * `/sys/devices/system/cpu/cpu3/`.
   *
   * @throws OsError when it fails.
   */
  openDirectory(path: string): number;
  /**
   * `openat(dirFd, name, write ? <the domain's write mode> : O_RDONLY)`: `O_RDWR` for CPUs,
   * `O_WRONLY` for memory blocks, as qemu-ga opens them.
   *
   * @throws OsError when it fails.
   */
  openAt(dirFd: number, name: string, write: boolean): number;
  /**
   * `pread(fd, buf, length, offset)`; the bytes read (empty at end of file).
   *
   * @throws OsError when it fails.
   */
  pread(fd: number, length: number, offset: number): Uint8Array;
  /**
   * `pwrite(fd, bytes, bytes.length, offset)`.
   *
   * @throws OsError when it fails.
   */
  pwrite(fd: number, bytes: Uint8Array, offset: number): void;
  /** `close(fd)`, errors ignored. */
  close(fd: number): void;
}

/** {@link SysfsFiles} through libc, every fixed path under a root (`/`, or a fixture tree). */
export class LinuxSysfsFiles implements SysfsFiles {
  #root: string;
  #writeMode: number;

  /**
   * @param root Prefixes every path given to {@link openDirectory}.
   * @param writeMode `O_RDWR` or `O_WRONLY`: how {@link openAt} opens an attribute to write it.
   */
  constructor(root: string, writeMode: number) {
    this.#root = root;
    this.#writeMode = writeMode;
  }

  /** The root fixed paths are read under. */
  get root(): string {
    return this.#root;
  }

  /** {@inheritDoc SysfsFiles.openDirectory} */
  openDirectory(path: string): number {
    return openReadOnly(underRoot(this.#root, path), true);
  }

  /** {@inheritDoc SysfsFiles.openAt} */
  openAt(dirFd: number, name: string, write: boolean): number {
    const flags = (write ? this.#writeMode : OpenFlags.O_RDONLY) | OpenFlags.O_CLOEXEC;
    return check("openat", libc().openat(dirFd, cString(name), flags, 0));
  }

  /** {@inheritDoc SysfsFiles.pread} */
  pread(fd: number, length: number, offset: number): Uint8Array {
    return preadBytes(fd, length, offset);
  }

  /** {@inheritDoc SysfsFiles.pwrite} */
  pwrite(fd: number, bytes: Uint8Array, offset: number): void {
    pwriteBytes(fd, bytes, offset);
  }

  /** {@inheritDoc SysfsFiles.close} */
  close(fd: number): void {
    closeFd(fd);
  }
}
