/**
 * The audit anyone can read, checked against the real agent: `deno task start:files
 * --print-policy` (through the task runner, as an operator types it) prints the same text as the
 * agent run directly under that task's flags — the Landlock ABI, every rule, the kept
 * capabilities, every command — and `--json` parses into `policyReport`'s shape, agreeing with
 * the text. And confinement changes no answer: the read commands that need no argument answer
 * the same bytes under `files` and `readonly` as under `full` (guest-info's `enabled` flags
 * aside; fsinfo's used bytes, which move with every write on the host, aside).
 *
 * @module
 */

import assert from "node:assert/strict";
import type { PolicyReport } from "../../src/policy/audit.ts";
import { COMMANDS } from "../../src/schema/schema.ts";
import { landlockAbi } from "../../src/sys/landlock.ts";
import { REPO_ROOT } from "../helpers/agent_process.ts";
import { runToExit } from "../helpers/proc.ts";
import { makeScene, runAgentToExit, sceneArgs, startAgent } from "./scene.ts";

/** The audit text with the process's own `/proc/<pid>` rule made comparable. */
function samePid(text: string): string {
  return text.replace(/\/proc\/\d+\b/g, "/proc/<pid>");
}

/** The members of a {@link PolicyReport}, and of its parts, by `typeof` (or "array"). */
const SHAPE = {
  agent: "string",
  version: "string",
  compatible: "string",
  profile: { name: "string", summary: "string", confines: "string" },
  deno: "array",
  landlock: {
    status: "string",
    abi: "number",
    denyTcp: "boolean",
    scoped: "boolean",
    rules: "array",
  },
  capabilities: { held: "array", kept: "array" },
  libc: "array",
  programs: "array",
  fileRoots: "array",
  ownFiles: "object",
  commands: "array",
} as const;

function shapeOf(value: unknown, like: unknown): unknown {
  if (typeof like === "string") return Array.isArray(value) ? "array" : typeof value;
  const object = value as Record<string, unknown>;
  return Object.fromEntries(
    Object.keys(object).map((key) => [key, shapeOf(object[key], (like as never)[key] ?? "")]),
  );
}

Deno.test("files: deno task start:files --print-policy prints the agent's audit; --json has policyReport's shape", async () => {
  await using scene = await makeScene(); // (makes the default root, the grant, if missing)
  const task = await runToExit([Deno.execPath(), "task", "start:files", "--print-policy"], {
    cwd: REPO_ROOT,
    timeoutMs: 20_000,
  });
  assert.equal(task.code, 0, task.stderr);
  const text = task.stdout;
  const abi = landlockAbi();
  assert.match(text, abi > 0 ? new RegExp(`^Landlock: ABI ${abi}, entered`, "m") : /UNAVAILABLE/);
  assert.match(text, /^ {2}\/var\/lib\/qga-deno\/files: [a-z-,]*write-file/m);
  if (Deno.uid() === 0) {
    // What the enabled commands need (fewer are enabled where fewer capabilities are held).
    const kept = "CAP_DAC_READ_SEARCH CAP_SYS_ADMIN CAP_SYS_BOOT CAP_SYS_TIME";
    assert.ok(text.includes(`\ncapabilities kept: ${kept}\n`), "the kept capabilities");
  }
  for (const c of COMMANDS) {
    assert.match(text, new RegExp(`^ {2}(en|dis)abled {1,2}${c.name}\\b`, "m"));
  }
  const json = await runToExit(
    [Deno.execPath(), "task", "start:files", "--print-policy", "--json"],
    {
      cwd: REPO_ROOT,
      timeoutMs: 20_000,
    },
  );
  assert.equal(json.code, 0, json.stderr);
  const report: PolicyReport = JSON.parse(json.stdout);
  assert.deepEqual(shapeOf(report, SHAPE), SHAPE);
  const each = (list: readonly unknown[], keys: string[], optional: string[] = []) => {
    assert.ok(list.length > 0);
    for (const item of list) {
      const have = Object.keys(item as object).filter((k) => !optional.includes(k));
      assert.deepEqual(have.sort(), [...keys].sort(), JSON.stringify(item));
    }
  };
  each(report.deno, ["permission", "target", "expected", "granted"]);
  each(report.landlock.rules, ["path", "rights", "why", "status"]);
  each(report.programs, ["path", "granted"]);
  each(report.fileRoots as readonly unknown[], ["path", "writable", "usable"]);
  each(report.commands, ["name", "effect", "enabled"], ["reason"]);
  assert.equal(report.profile.name, "files");
  assert.equal(report.landlock.abi, abi);
  assert.equal(report.landlock.status, abi > 0 ? "applies" : "unavailable");
  assert.deepEqual(report.commands.map((c) => c.name), COMMANDS.map((c) => c.name));
  // The text says what the JSON says.
  assert.ok(report.capabilities.kept !== "all");
  assert.ok(text.includes(`capabilities kept: ${report.capabilities.kept.join(" ")}\n`));
  for (const rule of report.landlock.rules) {
    assert.ok(samePid(text).includes(`  ${samePid(rule.path)}`), rule.path);
  }
  for (const c of report.commands) {
    assert.ok(text.includes(`  ${c.enabled ? "enabled " : "disabled"} ${c.name}`), c.name);
  }
  // The task and the agent run directly under the task's flags print the same audit.
  const direct = await runAgentToExit("files", scene, ["--print-policy"]);
  const scenePolicy = await runToExit(
    [Deno.execPath(), "task", "start:files", ...sceneArgs("files", scene), "--print-policy"],
    { cwd: REPO_ROOT, timeoutMs: 20_000 },
  );
  assert.equal(direct.code, 0, direct.stderr);
  assert.equal(samePid(scenePolicy.stdout), samePid(direct.stdout));
});

/** Read commands whose answer does not change from one call to the next on a quiet host. */
const STABLE = [
  "guest-ping",
  "guest-info",
  "guest-get-host-name",
  "guest-get-timezone",
  "guest-get-osinfo",
  "guest-get-vcpus",
  "guest-get-memory-block-info",
  "guest-fsfreeze-status",
  "guest-get-fsinfo",
  "guest-get-disks",
] as const;

/** What may differ between two calls or two profiles: the enabled flags, used bytes. */
function comparable(name: string, line: string): string {
  if (name === "guest-info") return line.replace(/"enabled": (true|false)/g, '"enabled": _');
  if (name === "guest-get-fsinfo") return line.replace(/"used-bytes": \d+/g, '"used-bytes": _');
  return line;
}

for (const profile of ["files", "readonly"] as const) {
  Deno.test(`${profile}: the read commands answer the same bytes as under full`, async () => {
    await using scene = await makeScene();
    await using confined = await startAgent(profile, scene);
    await using full = await startAgent("full", scene, { socket: `${scene.dir}/full.sock` });
    const ours = await confined.connect();
    const theirs = await full.connect();
    try {
      for (const name of STABLE) {
        const a = comparable(name, await ours.raw(name));
        const b = comparable(name, await theirs.raw(name));
        assert.ok(!a.startsWith('{"error"'), `${name}: ${a}`);
        assert.equal(a, b, name);
      }
    } finally {
      ours.close();
      theirs.close();
    }
  });
}
