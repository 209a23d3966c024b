/**
 * A fake of the memory domain ({@link Memory}): memory blocks as records with `state` and
 * `removable` texts and injectable failures; every call is recorded, e.g.
 * `opendir /sys/devices/system/memory/`, `open /sys/devices/system/memory/memory3/`,
 * `openat memory3/ state O_WRONLY`, `pwrite memory3/state "offline"@0`, `close memory3/`.
 *
 * @module
 */

import type { ErrnoName } from "../../../src/sys/errno.ts";
import { type Memory, MEMORY_SYSFS_DIR, type MemoryDirEntry } from "../../../src/sys/memory.ts";
import { OsError } from "../../../src/sys/os_error.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One fake `memory<N>` directory. */
export interface FakeMemoryBlock {
  /** Content of `state`; `undefined` = no such file. */
  state?: string;
  /** Content of `removable`; `undefined` = no such file. */
  removable?: string;
  /** Opening the `memoryN/` directory fails with this errno. */
  readonly dirError?: ErrnoName;
  /** `openat(..., "state", O_RDONLY)` fails with this errno. */
  readonly stateOpenError?: ErrnoName;
  /** `pread` of `state` fails with this errno. */
  readonly statePreadError?: ErrnoName;
  /** `openat(..., "removable", O_RDONLY)` fails with this errno. */
  readonly removableOpenError?: ErrnoName;
  /** `pread` of `removable` fails with this errno. */
  readonly removablePreadError?: ErrnoName;
  /** `openat(..., "state", O_WRONLY)` fails with this errno. */
  readonly writeOpenError?: ErrnoName;
  /** `pwrite` of `state` fails with this errno. */
  readonly pwriteError?: ErrnoName;
}

/** Set-up of a {@link FakeMemory}. */
export interface FakeMemoryOptions {
  /** Block directories by entry name (`memory3`), listed in this order. */
  readonly blocks?: Record<string, FakeMemoryBlock>;
  /** Other entries, listed after the blocks: plain names are files, `{dir: true}` directories. */
  readonly others?: readonly (string | { readonly name: string; readonly dir: boolean })[];
  /** Content of `block_size_bytes` (default `8000000\n`); `null` = no such file. */
  readonly blockSize?: string | null;
  /** `opendir`/`open` of the memory directory fail with this errno (`ENOENT`: no directory). */
  readonly dirError?: ErrnoName;
}

interface OpenFile {
  readonly block: FakeMemoryBlock | undefined;
  readonly name: string;
  readonly file?: "state" | "removable" | "block_size_bytes";
}

/** A fake {@link Memory}; records every call. */
export class FakeMemory implements Memory {
  /** Every call, in order. */
  readonly calls: string[] = [];
  readonly #options: FakeMemoryOptions;
  readonly #blocks: Record<string, FakeMemoryBlock>;
  #fds = new Map<number, OpenFile>();
  #nextFd = 3;

  /** Creates the fake (default: an existing, empty memory directory). */
  constructor(options: FakeMemoryOptions = {}) {
    this.#options = options;
    this.#blocks = options.blocks ?? {};
  }

  /** The block directory named `name` (`memory3`), to inspect its `state`. */
  block(name: string): FakeMemoryBlock | undefined {
    return this.#blocks[name];
  }

