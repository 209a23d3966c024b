/**
 * guest-file-open (profile `full`: anywhere, as qemu-ga): modes, open errors, creation (O_EXCL,
 * 0644 under any umask, checked in subprocesses), relative paths, the handle cap. The confined
 * scope is `./roots_test.ts`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { OPEN_MODES } from "../../../src/commands/file/open_mode.ts";
import { INT64_MAX } from "../../../src/qobject/value.ts";
import { b64, fixture, permBits, qgaError } from "./helpers.ts";

const PROBE = new URL("./open_probe.ts", import.meta.url).pathname;

/** Runs the probe with `deno run <flags>` under `umask`, returning its reply lines. */
async function probe(
  opts: { flags: string[]; umask?: string; cwd?: string; statedir: string },
  requests: unknown[],
): Promise<string[]> {
  const deno = [Deno.execPath(), "run", "--no-prompt", ...opts.flags, PROBE, opts.statedir];
  const args = [...deno, ...requests.map((r) => JSON.stringify(r))];
  const command = new Deno.Command("sh", {
    args: ["-c", `umask ${opts.umask ?? "022"} && exec "$@"`, "sh", ...args],
    cwd: opts.cwd,
    stdout: "piped",
    stderr: "piped",
  });
  const out = await command.output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  return new TextDecoder().decode(out.stdout).trimEnd().split("\n");
}

const openReq = (path: string, mode?: string) => ({
  execute: "guest-file-open",
  arguments: mode === undefined ? { path } : { path, mode },
});

Deno.test("guest-file-open accepts exactly qemu-ga's fifteen mode strings", async () => {
  await using fx = await fixture();
  const path = `${fx.dir}/f`;
  await Deno.writeTextFile(path, "x");
  for (const mode of OPEN_MODES.keys()) {
    const handle = await fx.h["guest-file-open"]({ path, mode }, fx.ctx);
    await fx.h["guest-file-close"]({ handle }, fx.ctx);
  }
  for (const mode of ["", "rw", "br", "R", "rt", "r+b+", "rb+ ", " r", "wx", "a++", "b", "+"]) {
    await assert.rejects(
      fx.h["guest-file-open"]({ path, mode }, fx.ctx),
      qgaError(`invalid file open mode '${mode}'`),
    );
  }
  assert.equal(fx.table.size, 0);
});

Deno.test("guest-file-open reports open(2) failures with glibc texts", async () => {
  await using fx = await fixture();
  await Deno.writeTextFile(`${fx.dir}/file`, "x");
  const cases: [string, string | undefined, string][] = [
    [`${fx.dir}/nonexist`, undefined, "No such file or directory"],
    ["", "r", "No such file or directory"],
    [`${fx.dir}/nodir/x`, "w", "No such file or directory"],
    [`${fx.dir}/file/x`, "r", "Not a directory"],
    [fx.dir, "w", "Is a directory"],
    [fx.dir, "a+", "Is a directory"],
    [fx.dir, "r+", "Is a directory"],
  ];
  for (const [path, mode, text] of cases) {
    await assert.rejects(
      fx.h["guest-file-open"](mode === undefined ? { path } : { path, mode }, fx.ctx),
      qgaError(`failed to open file '${path}' (mode: '${mode ?? "r"}'): ${text}`),
    );
  }
  assert.equal(fx.table.size, 0);
  assert.equal(await Deno.readTextFile(`${fx.statedir}/qga.state`), "[global]\nfd_counter=1000\n");
});

Deno.test("guest-file-open opens a directory read-only; reads then fail", async () => {
  await using fx = await fixture();
  const handle = await fx.h["guest-file-open"]({ path: fx.dir }, fx.ctx);
  await assert.rejects(
    fx.h["guest-file-read"]({ handle }, fx.ctx),
    qgaError("failed to read file: Is a directory"),
  );
  // ext4 reports INT64_MAX for SEEK_END on a directory; Deno's double result is clamped back.
  const { position } = await fx.h["guest-file-seek"]({ handle, offset: 0n, whence: 2n }, fx.ctx);
  assert.ok(position >= 0n && position <= INT64_MAX);
  if (position > 2n ** 53n) assert.equal(position, INT64_MAX);
});

