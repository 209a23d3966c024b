/**
 * The `roots` scope against real temporary trees, as a hostile host would try it: `..`,
 * absolute and relative symbolic links out of the root, links into `/proc/self`, FIFOs, sockets,
 * device nodes, directories, the agent's own files (by path, symlink and hard link), read-only
 * roots, and creating modes that must create nothing when refused.
 *
 * @module
 */

import assert from "node:assert/strict";
import { openGuestFiles } from "../../../src/sys/files/files.ts";
import { assertRefused, attempt, run, SECRET, tree, WRITE_MODES } from "./helpers.ts";

async function exists(path: string): Promise<boolean> {
  return await Deno.lstat(path).then(() => true, () => false);
}

Deno.test("roots: a file beneath the root opens; relative links that stay inside are followed", async () => {
  await using t = await tree();
  await Deno.mkdir(`${t.root}/sub`);
  await Deno.symlink("../file", `${t.root}/sub/up-link`);
  await Deno.symlink("sub", `${t.root}/sub-link`);
  const { files, unusable } = openGuestFiles({
    kind: "roots",
    roots: [{ path: t.root, writable: true }],
    ownFiles: [],
  });
  assert.deepEqual(unusable, []);
  for (const path of [`${t.root}/file`, `${t.root}/sub/up-link`, `${t.root}/sub-link/up-link`]) {
    assert.deepEqual(await attempt(files, path), { ok: "inside\n" }, path);
  }
  assert.deepEqual(await attempt(files, `${t.root}//./sub/../file`), { ok: "inside\n" });
});

Deno.test("roots: .., absolute links, relative links and /proc/self links out of the root are refused", async () => {
  await using t = await tree();
  await Deno.mkdir(`${t.root}/sub`);
  await Deno.symlink(`${t.outside}/secret`, `${t.root}/abs-link`);
  await Deno.symlink("../outside/secret", `${t.root}/rel-link`);
  await Deno.symlink("../outside", `${t.root}/dir-link`);
  await Deno.symlink("../../outside/secret", `${t.root}/sub/deep-link`);
  await Deno.symlink("/proc/self/root", `${t.root}/proc-root`);
  await Deno.symlink("/proc/self/fd", `${t.root}/proc-fd`);
  await Deno.symlink("/proc/self/cwd", `${t.root}/proc-cwd`);
  await Deno.symlink("/", `${t.root}/slash`);
  const { files } = openGuestFiles({
    kind: "roots",
    roots: [{ path: t.root, writable: true }],
    ownFiles: [],
  });
  const escapes = [
    `${t.root}/../outside/secret`,
    `${t.root}/sub/../../outside/secret`,
    `${t.root}/abs-link`,
    `${t.root}/rel-link`,
    `${t.root}/dir-link/secret`,
    `${t.root}/sub/deep-link`,
    `${t.root}/proc-root${t.outside}/secret`,
    `${t.root}/proc-fd/0`,
    `${t.root}/proc-cwd${t.outside}/secret`,
    `${t.root}/slash${t.outside}/secret`,
  ];
  for (const path of escapes) {
    for (const mode of ["r", "r+", "a"]) {
      assertRefused(await attempt(files, path, mode), "EACCES", /leaves its file root/);
    }
  }
  assert.equal(await Deno.readTextFile(`${t.outside}/secret`), SECRET, "nothing was written");
});

Deno.test("roots: relative paths and paths lexically outside every root are refused", async () => {
  await using t = await tree();
  await Deno.mkdir(`${t.dir}/rootX`);
  await Deno.writeTextFile(`${t.dir}/rootX/file`, "x");
  const { files } = openGuestFiles({
    kind: "roots",
    roots: [{ path: t.root, writable: true }],
    ownFiles: [],
  });
  for (const path of ["", "file", "./file", "root/file", `.${t.root}/file`]) {
    assertRefused(await attempt(files, path), "EACCES", /relative path/);
  }
  for (const path of ["/etc/hostname", `${t.dir}/rootX/file`, t.dir, `${t.outside}/secret`]) {
    assertRefused(await attempt(files, path), "EACCES", /outside every file root/);
  }
});

