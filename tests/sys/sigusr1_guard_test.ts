/**
 * `guardAgainstInspectorSignal()` on a tiny script (`fixtures/sigusr1_target.ts`), with controls
 * that show the checks can fail: without the guard, SIGUSR1 after 1 s opens Deno's inspector on
 * 127.0.0.1:9229, and the burst of the burst test kills the script or starts its inspector.
 *
 * Where possible (root, `unshare`) each script runs in a network namespace of its own, so other
 * processes using 9229 (agents of parallel tests, a developer's inspector) cannot disturb the
 * result, and the script itself probes 9229 from inside. Otherwise the checks fall back to the
 * listeners the script's own fds hold (`/proc/<pid>/net/tcp` + `/proc/<pid>/fd`).
 *
 * @module
 */

import assert from "node:assert/strict";
import { sleep, withTimeout } from "../helpers/async.ts";

const TARGET = new URL("./fixtures/sigusr1_target.ts", import.meta.url).pathname;
const INSPECTOR = `0100007F:${(9229).toString(16).toUpperCase().padStart(4, "0")}`;

const NETNS = await new Deno.Command("unshare", { args: ["-n", "true"], stderr: "null" })
  .output().then((o) => o.success, () => false);
if (!NETNS) console.log("no network namespace (unshare -n failed): checking socket ownership only");

/** The script as a child process, and a line-based conversation with it. */
class Target {
  readonly child: Deno.ChildProcess;
  readonly started = performance.now();
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #lines: AsyncIterator<string>;
  #stderr: Promise<string>;
  exited: Deno.CommandStatus | undefined;

