/**
 * Idle channels must not spin: each scenario of `fixtures/idle_channel.ts` runs in its own
 * process for 10 s (60 s with `QGA_LONG=1`) while the test reads that process's CPU time from
 * `/proc/<pid>/stat`; the process must use less than 2% of one CPU, and must exit promptly when
 * asked to (its worker-thread waits all return on close).
 *
 * @module
 */

import assert from "node:assert/strict";
import { sleep } from "../helpers/async.ts";
import { cpuSeconds } from "../helpers/proc.ts";

const FIXTURE = new URL("./fixtures/idle_channel.ts", import.meta.url).pathname;
const MEASURE_MS = Deno.env.get("QGA_LONG") === "1" ? 60_000 : 10_000;
const MAX_SHARE = 0.02;

/** Runs one scenario; resolves to the CPU share used while idle. */
async function measure(mode: string, ...args: string[]): Promise<number> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", FIXTURE, mode, ...args],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const stdin = child.stdin.getWriter();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  try {
    // The fixture prints "ready" once its channel waits.
    const deadline = setTimeout(() => child.kill("SIGKILL"), 15_000);
    while (!text.includes("\n")) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    clearTimeout(deadline);
    assert.equal(text, "ready\n", `${mode} did not start: ${text}`);
    await sleep(500); // let start-up work (compilation, GC) settle
    const before = cpuSeconds(child.pid);
    const started = performance.now();
    await sleep(MEASURE_MS);
    const used = cpuSeconds(child.pid) - before;
    const share = used / ((performance.now() - started) / 1000);
    console.log(
      `${mode}: ${(used * 1000).toFixed(0)} ms CPU in ${MEASURE_MS / 1000} s ` +
        `(${(share * 100).toFixed(2)}% of one CPU)`,
    );
    return share;
  } finally {
    const closing = performance.now();
    await stdin.close();
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    const status = await child.status;
    clearTimeout(timer);
    const exitMs = performance.now() - closing;
    for (let r = await reader.read(); !r.done; r = await reader.read()) text += r.value;
    assert.equal(await stderr, "");
    assert.equal(text, "ready\n", `${mode} read something: ${text}`);
    assert.equal(status.code, 0, `${mode} did not exit cleanly on request`);
    assert.ok(exitMs < 2000, `${mode} took ${exitMs} ms to exit after close`);
  }
}

Deno.test(`idle channels use < 2% CPU over ${MEASURE_MS / 1000} s (host gone, host silent, no client)`, async () => {
  const dir = await Deno.makeTempDir();
  const shares = await Promise.all([measure("hangup"), measure("idle"), measure("listen", dir)]);
  for (const share of shares) assert.ok(share < MAX_SHARE, `${(share * 100).toFixed(2)}% CPU`);
});
