/**
 * guest-exec and guest-exec-status through the real dispatcher over the fake `Sys`: the exact
 * spawn requests, replies (bytes and member order, as recorded from qemu-ga 7.2), error texts and
 * audit lines, the exited-only-after-EOF rule and the 16 MiB cap. Nothing is ever started.
 *
 * @module
 */

import assert from "node:assert/strict";
import { spawnFailed } from "../../helpers/fake_sys/fake_sys.ts";
import { exec, execSession, genericError, settle, status } from "./helpers.ts";

const enc = new TextEncoder();

Deno.test("guest-exec starts path + arg with the environment, input and capture mode asked for", async () => {
  const s = execSession();
  const reply = await s.ask(exec({
    path: "/bin/sh",
    arg: ["-c", "cat; env"],
    env: ["A=1", "PATH=/usr/bin"],
    "input-data": "aGVsbG8K",
    "capture-output": true,
  }));
  assert.equal(reply, '{"return": {"pid": 4000}}');
  assert.deepEqual(s.sys.processes.spawns, [{
    path: "/bin/sh",
    args: ["-c", "cat; env"],
    env: ["A=1", "PATH=/usr/bin"],
    input: enc.encode("hello\n"),
    capture: "separated",
  }]);
  assert.deepEqual(s.log.lines, ['audit: guest-exec called: "/bin/sh -c cat; env"']);
});

Deno.test("guest-exec without env, input or capture inherits the environment, stdin and stdout are /dev/null", async () => {
  const s = execSession();
  assert.equal(
    await s.ask(exec({ path: "echo", arg: ["a b", "", "c"] })),
    '{"return": {"pid": 4000}}',
  );
  assert.deepEqual(s.sys.processes.spawns, [{
    path: "echo",
    args: ["a b", "", "c"],
    capture: "none",
  }]);
  assert.deepEqual(s.log.lines, ['audit: guest-exec called: "echo a b  c"']);
});

Deno.test("guest-exec maps capture-output: 7.2's bool and upstream's modes", async () => {
  const s = execSession();
  const cases: [unknown, string][] = [
    [false, "none"],
    [true, "separated"],
    ["none", "none"],
    ["stdout", "stdout"],
    ["stderr", "stderr"],
    ["separated", "separated"],
    ["merged", "merged"],
  ];
  for (const [value, mode] of cases) {
    await s.ask(exec({ path: "/bin/true", "capture-output": value }));
    assert.equal(s.sys.processes.spawns.at(-1)?.capture, mode, String(value));
  }
});

Deno.test("guest-exec passes a \\u0000 on: it is not a string end (QEMU keeps it as C0 80)", async () => {
  const s = execSession();
  await s.ask(exec({ path: "/bin/echo\u0000x", arg: ["a\u0000b"], env: ["A=1\u0000B=2"] }));
  assert.deepEqual(s.sys.processes.spawns, [{
    path: "/bin/echo\u0000x",
    args: ["a\u0000b"],
    env: ["A=1\u0000B=2"],
    capture: "none",
  }]);
  assert.deepEqual(s.log.lines, ['audit: guest-exec called: "/bin/echo\u0000x a\u0000b"']);
});

Deno.test("guest-exec with bad input-data fails before logging or starting anything", async () => {
  const s = execSession();
  const reply = await s.ask(exec({ path: "/bin/true", "input-data": "!!" }));
  assert.equal(reply, genericError("Base64 data contains invalid characters"));
  assert.deepEqual(s.sys.processes.spawns, []);
  assert.deepEqual(s.log.lines, []);
});

Deno.test("guest-exec start failures answer 7.2's wrapped GLib text with curly quotes", async () => {
  const cases: [ReturnType<typeof spawnFailed>, string][] = [
    [spawnFailed("not-found", "No such file or directory"), "No such file or directory"],
    [spawnFailed("permission", "Permission denied"), "Permission denied"],
    [spawnFailed("other", "Argument list too long"), "Argument list too long"],
    [
      spawnFailed("not-capable", 'Requires run access to "/x"'),
      "not permitted by the agent's --allow-run permission",
    ],
  ];
  for (const [failure, reason] of cases) {
    const s = execSession({ spawnScript: () => failure });
    const reply = await s.ask(exec({ path: "/bin/invalid-cmd42" }));
    assert.equal(
      reply,
      '{"error": {"class": "GenericError", "desc": "Guest agent command failed, error was ' +
        `'Failed to execute child process \\u201C/bin/invalid-cmd42\\u201D (${reason})'"}}`,
    );
    assert.equal(s.table.size, 0);
    assert.equal(s.table.budget.used, 0);
  }
});

