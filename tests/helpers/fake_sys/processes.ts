/**
 * A fake of the process domain ({@link Processes}): records each program run and each spawn and
 * answers from scripts, with helpers to build outcomes. Spawned children are {@link FakeChild}ren
 * the test drives by hand: write output, close the pipes, end the child.
 *
 * @module
 */

import type {
  CaptureMode,
  ChildExit,
  Processes,
  RunOptions,
  RunOutcome,
  SpawnedChild,
  SpawnFailure,
  SpawnOutcome,
  SpawnRequest,
} from "../../../src/sys/processes.ts";

const encoder = new TextEncoder();

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
  reason: "not-found" | "permission" | "not-capable" | "not-listed" | "other",
  text: string,
): SpawnFailure {
  return { kind: "spawn-failed", reason, text };
}

/** Decides the outcome of a run (undefined → exit 0 without output). */
export type RunScript = (argv: readonly string[], options: RunOptions) => RunOutcome | undefined;

/** Decides a spawn: a failure, or undefined to start a {@link FakeChild}. */
export type SpawnScript = (request: SpawnRequest) => SpawnFailure | undefined;

/** The `PATH` of the fake, searched by `findProgram`. */
export const FAKE_PATH: readonly string[] = [
  "/usr/local/sbin",
  "/usr/local/bin",
  "/usr/sbin",
  "/usr/bin",
  "/sbin",
  "/bin",
];

function bytesOf(data: string | Uint8Array): Uint8Array {
  return typeof data === "string" ? encoder.encode(data) : data.slice();
}

/** A byte stream (BYOB reads allowed, like Deno's pipes) whose chunks the test pushes. */
class Pipe {
  readonly stream: ReadableStream<Uint8Array>;
  #controller!: ReadableByteStreamController;
  #open = true;

