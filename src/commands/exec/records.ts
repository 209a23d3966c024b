/**
 * The guest-exec process records: one per started child, from `guest-exec` until the first
 * `guest-exec-status` that reports `exited: true` (qemu-ga's `guest_exec_state.processes`).
 *
 * A record follows its child on its own: it reads every captured stream to its end (capturing
 * up to the caps of `./capture.ts`, dropping the rest, so the child never blocks on a full pipe)
 * and waits for the child's end (Deno reaps it), whether or not anybody ever asks. It counts as
 * exited once the child has ended and every captured stream has reached end of file.
 *
 * Bounds (qga-deno; qemu-ga keeps records without limit): at most {@link ExecLimits.records}
 * uncollected records, and at most {@link ExecLimits.budget} bytes of captured output plus
 * not-yet-written input across all of them; a `guest-exec` beyond either is refused with a
 * GenericError ({@link ExecTable.admit}).
 *
 * Records are found by pid; if the kernel reuses the pid of an uncollected record, the older
 * record is found first, as in qemu-ga's list.
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import { beginLoopWork } from "../../sys/loop_work.ts";
import type { ChildExit, Processes, SpawnedChild } from "../../sys/processes.ts";
import { CapturedOutput, captureStream, OutputBudget } from "./capture.ts";

/** The bounds of an {@link ExecTable}. */
export interface ExecLimits {
  /** Uncollected records at most. */
  readonly records: number;
  /** Bytes of captured output and pending input at most. */
  readonly budget: number;
}

/**
 * The production bounds: 1024 records, 32 MiB — both streams of one child at qemu-ga's 16 MiB
 * cap. Collecting that largest reply costs ~90 MiB more for a moment (45 MiB of base64 text,
 * then as much again encoded for the wire), so with the budget full the agent stays within its
 * 200 MiB peak (measured: 178 MiB peak RSS, tests/commands/exec/agent_exec_test.ts).
 */
export const DEFAULT_EXEC_LIMITS: ExecLimits = { records: 1024, budget: 32 * 1024 * 1024 };

/** One started child. */
export class ExecRecord {
  /** The child's pid. */
  readonly pid: number;
  /** Captured stdout (merged: both streams), if captured. */
  readonly out: CapturedOutput | undefined;
  /** Captured stderr, if captured. */
  readonly err: CapturedOutput | undefined;
  #exit: ChildExit | undefined;
  #open = 0;
  /** Ends the record's claim on the event loop (`../../sys/loop_work.ts`) once it has exited. */
  #endLoopWork = beginLoopWork();

  /** Starts following `child`, capturing into memory taken from `budget`. */
  constructor(child: SpawnedChild, budget: OutputBudget) {
    this.pid = child.pid;
    this.out = child.stdout ? this.#follow(child.stdout, new CapturedOutput(budget)) : undefined;
    this.err = child.stderr ? this.#follow(child.stderr, new CapturedOutput(budget)) : undefined;
    void child.exit.then((exit) => {
      this.#exit = exit;
      this.#settle();
    });
  }

  /** How the child ended, once it has. */
  get exit(): ChildExit | undefined {
    return this.#exit;
  }

  /** True once the child has ended and every captured stream has reached end of file. */
  get exited(): boolean {
    return this.#exit !== undefined && this.#open === 0;
  }

  /** Frees the captured output. */
  release(): void {
    this.out?.release();
    this.err?.release();
  }

  #follow(stream: ReadableStream<Uint8Array>, capture: CapturedOutput): CapturedOutput {
    this.#open++;
    void captureStream(stream, capture).finally(() => {
      this.#open--;
      this.#settle();
    });
    return capture;
  }

  #settle(): void {
    if (this.exited) this.#endLoopWork();
  }
}

/** The records of one agent, with their bounds. */
export class ExecTable {
  #records = new Map<number, ExecRecord[]>();
  #count = 0;
  /** The shared memory budget. */
  readonly budget: OutputBudget;

  /** Creates an empty table. */
  constructor(readonly limits: ExecLimits = DEFAULT_EXEC_LIMITS) {
    this.budget = new OutputBudget(limits.budget);
  }

  /** Uncollected records. */
  get size(): number {
    return this.#count;
  }

  /**
   * Checks the bounds for a new child with `input` bytes of input and takes them from the
   * budget (give them back with {@link OutputBudget.give} once written).
   *
   * @throws QgaError when a bound is reached.
   */
  admit(input: number): void {
    if (this.#count >= this.limits.records) {
      throw new QgaError(
        `guest-exec refused: ${this.limits.records} processes are waiting to be collected ` +
          "with guest-exec-status",
      );
    }
    if (this.budget.exhausted || !this.budget.reserve(input)) {
      throw new QgaError(
        `guest-exec refused: ${mib(this.budget.used)} of output and input is held for ` +
          `processes not yet collected (limit ${mib(this.limits.budget)}); collect them with ` +
          "guest-exec-status",
      );
    }
  }

  /** Starts following `child` and files its record. */
  add(child: SpawnedChild): ExecRecord {
    const record = new ExecRecord(child, this.budget);
    const list = this.#records.get(record.pid);
    if (list) list.push(record);
    else this.#records.set(record.pid, [record]);
    this.#count++;
    return record;
  }

  /** The record for `pid` (the oldest, if several), or undefined. */
  find(pid: bigint): ExecRecord | undefined {
    if (pid < 0n || pid > 0x7fffffffn) return undefined;
    return this.#records.get(Number(pid))?.[0];
  }

  /** Removes `record` and frees its output. */
  remove(record: ExecRecord): void {
    const list = this.#records.get(record.pid);
    const at = list?.indexOf(record) ?? -1;
    if (!list || at < 0) return;
    list.splice(at, 1);
    if (list.length === 0) this.#records.delete(record.pid);
    this.#count--;
    record.release();
  }
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

const tables = new WeakMap<Processes, ExecTable>();

/**
 * The record table of the agent that owns `processes` (one per `Sys`), created with `limits`
 * on first use.
 */
export function execTableOf(processes: Processes, limits?: ExecLimits): ExecTable {
  let table = tables.get(processes);
  if (!table) tables.set(processes, table = new ExecTable(limits));
  return table;
}
