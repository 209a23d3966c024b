/**
 * Fakes of the smaller ops interfaces: {@link FakeRunner} (programs), {@link FakeClock},
 * {@link FakeTimers}, {@link FakeCpuOnline} (`/sys/devices/system/cpu/cpuN/online`) and
 * {@link FakePower} (`/sys/power/state`). Each records what it was asked to do.
 *
 * @module
 */

import type { ClockOps } from "./clock.ts";
import type { CpuOnlineOps } from "./cpu_online.ts";
import { type ErrnoName, osError } from "./os_error.ts";
import type { PowerOps } from "./power.ts";
import type { ProcessRunner, RunOptions, RunOutcome } from "./process.ts";
import type { TimerHandle, TimerOps } from "./timer.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** An `exited` outcome with text output. */
export function exited(code: number, output = ""): RunOutcome {
  return { kind: "exited", code, output: encoder.encode(output) };
}

/** A `signaled` outcome with text output. */
export function signaled(signal: string, output = ""): RunOutcome {
  return { kind: "signaled", signal, output: encoder.encode(output) };
}

/** A `spawn-failed` outcome. */
export function spawnFailed(
  reason: "not-found" | "permission" | "not-capable" | "other",
  text: string,
): RunOutcome {
  return { kind: "spawn-failed", reason, text };
}

/** Decides the outcome of a run (undefined → exit 0 without output). */
export type RunScript = (argv: readonly string[], options: RunOptions) => RunOutcome | undefined;

/** A fake {@link ProcessRunner}. */
export class FakeRunner implements ProcessRunner {
  /** Every run: the argv and the output mode. */
  readonly runs: { argv: string[]; output: RunOptions["output"] }[] = [];
  /** Every `isExecutable` question, in order. */
  readonly accessChecks: string[] = [];
  #executables: ReadonlySet<string>;
  #script: RunScript;

  /**
   * Creates the fake.
   *
   * @param executables Paths for which `isExecutable` answers true.
   * @param script Outcome per run (default: every program exits 0).
   */
  constructor(executables: readonly string[] = [], script: RunScript = () => undefined) {
    this.#executables = new Set(executables);
    this.#script = script;
  }

  /** The argvs run, each joined with spaces. */
  get commandLines(): string[] {
    return this.runs.map((r) => r.argv.join(" "));
  }

  /** {@inheritDoc ProcessRunner.run} */
  run(argv: readonly string[], options: RunOptions): Promise<RunOutcome> {
    this.runs.push({ argv: [...argv], output: options.output });
    return Promise.resolve(this.#script(argv, options) ?? exited(0));
  }

  /** {@inheritDoc ProcessRunner.isExecutable} */
  isExecutable(path: string): boolean {
    this.accessChecks.push(path);
    return this.#executables.has(path);
  }
}

/** A fake {@link ClockOps}. */
export class FakeClock implements ClockOps {
  /** Every `settimeofday` as `settimeofday <sec> <usec>`. */
  readonly calls: string[] = [];
  /** When set, `settimeofday` fails with it. */
  error: ErrnoName | undefined;
  #offset: number;

  /** Creates the fake; `utcOffsetSeconds` is the local zone's offset for `localYear`. */
  constructor(utcOffsetSeconds = 0) {
    this.#offset = utcOffsetSeconds;
  }

  /** {@inheritDoc ClockOps.setTimeOfDay} */
  setTimeOfDay(seconds: bigint, microseconds: bigint): void {
    this.calls.push(`settimeofday ${seconds} ${microseconds}`);
    if (this.error) throw osError(this.error);
  }