  constructor() {
    this.stream = new ReadableStream({
      type: "bytes",
      start: (c) => void (this.#controller = c),
    });
  }

  write(bytes: Uint8Array): void {
    if (this.#open && bytes.length > 0) this.#controller.enqueue(bytes as Uint8Array<ArrayBuffer>);
  }

  close(): void {
    if (this.#open) {
      this.#controller.close();
      // A pending BYOB read ends only once its request is answered.
      this.#controller.byobRequest?.respond(0);
    }
    this.#open = false;
  }
}

/** A child started by {@link FakeProcesses.spawn}, driven by the test. */
export class FakeChild implements SpawnedChild {
  /** {@inheritDoc SpawnedChild.pid} */
  readonly pid: number;
  /** {@inheritDoc SpawnedChild.stdout} */
  readonly stdout: ReadableStream<Uint8Array> | null;
  /** {@inheritDoc SpawnedChild.stderr} */
  readonly stderr: ReadableStream<Uint8Array> | null;
  /** {@inheritDoc SpawnedChild.exit} */
  readonly exit: Promise<ChildExit>;
  /** {@inheritDoc SpawnedChild.input} */
  readonly input: Promise<string | undefined>;
  /** The request it was started with. */
  readonly request: SpawnRequest;
  #out: Pipe | undefined;
  #err: Pipe | undefined;
  #mode: CaptureMode;
  #end!: (exit: ChildExit) => void;
  #ended = false;
  #writeInput!: (error: string | undefined) => void;

  /**
   * Creates a running child.
   *
   * @param pid Its pid.
   * @param request What it was started with.
   * @param input `inputError`: what writing its input reports; `holdInput`: the input stays
   *   unwritten until {@link inputWritten}.
   */
  constructor(
    pid: number,
    request: SpawnRequest,
    input: { inputError?: string; holdInput?: boolean } = {},
  ) {
    this.pid = pid;
    this.request = request;
    this.#mode = request.capture;
    const mode = this.#mode;
    this.#out = mode === "stdout" || mode === "separated" || mode === "merged"
      ? new Pipe()
      : undefined;
    this.#err = mode === "stderr" || mode === "separated" ? new Pipe() : undefined;
    this.stdout = this.#out?.stream ?? null;
    this.stderr = this.#err?.stream ?? null;
    this.exit = new Promise((resolve) => (this.#end = resolve));
    this.input = new Promise((resolve) => (this.#writeInput = resolve));
    if (request.input === undefined) this.#writeInput(undefined);
    else if (!input.holdInput) this.#writeInput(input.inputError);
  }

  /** Completes the writing of a held input (`error`: what the write reports). */
  inputWritten(error?: string): this {
    this.#writeInput(error);
    return this;
  }

  /** True once {@link end} was called. */
  get ended(): boolean {
    return this.#ended;
  }

  /** Writes to the child's stdout (dropped unless captured). */
  writeStdout(data: string | Uint8Array): this {
    this.#out?.write(bytesOf(data));
    return this;
  }

  /** Writes to the child's stderr (into stdout in `merged` mode; dropped unless captured). */
  writeStderr(data: string | Uint8Array): this {
    (this.#mode === "merged" ? this.#out : this.#err)?.write(bytesOf(data));
    return this;
  }

  /** Closes the captured pipes (end of file for the reader). */
  closeOutput(): this {
    this.#out?.close();
    this.#err?.close();
    return this;
  }

  /** Ends the child (reaped) with `exit`; the pipes stay as they are. */
  end(exit: ChildExit): this {
    this.#ended = true;
    this.#end(exit);
    return this;
  }

  /** Writes the outputs, closes the pipes and exits with `code`. */
  finish(code: number, output: { stdout?: string | Uint8Array; stderr?: string } = {}): this {
    if (output.stdout !== undefined) this.writeStdout(output.stdout);
    if (output.stderr !== undefined) this.writeStderr(output.stderr);
    return this.closeOutput().end({ kind: "exited", code });
  }
}

/** A fake {@link Processes}: records every run and spawn and answers from scripts. */
export class FakeProcesses implements Processes {
  /** Every run: the argv, the output mode and the input, if any. */
  readonly runs: { argv: string[]; output: RunOptions["output"]; input?: Uint8Array }[] = [];
  /** Every `isExecutable` question, in order. */
  readonly accessChecks: string[] = [];
  /** Every `findProgram` question, in order. */
  readonly programLookups: string[] = [];
  /** Every spawn request (a failed one too), in order. */
  readonly spawns: SpawnRequest[] = [];
  /** Every child started, in order. */
  readonly children: FakeChild[] = [];
  /** The pid the next child gets. */
  nextPid = 4000;
  /** What writing a child's input reports (undefined: success). */
  inputError: string | undefined;
  /** When true, a child's input stays unwritten until `FakeChild.inputWritten`. */
  holdInput = false;
  #executables: ReadonlySet<string>;
  #script: RunScript;
  #spawnScript: SpawnScript;

  /**
   * Creates the fake.
   *
   * @param executables Paths for which `isExecutable` answers true (and `findProgram` finds).
   * @param script Outcome per run (default: every program exits 0).
   * @param spawnScript Outcome per spawn (default: every child starts).
   */
  constructor(
    executables: readonly string[] = [],
    script: RunScript = () => undefined,
    spawnScript: SpawnScript = () => undefined,
  ) {
    this.#executables = new Set(executables);
    this.#script = script;
    this.#spawnScript = spawnScript;
  }

  /** The argvs run, each joined with spaces. */
  get commandLines(): string[] {
    return this.runs.map((r) => r.argv.join(" "));
  }

  /** {@inheritDoc Processes.run} */
  run(argv: readonly string[], options: RunOptions): Promise<RunOutcome> {
    const run: FakeProcesses["runs"][number] = { argv: [...argv], output: options.output };
    if (options.input !== undefined) run.input = options.input.slice();
    this.runs.push(run);
    return Promise.resolve(this.#script(argv, options) ?? exited(0));
  }

  /** {@inheritDoc Processes.isExecutable} */
  isExecutable(path: string): boolean {
    this.accessChecks.push(path);
    return this.#executables.has(path);
  }

  /** {@inheritDoc Processes.findProgram}: searches {@link FAKE_PATH} among the executables. */
  findProgram(name: string): string | undefined {
    this.programLookups.push(name);
    const candidates = name.includes("/") ? [name] : FAKE_PATH.map((dir) => `${dir}/${name}`);
    return candidates.find((path) => this.#executables.has(path));
  }

  /** {@inheritDoc Processes.spawn} */
  spawn(request: SpawnRequest): SpawnOutcome {
    const copy = { ...request, ...(request.input ? { input: request.input.slice() } : {}) };
    this.spawns.push(copy);
    const failure = this.#spawnScript(copy);
    if (failure) return failure;
    const child = new FakeChild(this.nextPid++, copy, {
      inputError: this.inputError,
      holdInput: this.holdInput,
    });
    this.children.push(child);
    return { kind: "spawned", child };
  }
}