  /** {@inheritDoc Memory.listDirectory} */
  listDirectory(): MemoryDirEntry[] {
    this.calls.push(`list ${MEMORY_SYSFS_DIR}`);
    if (this.#options.dirError) throw OsError.of(this.#options.dirError, "opendir");
    const others = (this.#options.others ?? []).map((o) =>
      typeof o === "string" ? { name: o, dirType: false } : { name: o.name, dirType: o.dir }
    );
    return [...Object.keys(this.#blocks).map((name) => ({ name, dirType: true })), ...others];
  }

  /** {@inheritDoc Memory.probeDirectory} */
  probeDirectory(): void {
    this.calls.push(`opendir ${MEMORY_SYSFS_DIR}`);
    if (this.#options.dirError) throw OsError.of(this.#options.dirError, "opendir");
    this.calls.push(`closedir ${MEMORY_SYSFS_DIR}`);
  }

  /** {@inheritDoc Memory.openDirectory} */
  openDirectory(path: string): number {
    this.calls.push(`open ${path}`);
    if (this.#options.dirError) throw OsError.of(this.#options.dirError, "open");
    if (path === MEMORY_SYSFS_DIR) return this.#open({ block: undefined, name: "memory/" });
    const name = /^\/sys\/devices\/system\/memory\/(memory-?\d+)\/$/.exec(path)?.[1];
    const block = name === undefined ? undefined : this.#blocks[name];
    if (!block) throw OsError.of("ENOENT", "open");
    if (block.dirError) throw OsError.of(block.dirError, "open");
    return this.#open({ block, name: `${name}/` });
  }

  /** {@inheritDoc Memory.openAt} */
  openAt(dirFd: number, name: string, write: boolean): number {
    const dir = this.#fd(dirFd);
    this.calls.push(`openat ${dir.name} ${name} ${write ? "O_WRONLY" : "O_RDONLY"}`);
    const block = dir.block;
    const path = `${dir.name}${name}`;
    if (!block) {
      if (name !== "block_size_bytes" || this.#options.blockSize === null) {
        throw OsError.of("ENOENT", "openat");
      }
      return this.#open({ block, name: path, file: "block_size_bytes" });
    }
    if (name === "state") {
      const error = write ? block.writeOpenError : block.stateOpenError;
      if (error) throw OsError.of(error, "openat");
      if (block.state === undefined) throw OsError.of("ENOENT", "openat");
      return this.#open({ block, name: path, file: "state" });
    }
    if (name === "removable") {
      if (block.removableOpenError) throw OsError.of(block.removableOpenError, "openat");
      if (block.removable === undefined) throw OsError.of("ENOENT", "openat");
      return this.#open({ block, name: path, file: "removable" });
    }
    throw OsError.of("ENOENT", "openat");
  }

  /** {@inheritDoc Memory.pread} */
  pread(fd: number, length: number, offset: number): Uint8Array {
    const f = this.#fd(fd);
    this.calls.push(`pread ${f.name} ${length}@${offset}`);
    let text: string;
    if (f.file === "block_size_bytes") {
      text = this.#options.blockSize ?? "8000000\n";
    } else if (f.file === "state" && f.block) {
      if (f.block.statePreadError) throw OsError.of(f.block.statePreadError, "pread");
      text = f.block.state ?? "";
    } else if (f.file === "removable" && f.block) {
      if (f.block.removablePreadError) throw OsError.of(f.block.removablePreadError, "pread");
      text = f.block.removable ?? "";
    } else {
      throw OsError.of("EISDIR", "pread");
    }
    return encoder.encode(text).slice(offset, offset + length);
  }

  /** {@inheritDoc Memory.pwrite} */
  pwrite(fd: number, bytes: Uint8Array, offset: number): void {
    const f = this.#fd(fd);
    const text = decoder.decode(bytes);
    this.calls.push(`pwrite ${f.name} "${text}"@${offset}`);
    if (f.file !== "state" || !f.block) throw OsError.of("EBADF", "pwrite");
    if (f.block.pwriteError) throw OsError.of(f.block.pwriteError, "pwrite");
    // sysfs `state` takes the whole write as the new value.
    f.block.state = `${text}\n`;
  }

  /** {@inheritDoc Memory.close} */
  close(fd: number): void {
    this.calls.push(`close ${this.#fds.get(fd)?.name ?? fd}`);
    this.#fds.delete(fd);
  }

  /** Number of descriptors not closed. */
  get openFds(): number {
    return this.#fds.size;
  }

  #open(file: OpenFile): number {
    const fd = this.#nextFd++;
    this.#fds.set(fd, file);
    return fd;
  }

  #fd(fd: number): OpenFile {
    const f = this.#fds.get(fd);
    if (!f) throw OsError.of("EBADF");
    return f;
  }
}
