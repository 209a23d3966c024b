/**
 * Pseudo file systems mounted inside a file root — a second procfs (`…/self/mem`, `…/1/environ`
 * and the `/proc/<pid>/fd/N`, `root`, `cwd`, `exe` magic links), sysfs, mqueue (which creates
 * files on `open`) — are refused by `fstatfs` and `RESOLVE_NO_MAGICLINKS`, while a tmpfs mounted
 * there is an ordinary file system. Each case runs in a child inside private mount and IPC
 * namespaces (`unshare -m -i`, util-linux), so the host's mounts and message queues are untouched.
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Outcome, tree } from "./helpers.ts";

const PROBE = new URL("./mount_probe.ts", import.meta.url).pathname;

/** Mounts in the child's namespace, then execs the probe with the arguments given. */
const SCRIPT = `set -e
root=$1; shift
mount -t proc proc "$root/p"
mount -t sysfs sysfs "$root/s"
mount -t mqueue mqueue "$root/mq"
mount -t tmpfs tmpfs "$root/t"
echo tmpfs-data > "$root/t/file"
exec "$@"`;

interface Line {
  readonly path?: string;
  readonly mode?: string;
  readonly outcome?: Outcome;
  readonly dir?: string;
  readonly names?: string[];
}

async function canUnshare(): Promise<boolean> {
  const out = await new Deno.Command("unshare", { args: ["-m", "-i", "true"], stderr: "null" })
    .output().catch(() => ({ success: false }));
  return out.success;
}

Deno.test("roots: procfs, sysfs and mqueue mounted inside a root are refused; tmpfs is not", async (t) => {
  if (!await canUnshare()) {
    console.warn("unshare -m is not permitted here: skipped");
    return void t.name;
  }
  await using tr = await tree("qga-mounts-");
  for (const dir of ["p", "s", "mq", "t"]) await Deno.mkdir(`${tr.root}/${dir}`);
  await Deno.symlink("p/self", `${tr.root}/self-link`);
  await Deno.symlink("p/self/fd/0", `${tr.root}/fd-link`);
  const r = tr.root;
  const refusedBy: [string, string, RegExp][] = [
    [`${r}/p/self/mem`, "r", /pseudo file system \(proc\)/],
    [`${r}/p/self/mem`, "r+", /pseudo file system \(proc\)/],
    [`${r}/p/self/status`, "r", /pseudo file system \(proc\)/],
    [`${r}/self-link/environ`, "r", /pseudo file system \(proc\)/],
    [`${r}/p/1/environ`, "r", /pseudo file system \(proc\)/],
    [`${r}/p/sys/kernel/ostype`, "r", /pseudo file system \(proc\)/],
    [`${r}/p/self/root${tr.outside}/secret`, "r", /magic link/],
    [`${r}/p/self/cwd${tr.outside}/secret`, "r", /magic link/],
    [`${r}/p/self/fd/0`, "r", /magic link/],
    [`${r}/p/self/exe`, "r", /magic link/],
    [`${r}/fd-link`, "r", /magic link/],
    [`${r}/fd-link`, "w", /magic link/],
    [`${r}/p/self/fd/0`, "w", /pseudo file system \(proc\)/], // the directory, before any lookup
    [`${r}/s/devices/system/cpu/online`, "r", /pseudo file system \(sysfs\)/],
    [`${r}/s/new-file`, "w", /pseudo file system \(sysfs\)/],
    [`${r}/mq/queue`, "w", /pseudo file system \(mqueue\)/],
    [`${r}/mq/queue`, "a+", /pseudo file system \(mqueue\)/],
  ];
  const allowed: [string, string, string][] = [
    [`${r}/t/file`, "r", "tmpfs-data\n"],
    [`${r}/t/new`, "w", ""],
  ];
  const requests = [...refusedBy, ...allowed].map(([path, mode]) => `${path}:${mode}`);
  const out = await new Deno.Command("unshare", {
    args: [
      "--mount",
      "--ipc", // a fresh IPC namespace: its mqueue holds only what this test makes
      "--propagation",
      "private",
      "sh",
      "-c",
      SCRIPT,
      "sh",
      r,
      Deno.execPath(),
      "run",
      "-A",
      "--quiet",
      PROBE,
      r,
      ...requests,
      "--",
      `${r}/mq`,
      `${r}/s`,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  const lines: Line[] = new TextDecoder().decode(out.stdout).trim().split("\n").map((l) =>
    JSON.parse(l)
  );
  const outcomes = lines.filter((l) => l.outcome !== undefined);
  assert.equal(outcomes.length, requests.length, stderr);
  refusedBy.forEach(([path, mode, reason], i) => {
    const o = outcomes[i]!.outcome!;
    assert.ok("code" in o && o.code === "EACCES", `${path} ${mode}: ${JSON.stringify(o)}`);
    assert.match(o.reason ?? "", reason, `${path} ${mode}`);
  });
  allowed.forEach(([path, mode, content], i) => {
    assert.deepEqual(outcomes[refusedBy.length + i]!.outcome, { ok: content }, `${path} ${mode}`);
  });
  const mq = lines.find((l) => l.dir === `${r}/mq`);
  assert.deepEqual(mq?.names, [], "no message queue was created");
  assert.ok((lines.find((l) => l.dir === `${r}/s`)?.names ?? []).length > 0, "sysfs was mounted");
  assert.deepEqual([...Deno.readDirSync(`${r}/p`)], [], "the host never saw the mounts");
});