Deno.test("guest-file-open w truncates an existing file and keeps its permissions", async () => {
  await using fx = await fixture();
  const path = `${fx.dir}/f`;
  await Deno.writeTextFile(path, "old contents");
  await Deno.chmod(path, 0o600);
  const handle = await fx.h["guest-file-open"]({ path, mode: "wb" }, fx.ctx);
  assert.equal((await Deno.stat(path)).size, 0);
  await fx.h["guest-file-write"]({ handle, "buf-b64": b64("new") }, fx.ctx);
  assert.equal(await Deno.readTextFile(path), "new");
  assert.equal(permBits(path), 0o600);
  await Deno.chmod(path, 0o666);
  await fx.h["guest-file-open"]({ path, mode: "a" }, fx.ctx);
  assert.equal(permBits(path), 0o666, "an existing file's mode is never changed");
});

Deno.test("guest-file-open creates files 0644 under umask 022 and 0, 0600 under 077", async () => {
  await using fx = await fixture();
  for (const [umask, mode] of [["022", "w"], ["0", "a+"], ["077", "w+b"]] as const) {
    const path = `${fx.dir}/new-${umask}`;
    const lines = await probe(
      {
        flags: ["--allow-ffi", `--allow-read=${fx.dir}`, `--allow-write=${fx.dir}`],
        umask,
        statedir: fx.statedir,
      },
      [openReq(path, mode), { stat: path }],
    );
    assert.match(lines[0]!, /^\{"return": \d+\}$/);
    assert.equal(lines[1], umask === "077" ? "600" : "644", `umask ${umask}`);
  }
});

Deno.test("guest-file-open resolves relative paths against the agent's cwd", async () => {
  await using fx = await fixture();
  const flags = ["--allow-ffi", `--allow-read=${fx.dir}`, `--allow-write=${fx.dir}`];
  const lines = await probe({ flags, cwd: fx.dir, statedir: fx.statedir }, [
    openReq("foo", "w+"),
    { execute: "guest-file-write", arguments: { handle: 1000, "buf-b64": b64("rel") } },
  ]);
  assert.deepEqual(lines, [`{"return": 1000}`, `{"return": {"count": 3, "eof": false}}`]);
  assert.equal(await Deno.readTextFile(`${fx.dir}/foo`), "rel");
});

Deno.test("guest-file-open refuses more than the handle limit without touching the file", async () => {
  await using fx = await fixture({ limit: 3 });
  const path = `${fx.dir}/f`;
  for (let i = 0; i < 3; i++) await fx.h["guest-file-open"]({ path, mode: "a" }, fx.ctx);
  const fresh = `${fx.dir}/fresh`;
  await assert.rejects(
    fx.h["guest-file-open"]({ path: fresh, mode: "w" }, fx.ctx),
    qgaError(`failed to open file '${fresh}' (mode: 'w'): too many open files (limit 3)`),
  );
  await assert.rejects(Deno.stat(fresh), Deno.errors.NotFound);
  await fx.h["guest-file-close"]({ handle: 1001n }, fx.ctx);
  assert.equal(await fx.h["guest-file-open"]({ path: fresh, mode: "w" }, fx.ctx), 1003n);
});

Deno.test("guest-file-open allows 1024 open handles by default", async () => {
  await using fx = await fixture();
  const path = `${fx.dir}/f`;
  await Deno.writeTextFile(path, "x");
  for (let i = 0; i < 1024; i++) await fx.h["guest-file-open"]({ path }, fx.ctx);
  assert.equal(fx.table.size, 1024);
  await assert.rejects(
    fx.h["guest-file-open"]({ path }, fx.ctx),
    qgaError(`failed to open file '${path}' (mode: 'r'): too many open files (limit 1024)`),
  );
  await fx.h["guest-file-close"]({ handle: 1500n }, fx.ctx);
  assert.equal(await fx.h["guest-file-open"]({ path }, fx.ctx), 2024n);
});
