/**
 * `src/agent/sandbox.ts`: its decisions against fake system calls (marker, no Landlock, forged
 * marker, `-d` launcher), then — in child processes only (`./sandbox_probe.ts`) — the attacks a
 * hostile host would make the confined agent try, the same with the re-execution left out (the
 * mutation: Deno's existing threads are not confined), and a `-d` start.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  enterSandbox,
  formatMarker,
  LANDLOCKED_ENV,
  parseMarker,
  probeCandidates,
  type SandboxPlan,
} from "../../src/agent/sandbox.ts";
import type { SandboxDependencies } from "../../src/agent/sandbox_dependencies.ts";
import type { HeldCapabilities } from "../../src/sys/capabilities.ts";
import type { RestrictReport } from "../../src/sys/landlock.ts";

const PLAN: SandboxPlan = {
  rules: [{ path: "/proc/42", rights: ["read-file", "read-dir"] }],
  keepCapabilities: ["CAP_SYS_TIME"],
  denyTcp: true,
};

const KEPT: HeldCapabilities = {
  effective: ["CAP_SYS_TIME"],
  permitted: ["CAP_SYS_TIME"],
  inheritable: [],
  bounding: ["CAP_SYS_TIME"],
  ambient: [],
  unnamed: [],
};

const REPORT: RestrictReport = {
  abi: 7,
  handled: [],
  deniesTcp: true,
  scoped: true,
  applied: [],
  skipped: [],
  absent: [],
  pinned: [5],
};

class Exec extends Error {
  constructor(readonly env: string[]) {
    super("execve");
  }
}

/** The environment `run` re-executed with (it must re-execute). */
function reexecution(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof Exec) return error.env;
    throw error;
  }
  assert.fail("no re-execution");
}

/** Fake system calls recording what is called; `env` is the process environment. */
function fake(env: Record<string, string>, overrides: Partial<SandboxDependencies> = {}) {
  const calls: string[] = [];
  const deps: SandboxDependencies = {
    landlockAbi: () => 7,
    restrictSelf: (
      _rules,
      o,
    ) => (calls.push(`restrict tcp=${o.denyTcp} scoped=${o.scoped}`), REPORT),
    describeRules: (_rules, abi) => (calls.push(`describe ${abi}`), { ...REPORT, abi, pinned: [] }),
    setNoNewPrivileges: () => void calls.push("nnp"),
    noNewPrivileges: () => true,
    dropCapabilitiesExcept: (
      keep,
    ) => (calls.push(`drop all but ${keep.join(",")}`),
      { kept: [...keep], boundingNarrowed: true }),
    heldCapabilities: () => KEPT,
    setCloseOnExec: (fd, on) => void calls.push(`cloexec ${fd} ${on}`),
    markDescriptorsCloseOnExec: () => [],
    environment: () => Object.entries(env).map(([k, v]) => new TextEncoder().encode(`${k}=${v}`)),
    execSelf: (entries) => {
      throw new Exec(entries.map((e) => new TextDecoder().decode(e)));
    },
    takeEnv: (name) => {
      const value = env[name];
      delete env[name];
      return value;
    },
    launcherPid: () => undefined,
    pid: () => 42,
    tryOpen: (path) => (calls.push(`probe ${path}`), "denied"),
    ...overrides,
  };
  return { deps, calls };
}

Deno.test("unconfined: drops capabilities, restricts, re-executes with the marker and the pins", () => {
  const { deps, calls } = fake(
    { PATH: "/bin", QGA_DENO_DAEMON_CHILD: "stale" },
    { launcherPid: () => 123 },
  );
  const exec = reexecution(() => enterSandbox(PLAN, { daemonizing: true, dependencies: deps }));
  assert.deepEqual(calls, [
    "drop all but CAP_SYS_TIME",
    "restrict tcp=true scoped=true",
    "cloexec 5 false",
  ]);
  // The daemon's marker (read and removed earlier by daemonLauncherPid) is passed on again.
  assert.deepEqual(exec, ["PATH=/bin", "QGA_DENO_LANDLOCKED=7:5", "QGA_DENO_DAEMON_CHILD=123"]);
});

