/**
 * Hostile host, by configuration: whatever can only be appended to the command line or written
 * to the config file may narrow a profile, never widen it. Each widening start of the real agent
 * under the `files` task's exact flags ends at once with status 1 and a clear message, before
 * anything is served (no socket is made); narrowing starts still work (`-a` cannot enable
 * guest-exec under readonly; `-b` and the config's `block-rpcs` disable a command).
 *
 * @module
 */

import assert from "node:assert/strict";
import type { ProfileName } from "../../src/policy/profiles.ts";
import { agentArgv } from "../helpers/agent_process.ts";
import { runToExit } from "../helpers/proc.ts";
import { disabledError, returned } from "./client.ts";
import { GRANT, makeScene, namesIn, type Scene, startAgent } from "./scene.ts";

/** One widening attempt: how it is made, and the message it must be refused with. */
interface Widening {
  readonly what: string;
  readonly profile: ProfileName;
  /** The agent's options (the scene's socket and state dir are added unless given). */
  readonly args: (scene: Scene) => string[];
  /** The config file's `[general]` lines. */
  readonly config?: string;
  readonly message: (scene: Scene) => string;
}

const OUTSIDE_GRANT = "is outside what this agent was built to read (/var/lib/qga-deno/files and " +
  "beneath it); a root can narrow that grant, never widen it";

const WIDENINGS: readonly Widening[] = [
  {
    what: "config file-roots=/etc",
    profile: "files",
    args: () => [],
    config: "file-roots=/etc",
    message: () => `file root '/etc' ${OUTSIDE_GRANT}`,
  },
  {
    what: "config profile=full",
    profile: "files",
    args: () => [],
    config: "profile=full",
    message: () =>
      "the config file names profile 'full', but this agent is built for 'files'; the config " +
      "can narrow a profile, never change it",
  },
  {
    what: "--profile=full appended to the files task",
    profile: "files",
    args: () => ["--profile=full"],
    message: () => "this agent is built for profile 'files'; '--profile=full' cannot change it",
  },
  {
    what: "--file-root=/",
    profile: "files",
    args: () => ["--file-root=/"],
    message: () => "file root '/' must be an absolute path",
  },
  {
    what: "--file-root=<the grant's parent>",
    profile: "files",
    args: () => ["--file-root=/var/lib/qga-deno"],
    message: () => `file root '/var/lib/qga-deno' ${OUTSIDE_GRANT}`,
  },
  {
    what: "--file-root=<a link in the grant leading out>",
    profile: "files",
    args: (s) => [`--file-root=${s.rw}/out`],
    message: (s) => `file root '${s.rw}/out' leads through a symbolic link to '${s.outside}'`,
  },
  {
    what: "--file-root=<read-write> under readonly",
    profile: "readonly",
    args: (s) => [`--file-root=${s.rw}`],
    message: (s) => `file root '${s.rw}': the readonly profile has read-only roots only`,
  },
  {
    what: "--exec-allow=/bin/sh",
    profile: "files",
    args: () => ["--exec-allow=/bin/sh"],
    message: () => "--exec-allow '/bin/sh' is outside what this agent was built to run",
  },
  {
    what: "config exec-allow=/bin/sh",
    profile: "files",
    args: () => [],
    config: "exec-allow=/bin/sh",
    message: () => "--exec-allow '/bin/sh' is outside what this agent was built to run",
  },
  {
    what: "a root holding the state dir",
    profile: "files",
    args: (s) => ["-t", `${s.rw}/state`, `--file-root=${s.rw}`],
    message: (s) => `file root '${s.rw}' holds the agent's state directory (${s.rw}/state)`,
  },
  {
    what: "a root holding the log",
    profile: "files",
    args: (s) => ["-l", `${s.rw}/qga.log`, `--file-root=${s.rw}`],
    message: (s) => `file root '${s.rw}' holds the agent's log file (${s.rw}/qga.log)`,
  },
  {
    what: "a root holding the config file",
    profile: "readonly",
    args: (s) => ["-c", `${s.rw}/qga.conf`, `--file-root=${s.rw}:ro`],
    message: (s) => `file root '${s.rw}:ro' holds the agent's config file (${s.rw}/qga.conf)`,
  },
];