  /** {@inheritDoc ClockOps.localYear} */
  localYear(seconds: bigint): number {
    return new Date((Number(seconds) + this.#offset) * 1000).getUTCFullYear();
  }
}

/** A fake {@link TimerOps}: timers run only when the test calls {@link FakeTimers.fire}. */
export class FakeTimers implements TimerOps {
  #next = 1;
  #pending = new Map<unknown, { callback: () => void; ms: number }>();

  /** Delays of the pending timers, in milliseconds. */
  get pending(): number[] {
    return [...this.#pending.values()].map((t) => t.ms);
  }

  /** {@inheritDoc TimerOps.setTimeout} */
  setTimeout(callback: () => void, ms: number): TimerHandle {
    const id = this.#next++;
    this.#pending.set(id, { callback, ms });
    return id;
  }

  /** {@inheritDoc TimerOps.clearTimeout} */
  clearTimeout(handle: TimerHandle): void {
    this.#pending.delete(handle);
  }

  /** Runs every pending timer as if its delay had passed. */
  fire(): void {
    const due = [...this.#pending.values()];
    this.#pending.clear();
    for (const t of due) t.callback();
  }
}

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

/** A fake {@link CpuOnlineOps} over CPUs keyed by directory path. */
export class FakeCpuOnline implements CpuOnlineOps {
  /** Every call, e.g. `open /sys/devices/system/cpu/cpu1/`, `pwrite cpu1/online "0"`. */
  readonly calls: string[] = [];
  readonly #cpus: Record<string, FakeCpu>;
  #fds = new Map<number, { cpu: FakeCpu; name: string }>();
  #nextFd = 3;

  /** Creates the fake from CPUs keyed by id (`"1"` → `/sys/devices/system/cpu/cpu1/`). */
  constructor(cpus: Record<string, FakeCpu>) {
    this.#cpus = cpus;
  }

  /** The CPU with `id`, to inspect its `online` content. */
  cpu(id: string): FakeCpu | undefined {
    return this.#cpus[id];
  }

  /** {@inheritDoc CpuOnlineOps.openDirectory} */
  openDirectory(path: string): number {
    this.calls.push(`open ${path}`);
    const id = /^\/sys\/devices\/system\/cpu\/cpu(-?\d+)\/$/.exec(path)?.[1];
    const cpu = id === undefined ? undefined : this.#cpus[id];
    if (!cpu) throw osError("ENOENT");
    if (cpu.dirError) throw osError(cpu.dirError);
    return this.#open(cpu, `cpu${id}/`);
  }

  /** {@inheritDoc CpuOnlineOps.openAtReadWrite} */
  openAtReadWrite(dirFd: number, name: string): number {
    const dir = this.#fd(dirFd);
    this.calls.push(`openat ${dir.name} ${name} O_RDWR`);
    if (dir.cpu.openError) throw osError(dir.cpu.openError);
    if (name !== "online" || dir.cpu.online === undefined) throw osError("ENOENT");
    return this.#open(dir.cpu, `${dir.name}${name}`);
  }

  /** {@inheritDoc CpuOnlineOps.pread} */
  pread(fd: number, length: number, offset: number): Uint8Array {
    const f = this.#fd(fd);
    this.calls.push(`pread ${f.name} ${length}@${offset}`);
    if (f.cpu.preadError) throw osError(f.cpu.preadError);
    return encoder.encode(f.cpu.online ?? "").slice(offset, offset + length);
  }

  /** {@inheritDoc CpuOnlineOps.pwrite} */
  pwrite(fd: number, bytes: Uint8Array, offset: number): void {
    const f = this.#fd(fd);
    const text = decoder.decode(bytes);
    this.calls.push(`pwrite ${f.name} "${text}"@${offset}`);
    if (f.cpu.pwriteError) throw osError(f.cpu.pwriteError);
    const old = f.cpu.online ?? "";
    f.cpu.online = old.slice(0, offset) + text + old.slice(offset + text.length);
  }

  /** {@inheritDoc CpuOnlineOps.close} */
  close(fd: number): void {
    this.calls.push(`close ${this.#fds.get(fd)?.name ?? fd}`);
    this.#fds.delete(fd);
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
    if (!f) throw osError("EBADF");
    return f;
  }
}

/** A fake {@link PowerOps}. */
export class FakePower implements PowerOps {
  /** Words written, in order. */
  readonly writes: string[] = [];
  /** Reads made (their `max`). */
  readonly reads: number[] = [];

  /**
   * Creates the fake.
   *
   * @param state Content of `/sys/power/state`; `null` = cannot be opened.
   * @param writeError Writing fails with this errno.
   */
  constructor(readonly state: string | null, readonly writeError?: ErrnoName) {}

  /** {@inheritDoc PowerOps.readPowerState} */
  readPowerState(max: number): Uint8Array | null {
    this.reads.push(max);
    if (this.state === null || this.state === "") return null;
    return encoder.encode(this.state).slice(0, max);
  }

  /** {@inheritDoc PowerOps.writePowerState} */
  writePowerState(word: string): void {
    this.writes.push(word);
    if (this.writeError) throw osError(this.writeError);
  }
}
