/**
 * Hostile host, beneath Deno: the kernel's ruleset binds the agent's own libc calls and every
 * child it starts, where Deno's flags cannot (`--allow-ffi` is all or nothing).
 *
 * - `QGA_OS_RELEASE` naming a file outside the ruleset: the agent's FFI `open` gets `EACCES`, so
 *   guest-get-osinfo under a confined profile lacks the os-release members, while under `full`
 *   the same file gives them — and a file inside a root gives them under `files` too.
 * - guest-exec under `files` with `--exec-allow=/usr/bin/cat`, run with the flags
 *   `build.sh --profile files --exec-allow /usr/bin/cat` bakes (`denoFlags(permissionSet(…))`):
 *   `cat /etc/hostname` fails with `Permission denied`, `cat <root>/file` prints it, and
 *   `/bin/cat` (not listed as spelled), `/bin/sh` and `/usr/sbin/hwclock` (in Deno's run grant)
 *   are refused as not listed. (Programs that must not run are given harmless arguments.)
 *
 * @module
 */

import assert from "node:assert/strict";
import { denoFlags, permissionSet } from "../../src/policy/deno_permissions.ts";
import type { ProfileName } from "../../src/policy/profiles.ts";
import { landlockAbi } from "../../src/sys/landlock.ts";
import { waitFor } from "../helpers/async.ts";
import { errorDesc, type LineClient, returned, unb64 } from "./client.ts";
import { makeScene, type Scene, startAgent } from "./scene.ts";

const OS_RELEASE = 'ID=hostile\nNAME="Hostile OS"\nVERSION_ID=6.6.6\n';
const RELEASE_MEMBERS = { id: "hostile", name: "Hostile OS", "version-id": "6.6.6" };

/** The os-release members of guest-get-osinfo for `file` under `profile`, and the log. */
async function osinfo(
  profile: ProfileName,
  scene: Scene,
  file: string,
): Promise<{ members: Record<string, unknown>; log: string }> {
  await using running = await startAgent(profile, scene, {
    env: { QGA_OS_RELEASE: file },
    extra: ["-v"],
  });
  const client = await running.connect();
  try {
    const info = returned<Record<string, unknown>>(await client.call("guest-get-osinfo"));
    const members = Object.fromEntries(
      Object.entries(info).filter(([key]) => key in RELEASE_MEMBERS),
    );
    return { members, log: running.log() };
  } finally {
    client.close();
  }
}

const NO_LANDLOCK = landlockAbi() === 0;

Deno.test({
  name: "QGA_OS_RELEASE outside the ruleset: the agent's own FFI open is refused under files " +
    "and readonly, not under full",
  ignore: NO_LANDLOCK,
}, async () => {
  await using scene = await makeScene();
  const outside = `${scene.outside}/os-release`;
  const inRoot = `${scene.rw}/os-release`;
  await Deno.writeTextFile(outside, OS_RELEASE);
  await Deno.writeTextFile(inRoot, OS_RELEASE);
  const full = await osinfo("full", scene, outside);
  assert.deepEqual(full.members, RELEASE_MEMBERS, "full reads the file");
  for (const profile of ["files", "readonly"] as const) {
    const confined = await osinfo(profile, scene, outside);
    assert.deepEqual(confined.members, {}, `${profile}: no os-release members`);
    const refused = `failed to read '${outside}', error: Failed to open file “${outside}”: ` +
      "Permission denied";
    assert.ok(confined.log.includes(refused), `${profile} logs EACCES:\n${confined.log}`);
    const inside = await osinfo(profile, scene, inRoot);
    assert.deepEqual(inside.members, RELEASE_MEMBERS, `${profile}: a file in a root is read`);
  }
});

/** Runs a guest-exec to its end and returns its status (at most 10 s). */
async function execToEnd(
  client: LineClient,
  path: string,
  arg: string[],
): Promise<{ exitcode?: number; out: string; err: string }> {
  const { pid } = returned<{ pid: number }>(
    await client.call("guest-exec", { path, arg, "capture-output": true }),
  );
  let status: Record<string, unknown> = {};
  const ended = await waitFor(async () => {
    status = returned(await client.call("guest-exec-status", { pid }));
    return status.exited === true;
  }, 10_000);
  assert.ok(ended, `${path} ${arg.join(" ")} did not end: ${JSON.stringify(status)}`);
  const text = (key: string) => typeof status[key] === "string" ? unb64(status[key]) : "";
  return {
    ...(typeof status.exitcode === "number" ? { exitcode: status.exitcode } : {}),
    out: text("out-data"),
    err: text("err-data"),
  };
}

/** qemu-ga's text for a program the agent would not start because it is not listed. */
function notListed(path: string): string {
  return `Guest agent command failed, error was 'Failed to execute child process “${path}” ` +
    "(not listed with the agent's --exec-allow)'";
}

Deno.test({
  name: "files with --exec-allow=/usr/bin/cat: the child is confined, and only cat as listed runs",
  ignore: NO_LANDLOCK,
}, async () => {
  await using scene = await makeScene();
  await using running = await startAgent("files", scene, {
    permissions: denoFlags(permissionSet("files", ["/usr/bin/cat"])),
    extra: ["--exec-allow=/usr/bin/cat"],
  });
  const client = await running.connect();
  try {
    assert.deepEqual(await execToEnd(client, "/usr/bin/cat", ["/etc/hostname"]), {
      exitcode: 1,
      out: "",
      err: "/usr/bin/cat: /etc/hostname: Permission denied\n",
    });
    assert.deepEqual(await execToEnd(client, "/usr/bin/cat", [`${scene.rw}/file`]), {
      exitcode: 0,
      out: "inside\n",
      err: "",
    });
    const refused: [string, string[]][] = [
      ["/bin/cat", ["/etc/hostname"]],
      ["/bin/sh", ["-c", "exit 0"]],
      ["/usr/sbin/hwclock", ["--help"]],
      ["/sbin/hwclock", ["--help"]],
    ];
    for (const [path, arg] of refused) {
      const reply = await client.call("guest-exec", { path, arg, "capture-output": true });
      assert.equal(errorDesc(reply), notListed(path), path);
    }
  } finally {
    client.close();
  }
});
