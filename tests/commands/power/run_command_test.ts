/**
 * The run-command helper's texts, and the production `DenoProcesses` on harmless programs
 * (`sh -c 'echo ...'`): merged output, exit codes, signals, spawn failures, and a program refused
 * by a narrow `--allow-run` list (in a child `deno run`).
 *
 * @module
 */

import assert from "node:assert/strict";
import { checkRunOutcome, runCommand } from "../../../src/commands/power/run_command.ts";
import { QgaError } from "../../../src/schema/errors.ts";
import { DenoProcesses } from "../../../src/sys/processes.ts";
import { exited, FakeProcesses, signaled } from "../../helpers/fake_sys/fake_sys.ts";
import type { RunOutcome } from "../../../src/sys/processes.ts";

function descOf(argv: string[], action: string, outcome: RunOutcome): string | Uint8Array {
  try {
    checkRunOutcome(argv, action, outcome);
  } catch (e) {
    if (e instanceof QgaError) return e.desc;
    throw e;
  }
  return "<ok>";
}

Deno.test("checkRunOutcome() accepts exit 0 whatever the output", () => {
  assert.equal(descOf(["x"], "a", exited(0, "noise\n")), "<ok>");
});

Deno.test("checkRunOutcome() cuts the output at a NUL byte, like printf %s", () => {
  assert.equal(descOf(["x"], "act", exited(2, "abc\0def")), "child process has failed to act: abc");
  assert.equal(descOf(["x"], "act", exited(2, "\0hidden")), "child process has failed to act: ");
  assert.equal(
    descOf(["x"], "act", signaled("SIGABRT", "core\0x")),
    "child process has terminated abnormally: core",
  );
});

Deno.test("checkRunOutcome() keeps output that is not UTF-8 as raw bytes", () => {
  const outcome: RunOutcome = { kind: "exited", code: 1, output: Uint8Array.of(0x66, 0xff, 0x0a) };
  const desc = descOf(["x"], "act", outcome);
  assert.ok(desc instanceof Uint8Array);
  assert.deepEqual(
    desc,
    new Uint8Array([
      ...new TextEncoder().encode("child process has failed to act: "),
      0x66,
      0xff,
      0x0a,
    ]),
  );
});

Deno.test("runCommand() asks for captured output", async () => {
  const runner = new FakeProcesses();
  await runCommand(runner, ["/bin/x", "-y"], "do x");
  assert.deepEqual(runner.runs, [{ argv: ["/bin/x", "-y"], output: "capture" }]);
});

Deno.test("DenoProcesses captures stdout and stderr together and the exit code", async () => {
  const runner = new DenoProcesses();
  const outcome = await runner.run(
    ["/bin/sh", "-c", "echo out; sleep 0.05; echo err >&2; sleep 0.05; echo out2; exit 3"],
    { output: "capture" },
  );
  assert.equal(outcome.kind, "exited");
  if (outcome.kind !== "exited") return;
  assert.equal(outcome.code, 3);
  assert.equal(new TextDecoder().decode(outcome.output), "out\nerr\nout2\n");
});

Deno.test("DenoProcesses gives the child /dev/null as stdin and discards output on request", async () => {
  const runner = new DenoProcesses();
  const stdin = await runner.run(["/bin/sh", "-c", "cat; echo done"], { output: "capture" });
  assert.deepEqual(stdin.kind === "exited" && new TextDecoder().decode(stdin.output), "done\n");
  const quiet = await runner.run(["/bin/sh", "-c", "echo hidden; exit 4"], { output: "discard" });
  assert.deepEqual(quiet, { kind: "exited", code: 4, output: new Uint8Array() });
});

Deno.test("DenoProcesses reports a signal and spawn failures", async () => {
  const runner = new DenoProcesses();
  const killed = await runner.run(["/bin/sh", "-c", "echo bye; kill -9 $$"], { output: "capture" });
  assert.equal(killed.kind, "signaled");
  assert.equal(killed.kind === "signaled" && killed.signal, "SIGKILL");
  assert.deepEqual(await runner.run(["/nonexistent/qga-hook", "freeze"], { output: "capture" }), {
    kind: "spawn-failed",
    reason: "not-found",
    text: "No such file or directory",
  });
  const plain = await Deno.makeTempFile();
  try {
    await Deno.chmod(plain, 0o644);
    assert.deepEqual(await runner.run([plain], { output: "capture" }), {
      kind: "spawn-failed",
      reason: "permission",
      text: "Permission denied",
    });
  } finally {
    await Deno.remove(plain);
  }
  assert.deepEqual(await runner.run(["qga-deno-no-such-helper"], { output: "discard" }), {
    kind: "spawn-failed",
    reason: "not-found",
    text: "No such file or directory",
  });
});

Deno.test("DenoProcesses.isExecutable() checks for an execute bit", () => {
  const runner = new DenoProcesses();
  const file = Deno.makeTempFileSync();
  try {
    Deno.chmodSync(file, 0o644);
    assert.equal(runner.isExecutable(file), false);
    Deno.chmodSync(file, 0o700);
    assert.equal(runner.isExecutable(file), true);
  } finally {
    Deno.removeSync(file);
  }
  assert.equal(runner.isExecutable("/bin/sh"), true);
  assert.equal(runner.isExecutable("/nonexistent/qga"), false);
});

Deno.test("DenoProcesses reports a program outside --allow-run as not-capable", async () => {
  const script = await Deno.makeTempFile({ suffix: ".ts" });
  try {
    const module = new URL("../../../src/sys/processes.ts", import.meta.url).href;
    await Deno.writeTextFile(
      script,
      `import { DenoProcesses } from ${JSON.stringify(module)};\n` +
        `const o = await new DenoProcesses().run(["/bin/sh", "-c", "true"], { output: "capture" });\n` +
        `console.log(JSON.stringify({ kind: o.kind, reason: o.kind === "spawn-failed" ? o.reason : "" }));\n`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-q", "--no-config", "--allow-run=/bin/true", script],
      stdin: "null",
      stderr: "inherit",
    }).output();
    assert.equal(out.code, 0);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(out.stdout)), {
      kind: "spawn-failed",
      reason: "not-capable",
    });
  } finally {
    await Deno.remove(script);
  }
});
