/**
 * A fake of the CPU domain ({@link Cpus}): CPUs as records with an `online` text and injectable
 * failures, and a scripted `/proc/stat` and clock tick rate; every call is recorded, e.g.
 * `open /sys/devices/system/cpu/cpu1/`, `openat cpu1/ online O_RDWR`, `pwrite cpu1/online "0"@0`,
 * `read /proc/stat`.
 *
 * @module
 */

import type { Cpus } from "../../../src/sys/cpus.ts";
import type { ErrnoName } from "../../../src/sys/errno.ts";
import { OsError } from "../../../src/sys/os_error.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One fake CPU directory. */
export interface FakeCpu {
  /** Content of `online`; `undefined` = no such file (cannot be offlined). */
  online?: string;
  /** Opening the `cpuN/` directory fails with this errno. */
  readonly dirError?: ErrnoName;
  /** `openat(..., "online", O_RDWR)` fails with this errno. */
  readonly openError?: ErrnoName;
  /** `pread` fails with this errno. */
  readonly preadError?: ErrnoName;
  /** `pwrite` fails with this errno. */
  readonly pwriteError?: ErrnoName;
}

/** `/proc/stat` and `sysconf(_SC_CLK_TCK)` of a {@link FakeCpus} (guest-get-cpustats). */
export interface FakeCpuStats {
  /** Contents of `/proc/stat` (default: empty). */
  readonly procStat?: string | Uint8Array;
  /** Reading `/proc/stat` fails with this errno (at `open`, or at `read` with `procStatCall`). */
  readonly procStatError?: ErrnoName;
  /** The failing call of `procStatError` (default `open`). */
  readonly procStatCall?: "open" | "read";
  /** What `sysconf(_SC_CLK_TCK)` answers (default 100). */
  readonly clockTicks?: number;
}

/** A fake {@link Cpus} over CPUs keyed by id; records every call. */
export class FakeCpus implements Cpus {
  /** Every call, e.g. `open /sys/devices/system/cpu/cpu1/`, `pwrite cpu1/online "0"`. */
  readonly calls: string[] = [];
  readonly #cpus: Record<string, FakeCpu>;
  readonly #stats: FakeCpuStats;
  #fds = new Map<number, { cpu: FakeCpu; name: string }>();
  #nextFd = 3;

  /**
   * Creates the fake from CPUs keyed by id (`"1"` → `/sys/devices/system/cpu/cpu1/`) and the
   * time counters.
   */
  constructor(cpus: Record<string, FakeCpu>, stats: FakeCpuStats = {}) {
    this.#cpus = cpus;
    this.#stats = stats;
  }

  /** The CPU with `id`, to inspect its `online` content. */
  cpu(id: string): FakeCpu | undefined {
    return this.#cpus[id];
  }

  /** {@inheritDoc Cpus.listCpuDir} */
  listCpuDir(): string[] {
    this.calls.push("list /sys/devices/system/cpu");
    return Object.keys(this.#cpus).map((id) => `cpu${id}`);
  }

  /** {@inheritDoc Cpus.openDirectory} */
  openDirectory(path: string): number {
    this.calls.push(`open ${path}`);
    const id = /^\/sys\/devices\/system\/cpu\/cpu(-?\d+)\/$/.exec(path)?.[1];
    const cpu = id === undefined ? undefined : this.#cpus[id];
    if (!cpu) throw OsError.of("ENOENT");
    if (cpu.dirError) throw OsError.of(cpu.dirError);
    return this.#open(cpu, `cpu${id}/`);
  }

  /** {@inheritDoc Cpus.openAt} */
  openAt(dirFd: number, name: string, write: boolean): number {
    const dir = this.#fd(dirFd);
    this.calls.push(`openat ${dir.name} ${name} ${write ? "O_RDWR" : "O_RDONLY"}`);
    if (dir.cpu.openError) throw OsError.of(dir.cpu.openError);
    if (name !== "online" || dir.cpu.online === undefined) throw OsError.of("ENOENT");
    return this.#open(dir.cpu, `${dir.name}${name}`);
  }

  /** {@inheritDoc Cpus.pread} */
  pread(fd: number, length: number, offset: number): Uint8Array {
    const f = this.#fd(fd);
    this.calls.push(`pread ${f.name} ${length}@${offset}`);
    if (f.cpu.preadError) throw OsError.of(f.cpu.preadError);
    return encoder.encode(f.cpu.online ?? "").slice(offset, offset + length);
  }

  /** {@inheritDoc Cpus.pwrite} */
  pwrite(fd: number, bytes: Uint8Array, offset: number): void {
    const f = this.#fd(fd);
    const text = decoder.decode(bytes);
    this.calls.push(`pwrite ${f.name} "${text}"@${offset}`);
    if (f.cpu.pwriteError) throw OsError.of(f.cpu.pwriteError);
    const old = f.cpu.online ?? "";
    f.cpu.online = old.slice(0, offset) + text + old.slice(offset + text.length);
  }

  /** {@inheritDoc Cpus.close} */
  close(fd: number): void {
    this.calls.push(`close ${this.#fds.get(fd)?.name ?? fd}`);
    this.#fds.delete(fd);
  }

  /** {@inheritDoc Cpus.procStat} */
  procStat(): Uint8Array {
    this.calls.push("read /proc/stat");
    const { procStat = "", procStatError, procStatCall = "open" } = this.#stats;
    if (procStatError) throw OsError.of(procStatError, procStatCall);
    return typeof procStat === "string" ? encoder.encode(procStat) : procStat.slice();
  }

  /** {@inheritDoc Cpus.clockTicksPerSecond} */
  clockTicksPerSecond(): number {
    this.calls.push("sysconf _SC_CLK_TCK");
    return this.#stats.clockTicks ?? 100;
  }

  /** Number of descriptors not closed. */
  get openFds(): number {
    return this.#fds.size;
  }

  #open(cpu: FakeCpu, name: string): number {
    const fd = this.#nextFd++;
    this.#fds.set(fd, { cpu, name });
    return fd;
  }

  #fd(fd: number): { cpu: FakeCpu; name: string } {
    const f = this.#fds.get(fd);
    if (!f) throw OsError.of("EBADF");
    return f;
  }
}