  constructor(mode: "guard" | "plain") {
    const deno = [Deno.execPath(), "run", "-A", TARGET, mode];
    const [program, ...args] = NETNS
      ? ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$0" "$@"', ...deno]
      : deno;
    this.child = new Deno.Command(program!, {
      args,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.child.status.then((s) => (this.exited = s));
    this.#writer = this.child.stdin.getWriter();
    this.#lines = this.child.stdout.pipeThrough(new TextDecoderStream()).pipeThrough(
      new TransformStream<string, string>(
        {
          buffer: "",
          transform(chunk, controller) {
            const parts = (this.buffer + chunk).split("\n");
            this.buffer = parts.pop()!;
            for (const line of parts) controller.enqueue(line);
          },
        } as Transformer<string, string> & { buffer: string },
      ),
    )[Symbol.asyncIterator]();
    this.#stderr = new Response(this.child.stderr).text();
  }

  /** Sends `command` and returns the answer line (times out after 10 s). */
  async ask(command: string): Promise<string> {
    await this.#writer.write(new TextEncoder().encode(`${command}\n`));
    return await this.line();
  }

  /** The next line the script prints. */
  async line(): Promise<string> {
    const next = await withTimeout(this.#lines.next(), 10_000, "no answer from the script");
    if (next.done) throw new Error(`the script ended (${JSON.stringify(this.exited)})`);
    return next.value;
  }

  /** True if the script holds a socket listening on 127.0.0.1:9229. */
  listensOn9229(): boolean {
    const pid = this.child.pid;
    const inodes = new Set<string>();
    for (const line of Deno.readTextFileSync(`/proc/${pid}/net/tcp`).split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[1] === INSPECTOR && f[3] === "0A" && f[9] !== undefined) inodes.add(f[9]);
    }
    for (const entry of Deno.readDirSync(`/proc/${pid}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(Deno.readLinkSync(`/proc/${pid}/fd/${entry.name}`));
        if (m && inodes.has(m[1]!)) return true;
      } catch {
        // Closed meanwhile.
      }
    }
    return false;
  }

  /** Sleeps until `ms` after the spawn. */
  async at(ms: number): Promise<void> {
    await sleep(Math.max(0, this.started + ms - performance.now()));
  }

  /** Kills the script; resolves to its stderr. */
  async stop(): Promise<string> {
    try {
      this.child.kill("SIGKILL");
    } catch {
      // Already gone.
    }
    await this.#writer.close().catch(() => {});
    await this.child.status;
    await this.#lines.return?.();
    return await this.#stderr;
  }
}

Deno.test("guard: SIGUSR1 1 s after start opens no inspector and the process lives on", async () => {
  const target = new Target("guard");
  try {
    assert.equal(await target.line(), "ready");
    await target.at(1000);
    Deno.kill(target.child.pid, "SIGUSR1");
    await sleep(500);
    assert.equal(target.exited, undefined, "SIGUSR1 killed the guarded script");
    assert.equal(await target.ask("ping"), "pong");
    assert.equal(await target.ask("sigusr1"), "ignore");
    assert.ok(!target.listensOn9229(), "the guarded script listens on 127.0.0.1:9229");
    if (NETNS) assert.match(await target.ask("probe"), /^closed ConnectionRefused$/);
  } finally {
    const stderr = await target.stop();
    assert.doesNotMatch(stderr, /Debugger listening/);
  }
});

/** The burst's end: 1.5 s after the spawn, well after Deno installs its handler (~0.5 s). */
const BURST_UNTIL_MS = 1500;
/** Fewer signals than this before {@linkcode BURST_UNTIL_MS} do not make a burst. */
const MIN_BURST = 20;

/**
 * Sends SIGUSR1 to the script every 2 ms until {@linkcode BURST_UNTIL_MS} after its spawn or
 * until it is gone; resolves to the number of signals the kernel accepted.
 */
async function burst(target: Target): Promise<number> {
  let sent = 0;
  while (performance.now() - target.started < BURST_UNTIL_MS && target.exited === undefined) {
    try {
      Deno.kill(target.child.pid, "SIGUSR1");
    } catch {
      break; // The script is gone (the control's default action): nothing more to send.
    }
    sent++;
    await sleep(2);
  }
  return sent;
}

Deno.test("guard: a SIGUSR1 burst across Deno's handler installation opens no inspector", async () => {
  const target = new Target("guard");
  let sent = 0;
  try {
    assert.equal(await target.line(), "ready");
    // The guard ignores SIGUSR1 before its first answer; signal every 2 ms until 1.5 s.
    assert.equal(await target.ask("sigusr1"), "ignore");
    sent = await burst(target);
    assert.ok(
      sent >= MIN_BURST,
      `only ${sent} SIGUSR1 sent before ${BURST_UNTIL_MS} ms after the spawn: no burst across ` +
        "Deno's handler installation, so this test would prove nothing",
    );
    await sleep(300);
    assert.equal(target.exited, undefined, "the burst killed the guarded script");
    assert.equal(await target.ask("ping"), "pong");
    assert.ok(!target.listensOn9229(), "the guarded script listens on 127.0.0.1:9229");
    if (NETNS) assert.match(await target.ask("probe"), /^closed /);
  } finally {
    const stderr = await target.stop();
    assert.doesNotMatch(stderr, /Debugger listening/);
    // A signal that hit the window between Deno's installation and the guard's next poll starts
    // an inspector that cannot bind the reserved port; nothing else may appear.
    for (const line of stderr.split("\n").filter((l) => l !== "")) {
      assert.match(line, /^Failed to start inspector server/);
    }
    console.log(`${sent} SIGUSR1 sent; ${stderr === "" ? "none" : "one"} reached Deno's handler`);
  }
});

Deno.test("control: without the guard, the same burst kills the script or starts its inspector", async () => {
  const target = new Target("plain");
  let sent = 0;
  let stderr = "";
  try {
    assert.equal(await target.line(), "ready");
    sent = await burst(target);
    await sleep(300);
  } finally {
    stderr = await target.stop();
  }
  // Before Deno's handler exists SIGUSR1 terminates the process; after, it starts the inspector
  // (which prints that it failed when another process holds 127.0.0.1:9229). Either shows that
  // the burst's signals arrive.
  const killed = target.exited?.signal === "SIGUSR1";
  const inspector = /Debugger listening on ws:|Failed to start inspector server/.test(stderr);
  assert.ok(sent > 0, "no SIGUSR1 sent");
  assert.ok(
    killed || inspector,
    `${sent} SIGUSR1 sent to an unguarded deno ${Deno.version.deno} changed nothing ` +
      `(exit ${JSON.stringify(target.exited)}); stderr: ${stderr}`,
  );
  console.log(`${sent} SIGUSR1 sent; ${killed ? "killed by SIGUSR1" : "inspector started"}`);
});

Deno.test("control: without the guard, SIGUSR1 after 1 s opens the inspector", async () => {
  const target = new Target("plain");
  let opened = false;
  try {
    assert.equal(await target.line(), "ready");
    await target.at(1000);
    const deadline = performance.now() + 5000;
    while (!opened && performance.now() < deadline) {
      Deno.kill(target.child.pid, "SIGUSR1");
      await sleep(300);
      opened = target.listensOn9229() && (!NETNS || (await target.ask("probe")) === "open");
    }
    assert.equal(target.exited, undefined);
    assert.equal(await target.ask("sigusr1"), "handler");
  } finally {
    const stderr = await target.stop();
    assert.ok(
      opened,
      `SIGUSR1 did not open the inspector of an unguarded deno ${Deno.version.deno}; the guard ` +
        `tests above prove nothing on this runtime. stderr: ${stderr}`,
    );
    assert.match(stderr, /Debugger listening on ws:\/\/127\.0\.0\.1:9229\//);
  }
});
