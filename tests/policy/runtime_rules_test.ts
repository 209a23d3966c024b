/**
 * `src/policy/runtime_rules.ts`: the rules the Deno runtime itself needs, for `deno run` and for
 * a compiled binary — narrow by construction (proven sufficient by
 * `tests/agent/sandbox_confinement_test.ts`, which runs the agent inside them).
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  denoDirFrom,
  isDenoCli,
  type RuntimeFacts,
  runtimeRules,
} from "../../src/policy/runtime_rules.ts";

const DENO_RUN: RuntimeFacts = {
  execPath: "/usr/lib/node_modules/deno/deno",
  mainModule: "file:///opt/qga-deno/main.ts",
  denoDir: "/root/.cache/deno",
  pid: 4242,
  arch: "x86_64",
};
const COMPILED: RuntimeFacts = {
  execPath: "/usr/sbin/qemu-ga-x86_64",
  mainModule: "file:///tmp/deno-compile-qemu-ga-x86_64/qga-deno.js",
  pid: 4242,
  arch: "aarch64",
};

const WRITES = ["write-file", "truncate", "remove-file", "remove-dir", "refer"];

Deno.test("no rule writes anywhere but /dev/null, nor creates anything", () => {
  for (const facts of [DENO_RUN, COMPILED]) {
    const writers = runtimeRules(facts).filter((r) =>
      r.rights.some((right) => WRITES.includes(right) || right.startsWith("make-"))
    );
    assert.deepEqual(writers.map((r) => r.path), ["/dev/null"]);
  }
});

Deno.test("of /etc only the loader's cache, of /proc only the process's own directory", () => {
  const paths = runtimeRules(DENO_RUN).map((r) => r.path);
  assert.deepEqual(paths.filter((p) => p.startsWith("/etc")), ["/etc/ld.so.cache"]);
  assert.deepEqual(paths.filter((p) => p.startsWith("/proc")), ["/proc/4242"]);
  assert.deepEqual(paths.filter((p) => p.startsWith("/dev")), ["/dev/null", "/dev/urandom"]);
  assert.ok(!paths.includes("/") && !paths.includes("/usr") && !paths.includes("/proc"));
});

Deno.test("only the executable and the ELF interpreter may be executed", () => {
  const exec = (facts: RuntimeFacts) =>
    runtimeRules(facts).filter((r) => r.rights.includes("execute")).map((r) => r.path);
  assert.deepEqual(exec(DENO_RUN), [DENO_RUN.execPath, "/lib64/ld-linux-x86-64.so.2"]);
  assert.deepEqual(exec(COMPILED), [COMPILED.execPath, "/lib/ld-linux-aarch64.so.1"]);
});

Deno.test("deno run reads its modules, the config files up to / and the transpiled copies", () => {
  const reads = runtimeRules(DENO_RUN).slice(8).map((r) => r.path);
  assert.deepEqual(reads, [
    "/opt/qga-deno/main.ts",
    "/opt/qga-deno/src",
    ...["/opt/qga-deno/", "/opt/", "/"].flatMap((d) =>
      ["deno.json", "deno.jsonc", "package.json", "deno.lock"].map((f) => d + f)
    ),
    "/root/.cache/deno/gen/file/opt/qga-deno",
  ]);
  for (const rule of runtimeRules(DENO_RUN).slice(8)) assert.deepEqual(rule.rights, ["read-file"]);
});

Deno.test("a compiled binary needs no module, config or cache rule", () => {
  assert.equal(isDenoCli(COMPILED.execPath), false);
  assert.equal(isDenoCli(DENO_RUN.execPath), true);
  assert.deepEqual(runtimeRules(COMPILED).map((r) => r.path), [
    "/usr/sbin/qemu-ga-x86_64",
    "/lib/ld-linux-aarch64.so.1",
    "/lib/aarch64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/etc/ld.so.cache",
    "/proc/4242",
    "/dev/null",
    "/dev/urandom",
  ]);
});

Deno.test("every rule says why it exists", () => {
  for (const rule of [...runtimeRules(DENO_RUN), ...runtimeRules(COMPILED)]) {
    assert.ok((rule.why ?? "").length > 10, rule.path);
  }
});

Deno.test("Deno's cache directory: DENO_DIR, else XDG_CACHE_HOME/deno, else ~/.cache/deno", () => {
  const dir = (env: Record<string, string>) => denoDirFrom(new Map(Object.entries(env)));
  assert.equal(dir({ DENO_DIR: "/var/cache/deno/", HOME: "/root" }), "/var/cache/deno");
  assert.equal(dir({ XDG_CACHE_HOME: "/c", HOME: "/root" }), "/c/deno");
  assert.equal(dir({ HOME: "/root" }), "/root/.cache/deno");
  assert.equal(dir({ DENO_DIR: "relative", HOME: "/home/a" }), "/home/a/.cache/deno");
  assert.equal(dir({}), undefined);
});
