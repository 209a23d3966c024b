/**
 * `build.sh --profile NAME --dry-run`: everything but `deno compile`, run in a copy of the tree
 * (main.ts, src/, deno.json, build.sh) so the repository's dist/ is left alone. The policy JSON
 * next to each binary names the profile, the exact Deno flags of `permissionSet()`, the baked
 * arguments and a command table that agrees with the profile; the unit and the udev rule are the
 * module's; an unknown profile, target or misplaced `--exec-allow` fails with a clear message.
 *
 * @module
 */

import assert from "node:assert/strict";
import { COMMANDS } from "../../src/schema/schema.ts";
import { denoFlags, permissionSet } from "../../src/policy/deno_permissions.ts";
import { type ProfileName, PROFILES } from "../../src/policy/profiles.ts";
import { GUEST_BINARY, systemdUnit, UDEV_RULE } from "../../src/policy/systemd_unit.ts";

const REPO = new URL("../../", import.meta.url).pathname;
const deno = JSON.parse(Deno.readTextFileSync(`${REPO}deno.json`));
const V8_FLAGS: string = deno.tasks.start.split(" ").find((w: string) =>
  w.startsWith("--v8-flags=")
);

/** A copy of what build.sh needs, in a fresh directory. */
function copyTree(): string {
  const dir = Deno.makeTempDirSync({ prefix: "qga-build-" });
  const cp = new Deno.Command("cp", {
    args: ["-r", "main.ts", "src", "deno.json", "build.sh", dir],
    cwd: REPO,
  }).outputSync();
  assert.ok(cp.success, new TextDecoder().decode(cp.stderr));
  return dir;
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function build(dir: string, ...args: string[]): Run {
  const out = new Deno.Command("bash", { args: [`${dir}/build.sh`, ...args] }).outputSync();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

function readJson(path: string) {
  return JSON.parse(Deno.readTextFileSync(path));
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Checks one policy JSON against the profile and the flags build.sh must have used. */
function checkPolicy(
  path: string,
  profile: ProfileName,
  target: string,
  execAllow: string[] = [],
): Record<string, unknown> {
  const policy = readJson(path);
  const binaryPath = path.slice(path.lastIndexOf("dist/")).replace(/\.policy\.json$/, "");
  assert.deepEqual(policy.binary, {
    path: binaryPath,
    sha256: null,
    target,
    denoFlags: [
      ...denoFlags(permissionSet(profile, execAllow)),
      "--deny-import",
      "--no-prompt",
      V8_FLAGS,
    ],
    args: [
      `--profile=${profile}`,
      ...(execAllow.length > 0 ? [`--exec-allow=${execAllow.join(",")}`] : []),
    ],
  });
  assert.equal(policy.profile.name, profile);
  assert.equal(policy.measuredOn.machine, "build machine");
  assert.ok(policy.measuredOn.fields.includes("landlock.abi"));
  // Every grant the profile declares is in force under those flags; every probe it must refuse is.
  for (const check of policy.deno) {
    assert.equal(check.granted, check.expected === "granted", JSON.stringify(check));
  }
  // The command table: one row per command; the profile's exclusions are disabled for that
  // reason, nothing else is disabled for it, and nothing the profile excludes is enabled.
  assert.deepEqual(
    policy.commands.map((c: { name: string }) => c.name),
    COMMANDS.map((c) => c.name),
  );
  for (const row of policy.commands) {
    const excluded = PROFILES[profile].excluded.get(row.name);
    if (excluded !== undefined) {
      assert.equal(row.enabled, false, row.name);
      assert.equal(row.reason, `not in the ${profile} profile: ${excluded}`);
    } else {
      assert.ok(!`${row.reason}`.startsWith(`not in the ${profile}`), row.name);
    }
  }
  return policy;
}

for (const profile of ["files", "readonly"] as const) {
  Deno.test(`build.sh --profile ${profile} --dry-run writes the profile's policy JSON, unit and rule`, () => {
    const dir = copyTree();
    try {
      const run = build(dir, "--profile", profile, "--dry-run", "x86_64-unknown-linux-gnu");
      assert.equal(run.code, 0, run.stderr);
      const base = `${dir}/dist/qemu-ga-${profile}-x86_64`;
      assert.ok(!exists(base), "a dry run compiles nothing");
      assert.ok(!exists(`${dir}/dist/qemu-ga-${profile}-aarch64.policy.json`), "one target named");
      const policy = checkPolicy(`${base}.policy.json`, profile, "x86_64-unknown-linux-gnu");
      const root = "/var/lib/qga-deno/files";
      assert.deepEqual(policy.fileRoots, [
        { path: root, writable: profile === "files", usable: exists(root) },
      ]);
      assert.equal(
        Deno.readTextFileSync(`${dir}/dist/qga-deno-${profile}.service`),
        systemdUnit(profile, { binary: GUEST_BINARY }),
      );
      assert.equal(Deno.readTextFileSync(`${dir}/dist/99-qga-deno.rules`), UDEV_RULE);
    } finally {
      Deno.removeSync(dir, { recursive: true });
    }
  });
}

Deno.test("build.sh --dry-run (profile full) keeps today's names, one policy per target", () => {
  const dir = copyTree();
  try {
    const run = build(dir, "--dry-run");
    assert.equal(run.code, 0, run.stderr);
    for (const arch of ["x86_64", "aarch64"]) {
      const policy = checkPolicy(
        `${dir}/dist/qemu-ga-${arch}.policy.json`,
        "full",
        `${arch}-unknown-linux-gnu`,
      );
      assert.equal(policy.fileRoots, "anywhere");
      assert.deepEqual((policy.binary as { denoFlags: string[] }).denoFlags.slice(0, 2), [
        "--allow-read",
        "--allow-write",
      ]);
    }
    assert.ok(exists(`${dir}/dist/qga-deno-full.service`));
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("build.sh --exec-allow lands in the run grant, the baked arguments and the policy", () => {
  const dir = copyTree();
  try {
    const programs = ["/usr/bin/uptime", "/usr/bin/rsync"];
    const run = build(
      dir,
      "--profile=files",
      "--exec-allow",
      programs[0]!,
      `--exec-allow=${programs[1]}`,
      "--dry-run",
      "aarch64-unknown-linux-gnu",
    );
    assert.equal(run.code, 0, run.stderr);
    const path = `${dir}/dist/qemu-ga-files-aarch64.policy.json`;
    const policy = checkPolicy(path, "files", "aarch64-unknown-linux-gnu", programs);
    const run_ = (policy.binary as { denoFlags: string[] }).denoFlags
      .find((f) => f.startsWith("--allow-run="))!;
    for (const p of programs) assert.ok(run_.slice("--allow-run=".length).split(",").includes(p));
    const listed = policy.programs as { path: string; granted: boolean }[];
    for (const p of programs) {
      assert.deepEqual(listed.find((row) => row.path === p), { path: p, granted: true });
    }
    const exec = (policy.commands as { name: string; reason?: string }[])
      .find((c) => c.name === "guest-exec")!;
    assert.ok(!`${exec.reason}`.includes("no program is listed"), JSON.stringify(exec));
    assert.equal(
      Deno.readTextFileSync(`${dir}/dist/qga-deno-files.service`),
      systemdUnit("files", { binary: GUEST_BINARY, execAllow: programs }),
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("build.sh refuses an unknown profile or target and a misplaced --exec-allow, clearly", () => {
  const dir = copyTree();
  try {
    const cases: [string[], RegExp][] = [
      [
        ["--profile", "bogus"],
        /^build\.sh: unknown profile "bogus" \(profiles: full, files, readonly\)$/m,
      ],
      [
        ["--profile", "files", "--profile", "readonly"],
        /one profile per build \(files, then readonly\)/,
      ],
      [
        ["--profile", "readonly", "--exec-allow", "/bin/true"],
        /readonly profile has no guest-exec/,
      ],
      [["--exec-allow", "/bin/true"], /full profile runs any program/],
      [["--profile", "files", "--exec-allow", "true"], /absolute path/],
      [["--profile", "files", "x86_64-apple-darwin"], /unknown target 'x86_64-apple-darwin'/],
      [["--profile"], /--profile needs a value/],
      [["--frobnicate"], /unknown option '--frobnicate'/],
    ];
    for (const [args, message] of cases) {
      const run = build(dir, ...args, "--dry-run");
      assert.equal(run.code, 2, `${args.join(" ")}: ${run.stderr}`);
      assert.match(run.stderr, message);
    }
    assert.ok(!exists(`${dir}/dist`), "nothing was written");
    // A program path the unit cannot hold unquoted is refused before anything is built.
    const odd = build(dir, "--profile", "files", "--exec-allow", "/usr/bin/a%b", "--dry-run");
    assert.equal(odd.code, 2, odd.stderr);
    assert.match(odd.stderr, /^build\.sh: --exec-allow program '\/usr\/bin\/a%b' .*unquoted/m);
    assert.deepEqual([...Deno.readDirSync(`${dir}/dist`)], []);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
