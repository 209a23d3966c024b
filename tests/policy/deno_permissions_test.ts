/**
 * deno.json's permission sets and start tasks are the profiles' (`src/policy/deno_permissions.ts`):
 * what `deno task start:files` runs with is what `build.sh --profile files` bakes.
 *
 * @module
 */

import assert from "node:assert/strict";
import { denoFlags, permissionSet, permissionSetName } from "../../src/policy/deno_permissions.ts";
import { PROFILE_NAMES } from "../../src/policy/profiles.ts";

const config = JSON.parse(Deno.readTextFileSync(new URL("../../deno.json", import.meta.url)));

for (const profile of PROFILE_NAMES) {
  Deno.test(`deno.json's permission set for ${profile} is the profile's`, () => {
    const set = config.permissions[permissionSetName(profile)];
    assert.deepEqual(set, JSON.parse(JSON.stringify(permissionSet(profile))));
  });

  Deno.test(`deno task ${profile === "full" ? "start" : `start:${profile}`} runs the ${profile} set without prompts`, () => {
    const task: string = config.tasks[profile === "full" ? "start" : `start:${profile}`];
    const words = task.split(/\s+/);
    const setFlag = profile === "full" ? "-P" : `-P=${profile}`;
    assert.ok(words.includes(setFlag), task);
    assert.ok(words.includes("--no-prompt"), task);
    assert.ok(!words.some((w) => w === "-A" || w.startsWith("--allow-")), task);
    const baked = words.slice(words.indexOf("main.ts") + 1);
    assert.deepEqual(baked, profile === "full" ? [] : [`--profile=${profile}`]);
    const v8 = (text: string) => text.split(/\s+/).find((w) => w.startsWith("--v8-flags="));
    assert.equal(v8(task), v8(config.tasks.start));
  });
}

Deno.test("the confined sets read and write only the file root grant, and run no shell", () => {
  for (const profile of ["files", "readonly"] as const) {
    const set = permissionSet(profile);
    assert.deepEqual(set.read, ["/var/lib/qga-deno/files"]);
    assert.notEqual(set.run, true);
    assert.ok(!(set.run as string[]).some((p) => /\/(ba|da)?sh$/.test(p)));
  }
  assert.deepEqual(permissionSet("readonly").write, []);
  assert.deepEqual(permissionSet("readonly").run, []);
});

Deno.test("denoFlags() spells a set as flags; --exec-allow programs join the run grant", () => {
  const flags = denoFlags(permissionSet("files", ["/usr/bin/uptime"]));
  assert.ok(flags.includes("--allow-read=/var/lib/qga-deno/files"));
  assert.ok(flags.includes("--allow-ffi"));
  const run = flags.find((f) => f.startsWith("--allow-run="))!;
  assert.ok(run.split("=")[1]!.split(",").includes("/usr/bin/uptime"));
  assert.ok(run.split("=")[1]!.split(",").includes("/sbin/hwclock"));
  assert.deepEqual(
    denoFlags(permissionSet("readonly")).filter((f) => /allow-(write|run)/.test(f)),
    [],
  );
  assert.ok(denoFlags(permissionSet("full")).includes("--allow-read"));
});
