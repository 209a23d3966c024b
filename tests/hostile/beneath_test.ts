/**
 * Hostile host, beneath the table: what the confined profiles disable is also refused by the
 * kernel's ruleset the agent enters. From inside the sandbox `decidePolicy()` plans for the
 * agent's own arguments (`./layer_probe.ts`, run with `-A` so that Deno refuses nothing):
 * opening `/sys/power/state` and `/dev/rtc0` for writing (suspend, set-time), `/etc/shadow` for
 * reading and `/etc/passwd` for writing (set-user-password), a read-only root for writing, and
 * starting `/sbin/hwclock`, `chpasswd` and `/bin/sh` fail with `EACCES` — while what the enabled
 * commands need (the roots, `/sys/power/state` under files) still opens.
 *
 * Opens are closed at once, nothing is written; programs get harmless arguments only.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { ProfileName } from "../../src/policy/profiles.ts";
import { landlockAbi } from "../../src/sys/landlock.ts";
import { runToExit } from "../helpers/proc.ts";
import type { ProbeRequest, ProbeResult } from "./layer_probe.ts";
import { makeScene, type Scene, sceneArgs } from "./scene.ts";

const PROBE = new URL("./layer_probe.ts", import.meta.url).pathname;
const EACCES = 13;
const ENOENT = 2;
const RTC = "/dev/rtc0";
const RTC_EXISTS = (() => {
  try {
    Deno.statSync(RTC);
    return true;
  } catch {
    return false;
  }
})();

/** One try and what the kernel must answer. */
interface Expectation {
  readonly what: string;
  readonly open?: { readonly path: string; readonly write: boolean };
  readonly exec?: { readonly path: string; readonly args: readonly string[] };
  readonly expected: number | "ok" | string;
}

function expectations(profile: ProfileName, scene: Scene): Expectation[] {
  const open = (path: string, write: boolean) => ({ path, write });
  const denied: Expectation[] = [
    { what: "read /etc/shadow", open: open("/etc/shadow", false), expected: EACCES },
    { what: "write /etc/passwd", open: open("/etc/passwd", true), expected: EACCES },
    { what: "write a read-only root", open: open(`${scene.ro}/file`, true), expected: EACCES },
    {
      what: "run /bin/sh",
      exec: { path: "/bin/sh", args: ["-c", "exit 0"] },
      expected: "PermissionDenied",
    },
    {
      what: "run chpasswd",
      exec: { path: "/usr/sbin/chpasswd", args: ["--help"] },
      expected: "PermissionDenied",
    },
    { what: "read a root", open: open(`${scene.rw}/file`, false), expected: "ok" },
  ];
  if (profile === "files") {
    return [
      ...denied,
      { what: "write a read-write root", open: open(`${scene.rw}/file`, true), expected: "ok" },
      { what: "write /sys/power/state", open: open("/sys/power/state", true), expected: "ok" },
    ];
  }
  return [
    ...denied,
    { what: "write /sys/power/state", open: open("/sys/power/state", true), expected: EACCES },
    { what: `write ${RTC}`, open: open(RTC, true), expected: RTC_EXISTS ? EACCES : ENOENT },
    {
      what: "write the rw root (:ro here)",
      open: open(`${scene.rw}/file`, true),
      expected: EACCES,
    },
    {
      what: "run /sbin/hwclock",
      exec: { path: "/sbin/hwclock", args: ["--help"] },
      expected: "PermissionDenied",
    },
  ];
}

for (const profile of ["files", "readonly"] as const satisfies readonly ProfileName[]) {
  Deno.test({
    name:
      `${profile}: inside the planned sandbox the kernel refuses what the disabled commands need`,
    ignore: landlockAbi() === 0,
    async fn() {
      await using scene = await makeScene();
      const tries = expectations(profile, scene);
      const request: ProbeRequest = {
        agentArgs: [`--profile=${profile}`, ...sceneArgs(profile, scene)],
        opens: tries.flatMap((t) => t.open ? [t.open] : []),
        execs: tries.flatMap((t) => t.exec ? [t.exec] : []),
      };
      const out = await runToExit([Deno.execPath(), "run", "-A", PROBE, JSON.stringify(request)], {
        timeoutMs: 30_000,
      });
      assert.equal(out.code, 0, out.stderr);
      const result: ProbeResult = JSON.parse(out.stdout);
      assert.equal(result.state, "confined");
      const opens = [...result.opens];
      const execs = [...result.execs];
      const seen = tries.map((t) => [t.what, t.open ? opens.shift() : execs.shift()]);
      assert.deepEqual(seen, tries.map((t) => [t.what, t.expected]));
      if (profile === "readonly" && !RTC_EXISTS) {
        console.log(`${RTC} is missing on this host: its open proves nothing`);
      }
    },
  });
}