Deno.test("roots: FIFOs, sockets, device nodes and directories are refused at once", async () => {
  await using t = await tree();
  await run("mkfifo", `${t.root}/fifo`);
  const listener = Deno.listen({ transport: "unix", path: `${t.root}/sock` });
  await Deno.mkdir(`${t.root}/dir`);
  let device = true;
  const made = await new Deno.Command("mknod", { args: [`${t.root}/null`, "c", "1", "3"] })
    .output();
  if (!made.success) (device = false, console.warn("mknod refused: device case skipped"));
  try {
    const { files } = openGuestFiles({
      kind: "roots",
      roots: [{ path: t.root, writable: true }],
      ownFiles: [],
    });
    const cases: [string, RegExp][] = [
      ["fifo", /not a regular file \(FIFO\)/],
      ["sock", /not a regular file \(socket\)/],
      ["dir", /not a regular file \(directory\)/],
      [".", /not a regular file \(directory\)/],
      ...(device
        ? [["null", /not a regular file \(character device\)/]] as [string, RegExp][]
        : []),
    ];
    for (const [name, reason] of cases) {
      for (const mode of ["r", "w", "r+", "a+"]) {
        const started = performance.now();
        assertRefused(await attempt(files, `${t.root}/${name}`, mode), "EACCES", reason);
        assert.ok(performance.now() - started < 1000, "never blocks");
      }
    }
    assert.deepEqual(await attempt(files, t.root), await attempt(files, `${t.root}/`));
  } finally {
    listener.close();
  }
});

Deno.test("roots: a refused FIFO is never opened (a writer blocked in open() stays blocked)", async () => {
  await using t = await tree();
  const fifo = `${t.root}/fifo`;
  await run("mkfifo", fifo);
  const writer = new Deno.Command("sh", { args: ["-c", 'echo hi > "$1"', "sh", fifo] }).spawn();
  const { files } = openGuestFiles({
    kind: "roots",
    roots: [{ path: t.root, writable: true }],
    ownFiles: [],
  });
  for (const mode of ["r", "r+", "a+"]) {
    assertRefused(await attempt(files, fifo, mode), "EACCES", /FIFO/);
  }
  const exited = await Promise.race([
    writer.status.then(() => true),
    new Promise<false>((resolve) => setTimeout(() => resolve(false), 300)),
  ]);
  assert.equal(exited, false, "no reader ever appeared on the FIFO");
  assert.equal(await Deno.readTextFile(fifo), "hi\n");
  await writer.status;
});

Deno.test("roots: the agent's own files are refused by path, symlink and hard link, untouched", async () => {
  await using t = await tree();
  await Deno.mkdir(`${t.dir}/state`);
  const log = `${t.dir}/state/agent.log`;
  await Deno.writeTextFile(log, "log line\n");
  await Deno.writeTextFile(`${t.root}/own-inside`, "state\n");
  await Deno.link(log, `${t.root}/hard-link`);
  await Deno.symlink(`${t.root}/own-inside`, `${t.dir}/state/own-link`);
  const { files } = openGuestFiles({
    kind: "roots",
    roots: [{ path: t.root, writable: true }],
    ownFiles: [log, `${t.dir}/state/own-link`, `${t.dir}/state/missing.pid`],
  });
  for (const mode of ["r", ...WRITE_MODES]) {
    for (const name of ["hard-link", "own-inside"]) {
      assertRefused(await attempt(files, `${t.root}/${name}`, mode), "EACCES", /own files/);
    }
  }
  assert.equal(await Deno.readTextFile(log), "log line\n", "w and w+ did not truncate it");
  assert.equal(await Deno.readTextFile(`${t.root}/own-inside`), "state\n");
  assert.deepEqual(await attempt(files, `${t.root}/file`), { ok: "inside\n" });
});

Deno.test("roots: write modes on a read-only root fail with EROFS and create nothing", async () => {
  await using t = await tree();
  const { files } = openGuestFiles({
    kind: "roots",
    roots: [{ path: t.root, writable: false }],
    ownFiles: [],
  });
  for (const mode of WRITE_MODES) {
    for (const name of ["file", "new"]) {
      assertRefused(await attempt(files, `${t.root}/${name}`, mode), "EROFS", /read-only/);
    }
  }
  assert.equal(await exists(`${t.root}/new`), false);
  assert.equal(await Deno.readTextFile(`${t.root}/file`), "inside\n");
  for (const mode of ["r", "rb"]) {
    assert.deepEqual(await attempt(files, `${t.root}/file`, mode), { ok: "inside\n" });
  }
});

