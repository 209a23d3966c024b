/**
 * decidePolicy() with a fake system: roots, listed programs, the sandbox's rules and
 * capabilities, and configurations that would widen a profile.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { AgentConfig } from "../../src/config/config.ts";
import { isWithin } from "../../src/policy/file_roots.ts";
import { decidePolicy, type PolicyProbe } from "../../src/policy/policy.ts";
import { DEFAULT_CONFIG } from "../config/defaults.ts";

const GRANT = "/var/lib/qga-deno/files";

function probe(over: Partial<PolicyProbe> = {}): PolicyProbe {
  return {
    granted: (d) => {
      if (d.name === "read" || d.name === "write") return isWithin(d.path as string, GRANT);
      if (d.name === "run") return d.command !== "/bin/sh";
      return true;
    },
    landlockAbi: () => 7,
    capabilities: () => ["CAP_SYS_TIME", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_DAC_READ_SEARCH"],
    openat2: () => true,
    realPath: (p) => p,
    isDirectory: (p) => p.startsWith(GRANT),
    executable: () => "/usr/bin/qga-deno",
    workingDirectory: () => "/root",
    homeDirectories: () => ["/home/alice", "/root"],
    sshDirectories: () => ["/home/alice/.ssh"],
    runtimeRules:
      () => [{ path: "/usr", rights: ["read-file", "read-dir", "execute"], why: "runtime" }],
    ...over,
  };
}

function config(over: Partial<AgentConfig>): AgentConfig {
  return {
    ...DEFAULT_CONFIG,
    method: "unix-listen",
    channelPath: "/run/qga/qga.sock",
    statedir: "/run/qga",
    ...over,
  };
}

Deno.test("decidePolicy(): full has no sandbox, no roots, and every command", () => {
  const policy = decidePolicy(config({}), probe());
  assert.equal(policy.sandbox, undefined);
  assert.deepEqual(policy.roots, []);
  assert.equal(policy.disabled.size, 0);
});

Deno.test("decidePolicy(): files confines files to the root and grants it without execute", () => {
  const policy = decidePolicy(config({ profile: "files" }), probe());
  const rules = new Map(policy.sandbox!.rules.map((r) => [r.path, r.rights]));
  assert.deepEqual(rules.get(GRANT), [
    "read-file",
    "read-dir",
    "write-file",
    "truncate",
    "make-reg",
  ]);
  assert.ok(rules.get("/run/qga")!.includes("make-reg"), "state directory");
  assert.ok(rules.get("/run/qga")!.includes("make-sock"), "socket directory");
  assert.deepEqual(rules.get("/sbin/hwclock"), ["execute", "read-file"]);
  for (const [path, rights] of rules) {
    if (path === "/etc" || path === "/" || path === "/usr") {
      assert.ok(!rights.includes("write-file"), `${path} must not be writable`);
    }
  }
  assert.ok(
    !rules.has("/home/alice/.ssh") || !rules.get("/home/alice/.ssh")!.includes("write-file"),
  );
  assert.deepEqual(policy.sandbox!.keepCapabilities, [
    "CAP_DAC_READ_SEARCH",
    "CAP_SYS_ADMIN",
    "CAP_SYS_BOOT",
    "CAP_SYS_TIME",
  ]);
  assert.equal(policy.sandbox!.scoped, false, "shutdown and suspend signal init");
  assert.equal(policy.sandbox!.denyTcp, true);
});

Deno.test("decidePolicy(): readonly keeps no capability that changes the guest, and is scoped", () => {
  const policy = decidePolicy(config({ profile: "readonly" }), probe());
  assert.deepEqual(policy.sandbox!.keepCapabilities, ["CAP_DAC_READ_SEARCH"]);
  assert.equal(policy.sandbox!.scoped, true);
  const rules = new Map(policy.sandbox!.rules.map((r) => [r.path, r.rights]));
  assert.deepEqual(rules.get(GRANT), ["read-file", "read-dir"]);
  assert.ok(!rules.has("/sbin/hwclock"));
  assert.ok(!rules.has("/sys/power/state"));
});

Deno.test("decidePolicy(): --exec-allow only in files, by absolute path, inside the run grant", () => {
  assert.throws(
    () => decidePolicy(config({ execAllow: ["/usr/bin/uptime"] }), probe()),
    /files profile/,
  );
  assert.throws(
    () => decidePolicy(config({ profile: "readonly", execAllow: ["/usr/bin/uptime"] }), probe()),
    /no guest-exec/,
  );
  assert.throws(
    () => decidePolicy(config({ profile: "files", execAllow: ["uptime"] }), probe()),
    /absolute/,
  );
  assert.throws(
    () => decidePolicy(config({ profile: "files", execAllow: ["/bin/sh"] }), probe()),
    /outside what this agent was built to run/,
  );
  const policy = decidePolicy(
    config({ profile: "files", execAllow: ["/usr/bin/uptime"] }),
    probe(),
  );
  assert.equal(policy.disabled.get("guest-exec"), undefined);
  assert.ok(
    policy.sandbox!.rules.some((r) => r.path === "/usr/bin/uptime" && r.rights.includes("execute")),
  );
});

Deno.test("decidePolicy(): a root holding the state directory is refused; a missing root disables", () => {
  assert.throws(
    () => decidePolicy(config({ profile: "files", statedir: `${GRANT}/state` }), probe()),
    /state directory/,
  );
  const policy = decidePolicy(config({ profile: "files" }), probe({ isDirectory: () => false }));
  assert.match(policy.disabled.get("guest-file-open")!, /no file root/);
  assert.ok(!policy.sandbox!.rules.some((r) => r.path === GRANT));
});

Deno.test("decidePolicy(): passwd homes are listed only; existing ~/.ssh directories are read", () => {
  const policy = decidePolicy(config({ profile: "readonly" }), probe());
  const rules = new Map(policy.sandbox!.rules.map((r) => [r.path, r.rights]));
  assert.deepEqual(rules.get("/home/alice"), ["read-dir"]);
  assert.deepEqual(rules.get("/home/alice/.ssh"), ["read-file", "read-dir"]);
  assert.deepEqual(rules.get("/root"), ["read-dir"]);
});