Deno.test("guest-exec-status: exited false while running, then 7.2's reply once, then Invalid parameter 'pid'", async () => {
  const s = execSession();
  await s.ask(
    exec({
      path: "/bin/sh",
      arg: ["-c", "echo out; echo err >&2; exit 3"],
      "capture-output": true,
    }),
  );
  const child = s.sys.processes.children[0]!;
  assert.equal(await s.ask(status(4000)), '{"return": {"exited": false}}');
  child.finish(3, { stdout: "out\n", stderr: "err\n" });
  await settle();
  assert.equal(
    await s.ask(status(4000)),
    '{"return": {"exitcode": 3, "err-data": "ZXJyCg==", "out-data": "b3V0Cg==", ' +
      '"err-truncated": false, "out-truncated": false, "exited": true}}',
  );
  assert.equal(await s.ask(status(4000)), genericError("Invalid parameter 'pid'"));
  assert.deepEqual(s.log.lines.slice(1), [
    "audit: guest-exec-status called, pid: 4000",
    "audit: guest-exec-status called, pid: 4000",
    "audit: guest-exec-status called, pid: 4000",
  ]);
  assert.equal(s.table.size, 0);
});

Deno.test("guest-exec-status reports a signal by number and nothing for streams without output", async () => {
  const s = execSession();
  await s.ask(exec({ path: "/bin/sh", arg: ["-c", "kill -9 $$"], "capture-output": true }));
  s.sys.processes.children[0]!.closeOutput().end({ kind: "signaled", signal: 9 });
  await settle();
  assert.equal(await s.ask(status(4000)), '{"return": {"signal": 9, "exited": true}}');
  await s.ask(exec({ path: "/bin/true", "capture-output": true }));
  s.sys.processes.children[1]!.finish(0);
  await settle();
  assert.equal(await s.ask(status(4001)), '{"return": {"exitcode": 0, "exited": true}}');
  await s.ask(exec({ path: "/bin/x" }));
  s.sys.processes.children[2]!.end({ kind: "unknown" });
  await settle();
  assert.equal(await s.ask(status(4002)), '{"return": {"exited": true}}');
});

Deno.test("guest-exec-status: exited only once the child has ended AND its captured pipes are at EOF", async () => {
  const s = execSession();
  await s.ask(exec({ path: "/bin/sh", "capture-output": true }));
  const child = s.sys.processes.children[0]!;
  child.writeStdout("a").end({ kind: "exited", code: 0 });
  await settle();
  assert.equal(await s.ask(status(4000)), '{"return": {"exited": false}}');
  child.writeStdout("b").closeOutput();
  await settle();
  assert.equal(
    await s.ask(status(4000)),
    '{"return": {"exitcode": 0, "out-data": "YWI=", "out-truncated": false, "exited": true}}',
  );
  // Pipes at EOF but the child not reaped yet: still running.
  await s.ask(exec({ path: "/bin/sh", "capture-output": true }));
  s.sys.processes.children[1]!.closeOutput();
  await settle();
  assert.equal(await s.ask(status(4001)), '{"return": {"exited": false}}');
});

Deno.test("guest-exec without capture: the child's output is not read and exited needs only the exit", async () => {
  const s = execSession();
  await s.ask(exec({ path: "/bin/sh", arg: ["-c", "echo x"], "capture-output": false }));
  s.sys.processes.children[0]!.writeStdout("x\n").end({ kind: "exited", code: 0 });
  await settle();
  assert.equal(await s.ask(status(4000)), '{"return": {"exitcode": 0, "exited": true}}');
});