Deno.test("without Landlock: capabilities dropped, no-new-privileges, re-executed with marker 0", () => {
  const { deps, calls } = fake({}, { landlockAbi: () => 0 });
  const exec = reexecution(() => enterSandbox(PLAN, { daemonizing: false, dependencies: deps }));
  assert.deepEqual(exec, ["QGA_DENO_LANDLOCKED=0"]);
  assert.deepEqual(calls, ["drop all but CAP_SYS_TIME", "nnp"]);
  const arrived = fake({ [LANDLOCKED_ENV]: "0" }, { landlockAbi: () => 0 });
  const report = enterSandbox(PLAN, { daemonizing: false, dependencies: arrived.deps });
  assert.deepEqual(report, { state: "unavailable", capabilities: KEPT });
});

Deno.test("arriving: the marker is removed, the pins made close-on-exec, the report recomputed", () => {
  const env: Record<string, string> = { [LANDLOCKED_ENV]: "7:5,6", PATH: "/bin" };
  const { deps, calls } = fake(env);
  const report = enterSandbox(PLAN, { daemonizing: false, dependencies: deps });
  assert.equal(report.state, "confined");
  assert.deepEqual(report.state === "confined" && report.landlock.pinned, [5, 6]);
  assert.deepEqual(env, { PATH: "/bin" });
  assert.deepEqual(calls, ["cloexec 5 true", "cloexec 6 true", "probe /proc/1/stat", "describe 7"]);
});

Deno.test("a -d launcher does nothing: the daemon, with its own pid, confines itself", () => {
  const { deps, calls } = fake({});
  assert.deepEqual(enterSandbox(PLAN, { daemonizing: true, dependencies: deps }), {
    state: "launcher",
  });
  assert.deepEqual(calls, []);
});

Deno.test("a marker set in a process that is not confined is refused", () => {
  const cases: [string, Partial<SandboxDependencies>, RegExp][] = [
    ["7", { tryOpen: () => "opened" }, /\/proc\/1\/stat can be opened/],
    ["7", { noNewPrivileges: () => false }, /no-new-privileges is not set/],
    ["0", { heldCapabilities: () => ({ ...KEPT, permitted: ["CAP_SYS_ADMIN"] }) }, /CAP_SYS_ADMIN/],
  ];
  for (const [marker, overrides, message] of cases) {
    const { deps } = fake({ [LANDLOCKED_ENV]: marker }, overrides);
    assert.throws(() => enterSandbox(PLAN, { daemonizing: false, dependencies: deps }), message);
  }
  const { deps } = fake({ [LANDLOCKED_ENV]: "7;rm -rf" });
  assert.throws(
    () => enterSandbox(PLAN, { daemonizing: false, dependencies: deps }),
    /unexpected value/,
  );
});

Deno.test("the marker's text round-trips and rejects anything else", () => {
  for (
    const marker of [{ abi: 0, pinned: [] }, { abi: 7, pinned: [12] }, { abi: 2, pinned: [3, 4] }]
  ) {
    assert.deepEqual(parseMarker(formatMarker(marker)), marker);
  }
  for (const bad of ["", "x", "7:", "7:0", "-1", "7:3,", " 7", "07"]) {
    assert.throws(() => parseMarker(bad), /unexpected value/, bad);
  }
});

Deno.test("the confinement probe avoids paths the plan grants, and /proc/1 when it is pid 1", () => {
  const names = (rules: SandboxPlan["rules"], pid = 42) =>
    probeCandidates(rules, pid).map((c) => c.path);
  assert.deepEqual(names([]), ["/proc/1/stat", "/etc/hostname", "/etc/os-release", "/"]);
  assert.deepEqual(names([], 1), ["/etc/hostname", "/etc/os-release", "/"]);
  assert.deepEqual(
    names([{ path: "/proc", rights: ["read-file"] }, { path: "/", rights: ["read-dir"] }]),
    ["/etc/hostname", "/etc/os-release"],
  );
  assert.deepEqual(names([{ path: "/", rights: ["read-file", "read-dir"] }]), []);
});