for (const widening of WIDENINGS) {
  Deno.test(`${widening.profile}: ${widening.what} is refused at start, nothing served`, async () => {
    await using scene = await makeScene();
    await Deno.symlink(scene.outside, `${scene.rw}/out`);
    await Deno.mkdir(`${scene.rw}/state`);
    await Deno.writeTextFile(`${scene.rw}/qga.conf`, "[general]\n");
    await Deno.writeTextFile(scene.config, `[general]\n${widening.config ?? ""}\n`);
    const rwBefore = namesIn(scene.rw);
    const args = widening.args(scene);
    const argv = agentArgv([
      ...["-m", "unix-listen", "-p", scene.socket, "-t", scene.state, "-c", scene.config],
      ...args,
    ], { profile: widening.profile });
    const result = await runToExit(argv, { timeoutMs: 20_000 });
    assert.equal(result.code, 1, `status; stderr: ${result.stderr}`);
    assert.ok(
      result.stderr.includes(widening.message(scene)),
      `expected '${widening.message(scene)}' in: ${result.stderr}`,
    );
    assert.deepEqual(namesIn(scene.dir).filter((n) => n === "qga.sock"), [], "no socket made");
    assert.deepEqual(namesIn(scene.rw), rwBefore, "nothing made in the root");
    assert.deepEqual(namesIn(`${scene.rw}/state`), [], "nothing made in the state dir");
    assert.ok(!namesIn(GRANT).some((n) => n === "qga.sock"));
  });
}

Deno.test("readonly -a guest-exec,…: the allow list cannot enable what the profile lacks", async () => {
  await using scene = await makeScene();
  await using running = await startAgent("readonly", scene, {
    extra: ["-a", "guest-exec,guest-exec-status,guest-info,guest-ping"],
  });
  const client = await running.connect();
  try {
    const info = returned<{ supported_commands: { name: string; enabled: boolean }[] }>(
      await client.call("guest-info"),
    );
    const enabled = info.supported_commands.filter((c) => c.enabled).map((c) => c.name).sort();
    assert.deepEqual(enabled, ["guest-info", "guest-ping"]);
    // An unexpected member: were the command ever enabled, validation would still stop it.
    for (const name of ["guest-exec", "guest-exec-status"]) {
      const reply = await client.call(name, { "qga-hostile": true });
      assert.deepEqual(reply, { error: disabledError(name) });
    }
  } finally {
    client.close();
  }
});

for (const how of ["-b", "config block-rpcs"] as const) {
  Deno.test(`files ${how} guest-get-osinfo disables it`, async () => {
    await using scene = await makeScene();
    if (how !== "-b") {
      await Deno.writeTextFile(scene.config, "[general]\nblock-rpcs=guest-get-osinfo\n");
    }
    await using running = await startAgent("files", scene, {
      extra: how === "-b" ? ["-b", "guest-get-osinfo"] : [],
    });
    const client = await running.connect();
    try {
      const info = returned<{ supported_commands: { name: string; enabled: boolean }[] }>(
        await client.call("guest-info"),
      );
      const osinfo = info.supported_commands.find((c) => c.name === "guest-get-osinfo");
      assert.deepEqual(osinfo, {
        name: "guest-get-osinfo",
        enabled: false,
        "success-response": true,
      });
      assert.deepEqual(await client.call("guest-get-osinfo"), {
        error: disabledError("guest-get-osinfo"),
      });
      assert.deepEqual(returned(await client.call("guest-get-host-name")), {
        "host-name": Deno.hostname(),
      });
    } finally {
      client.close();
    }
  });
}