Deno.test("guest-exec capture modes: stdout only, stderr only, merged in write order", async () => {
  const s = execSession();
  const run = async (mode: string) => {
    await s.ask(exec({ path: "/bin/sh", "capture-output": mode }));
    const child = s.sys.processes.children.at(-1)!;
    child.writeStdout("o1 ").writeStderr("e1 ").writeStdout("o2 ").writeStderr("e2");
    child.finish(0);
    await settle();
    return await s.ask(status(child.pid));
  };
  const b64 = (t: string) => btoa(t);
  assert.equal(
    await run("stdout"),
    `{"return": {"exitcode": 0, "out-data": "${
      b64("o1 o2 ")
    }", "out-truncated": false, "exited": true}}`,
  );
  assert.equal(
    await run("stderr"),
    `{"return": {"exitcode": 0, "err-data": "${
      b64("e1 e2")
    }", "err-truncated": false, "exited": true}}`,
  );
  assert.equal(
    await run("merged"),
    `{"return": {"exitcode": 0, "out-data": "${
      b64("o1 e1 o2 e2")
    }", "out-truncated": false, "exited": true}}`,
  );
});

Deno.test("guest-exec keeps 16 MiB per stream: 20 MB of output is cut at 16777216 bytes and marked truncated", async () => {
  const s = execSession();
  await s.ask(exec({ path: "/bin/sh", "capture-output": true }));
  const child = s.sys.processes.children[0]!;
  const chunk = new Uint8Array(1_000_000);
  for (let i = 0; i < 20; i++) child.writeStdout(chunk.fill(i));
  child.writeStderr("e").finish(0);
  await settle();
  const reply = JSON.parse(await s.ask(status(4000))).return;
  const out = Uint8Array.fromBase64(reply["out-data"]);
  assert.equal(out.length, 16777216);
  assert.equal(out[16777215], 16);
  assert.equal(reply["out-truncated"], true);
  assert.equal(reply["err-truncated"], false);
  assert.equal(s.table.budget.used, 0);
});

Deno.test("guest-exec: exactly 16 MiB of output is not truncated (qemu-ga marks only dropped bytes)", async () => {
  const s = execSession();
  await s.ask(exec({ path: "/bin/sh", "capture-output": "stdout" }));
  s.sys.processes.children[0]!.finish(0, { stdout: new Uint8Array(16 * 1024 * 1024) });
  await settle();
  const reply = JSON.parse(await s.ask(status(4000))).return;
  assert.equal(Uint8Array.fromBase64(reply["out-data"]).length, 16777216);
  assert.equal(reply["out-truncated"], false);
});

Deno.test("guest-exec-status logs the pid as qemu-ga's uint32 and finds only exact pids", async () => {
  const s = execSession();
  await s.ask(exec({ path: "/bin/true" }));
  for (const pid of ["-1", "0", String(4000 + 2 ** 32), "9223372036854775807"]) {
    assert.equal(await s.ask(status(pid)), genericError("Invalid parameter 'pid'"));
  }
  assert.deepEqual(s.log.lines.slice(1), [
    "audit: guest-exec-status called, pid: 4294967295",
    "audit: guest-exec-status called, pid: 0",
    "audit: guest-exec-status called, pid: 4000",
    "audit: guest-exec-status called, pid: 4294967295",
  ]);
  assert.equal(s.table.size, 1);
});

Deno.test("guest-exec-status: a reused pid finds the oldest record first, as qemu-ga's list does", async () => {
  const s = execSession();
  await s.ask(exec({ path: "/bin/a", "capture-output": true }));
  s.sys.processes.nextPid = 4000;
  await s.ask(exec({ path: "/bin/b", "capture-output": true }));
  const [a, b] = s.sys.processes.children;
  b!.finish(2, { stdout: "b" });
  await settle();
  assert.equal(await s.ask(status(4000)), '{"return": {"exited": false}}');
  a!.finish(1, { stdout: "a" });
  await settle();
  assert.match(await s.ask(status(4000)), /"exitcode": 1, "out-data": "YQ=="/);
  assert.match(await s.ask(status(4000)), /"exitcode": 2, "out-data": "Yg=="/);
});

Deno.test("guest-exec logs a failed input write as qemu-ga's warning and still answers with the pid", async () => {
  const s = execSession();
  s.sys.processes.inputError = "Broken pipe";
  assert.equal(
    await s.ask(exec({ path: "/bin/true", "input-data": "eA==" })),
    '{"return": {"pid": 4000}}',
  );
  await settle();
  assert.deepEqual(s.log.lines, [
    'audit: guest-exec called: "/bin/true"',
    "warning: qga: i/o error writing to input_data channel: Broken pipe",
  ]);
  assert.equal(s.table.budget.used, 0);
});