Deno.test("roots: the longest matching root decides; a root nested in a read-only one may be writable", async () => {
  await using t = await tree();
  await Deno.mkdir(`${t.root}/upload`);
  const { files } = openGuestFiles({
    kind: "roots",
    roots: [{ path: t.root, writable: false }, { path: `${t.root}/upload/`, writable: true }],
    ownFiles: [],
  });
  assert.deepEqual(await attempt(files, `${t.root}/upload/new`, "w"), { ok: "" });
  assert.equal(await Deno.readTextFile(`${t.root}/upload/new`), "");
  assertRefused(await attempt(files, `${t.root}/new`, "w"), "EROFS", /read-only/);
  assertRefused(
    await attempt(files, `${t.root}/upload/../new`, "w"),
    "EACCES",
    /leaves its file root/,
  );
  assert.equal(await exists(`${t.root}/new`), false);
});

Deno.test("roots: refused creating opens create nothing, inside or outside the root", async () => {
  await using t = await tree();
  await Deno.symlink("../outside", `${t.root}/dir-link`);
  await Deno.symlink(`${t.outside}/created-abs`, `${t.root}/dangling-abs`);
  await Deno.symlink("../outside/created-rel", `${t.root}/dangling-rel`);
  const { files } = openGuestFiles({
    kind: "roots",
    roots: [{ path: t.root, writable: true }],
    ownFiles: [],
  });
  for (const mode of ["w", "a", "w+", "a+"]) {
    for (
      const path of [
        `${t.root}/../outside/new`,
        `${t.root}/dir-link/new`,
        `${t.root}/dangling-abs`,
        `${t.root}/dangling-rel`,
      ]
    ) {
      assertRefused(await attempt(files, path, mode), "EACCES", /leaves its file root/);
    }
  }
  assert.deepEqual(
    [...Deno.readDirSync(t.outside)].map((e) => e.name),
    ["secret"],
    "nothing was created outside",
  );
});

Deno.test("roots: creating and truncating modes work like qemu-ga's beneath a writable root", async () => {
  await using t = await tree();
  const { files } = openGuestFiles({
    kind: "roots",
    roots: [{ path: t.root, writable: true }],
    ownFiles: [],
  });
  assert.deepEqual(await attempt(files, `${t.root}/file`, "a+"), { ok: "inside\n" });
  assert.deepEqual(await attempt(files, `${t.root}/file`, "w+"), { ok: "" }, "w+ truncates");
  assert.equal(await Deno.readTextFile(`${t.root}/file`), "");
  assert.deepEqual(await attempt(files, `${t.root}/fresh`, "w"), { ok: "" });
  const bits = Deno.statSync(`${t.root}/fresh`).mode! & 0o777;
  assert.equal(bits & 0o600, 0o600);
  assert.equal(bits & 0o133, 0, "0644 minus the umask: never group/world-writable");
  const errors = [
    [`${t.root}/missing/new`, "w", "ENOENT"],
    [`${t.root}/missing`, "r", "ENOENT"],
    [`${t.root}/file/x`, "w", "ENOTDIR"],
    [`${t.root}/file/`, "r", "ENOTDIR"],
  ] as const;
  for (const [path, m, code] of errors) {
    const outcome = await attempt(files, path, m);
    assert.ok(
      "code" in outcome && outcome.code === code,
      `${path} ${m}: ${JSON.stringify(outcome)}`,
    );
  }
  // C semantics: the kernel stops at the first NUL, so does the root check.
  await Deno.writeTextFile(`${t.root}/file`, "inside\n");
  assert.deepEqual(await attempt(files, `${t.root}/file\0/../../outside/secret`), {
    ok: "inside\n",
  });
});

Deno.test("openGuestFiles() reports roots it cannot open and keeps the others", async () => {
  await using t = await tree();
  const { files, unusable } = openGuestFiles({
    kind: "roots",
    roots: [
      { path: `${t.dir}/missing`, writable: true },
      { path: `${t.root}/file`, writable: false },
      { path: "relative/root", writable: false },
      { path: `${t.dir}/../x`, writable: false },
      { path: t.root, writable: true },
    ],
    ownFiles: [],
  });
  assert.deepEqual(unusable.map((u) => [u.root.path, u.error]), [
    [`${t.dir}/missing`, "No such file or directory"],
    [`${t.root}/file`, "Not a directory"],
    ["relative/root", "not an absolute path"],
    [`${t.dir}/../x`, "contains '..'"],
  ]);
  assert.deepEqual(await attempt(files, `${t.root}/file`), { ok: "inside\n" });
});
