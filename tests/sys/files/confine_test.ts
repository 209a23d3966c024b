/**
 * Symbolic-link resolution before `guest-file-open` (src/commands/file/confine.ts): what the
 * kernel would open, including dangling links and link chains. The permission check itself is
 * exercised with a narrow sandbox in tests/hardening/permissions_test.ts.
 *
 * @module
 */

import assert from "node:assert/strict";
import { confineOpenPath, resolveForOpen } from "../../../src/sys/files/confine.ts";
import { parseOpenMode } from "../../../src/commands/file/open_mode.ts";

async function tree(): Promise<string> {
  const dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "qga-confine-" }));
  await Deno.mkdir(`${dir}/real`);
  await Deno.writeTextFile(`${dir}/real/file`, "x");
  await Deno.symlink(`${dir}/real`, `${dir}/dirlink`);
  await Deno.symlink("real/file", `${dir}/rel-file-link`);
  await Deno.symlink(`${dir}/real/new-target`, `${dir}/dangling`);
  await Deno.symlink("dangling", `${dir}/chain`);
  await Deno.symlink("loop-b", `${dir}/loop-a`);
  await Deno.symlink("loop-a", `${dir}/loop-b`);
  return dir;
}

Deno.test("resolveForOpen() follows directory links, relative links and dangling links", async () => {
  const dir = await tree();
  try {
    assert.equal(await resolveForOpen(`${dir}/real/file`), `${dir}/real/file`);
    assert.equal(await resolveForOpen(`${dir}/dirlink/file`), `${dir}/real/file`);
    assert.equal(await resolveForOpen(`${dir}/dirlink/absent`), `${dir}/real/absent`);
    assert.equal(await resolveForOpen(`${dir}/rel-file-link`), `${dir}/real/file`);
    // A creating open follows a dangling link and creates its target.
    assert.equal(await resolveForOpen(`${dir}/dangling`), `${dir}/real/new-target`);
    assert.equal(await resolveForOpen(`${dir}/chain`), `${dir}/real/new-target`);
    // A missing directory: left to open(2), which answers ENOENT.
    assert.equal(await resolveForOpen(`${dir}/nodir/x`), `${dir}/nodir/x`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("resolveForOpen() gives ELOOP for a link cycle and ENOTDIR through a file", async () => {
  const dir = await tree();
  try {
    await assert.rejects(resolveForOpen(`${dir}/loop-a`), (e: Error & { code?: string }) => {
      assert.equal(e.code, "ELOOP");
      return true;
    });
    await assert.rejects(resolveForOpen(`${dir}/real/file/x`), Deno.errors.NotADirectory);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("confineOpenPath() returns the resolved path when the permissions grant it", async () => {
  const dir = await tree();
  try {
    assert.equal(
      await confineOpenPath(`${dir}/dirlink/file`, parseOpenMode("r+")),
      `${dir}/real/file`,
    );
    assert.equal(await confineOpenPath(`${dir}/real/file`, parseOpenMode("r")), `${dir}/real/file`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
