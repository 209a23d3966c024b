/**
 * Tests of the libc path operations for the agent's own files (`src/sys/path_ops.ts`).
 *
 * @module
 */

import assert from "node:assert/strict";
import { OsError } from "../../src/sys/os_error.ts";
import { readLinkPath, readRegularFile, renamePath } from "../../src/sys/path_ops.ts";

const dec = new TextDecoder();

/** A fresh directory, removed on dispose. */
function tempDir(): { dir: string } & Disposable {
  const dir = Deno.makeTempDirSync({ prefix: "qga-path-ops-" });
  return { dir, [Symbol.dispose]: () => Deno.removeSync(dir, { recursive: true }) };
}

/** Asserts `fn` throws an OsError with errno name `code`. */
function assertOsError(fn: () => unknown, code: string): void {
  assert.throws(fn, (e: unknown) => e instanceof OsError && e.code === code);
}

Deno.test("readRegularFile() reads a file, follows a symlink only when asked", () => {
  using t = tempDir();
  Deno.writeTextFileSync(`${t.dir}/file`, "contents\n");
  Deno.symlinkSync(`${t.dir}/file`, `${t.dir}/link`);
  assert.equal(dec.decode(readRegularFile(`${t.dir}/file`, { follow: false })!), "contents\n");
  assert.equal(dec.decode(readRegularFile(`${t.dir}/link`)!), "contents\n");
  assertOsError(() => readRegularFile(`${t.dir}/link`, { follow: false }), "ELOOP");
  assertOsError(() => readRegularFile(`${t.dir}/absent`), "ENOENT");
});

Deno.test("readRegularFile() answers undefined for a directory, a FIFO and a device, never blocking", async () => {
  using t = tempDir();
  assert.ok((await new Deno.Command("mkfifo", { args: [`${t.dir}/fifo`] }).output()).success);
  for (const path of [t.dir, `${t.dir}/fifo`, "/dev/null"]) {
    assert.equal(readRegularFile(path), undefined, path);
  }
});

Deno.test("readRegularFile() stops at its limit", () => {
  using t = tempDir();
  Deno.writeFileSync(`${t.dir}/big`, new Uint8Array(300_000));
  assert.equal(readRegularFile(`${t.dir}/big`)!.length, 300_000);
  assert.ok(readRegularFile(`${t.dir}/big`, { limit: 100_000 })!.length < 300_000);
});

Deno.test("renamePath() replaces a symlink at the destination instead of writing through it", () => {
  using t = tempDir();
  Deno.writeTextFileSync(`${t.dir}/victim`, "victim\n");
  Deno.symlinkSync(`${t.dir}/victim`, `${t.dir}/dest`);
  Deno.writeTextFileSync(`${t.dir}/new`, "new\n");
  renamePath(`${t.dir}/new`, `${t.dir}/dest`);
  assert.ok(Deno.lstatSync(`${t.dir}/dest`).isFile);
  assert.equal(Deno.readTextFileSync(`${t.dir}/dest`), "new\n");
  assert.equal(Deno.readTextFileSync(`${t.dir}/victim`), "victim\n");
  assertOsError(() => renamePath(`${t.dir}/new`, `${t.dir}/dest`), "ENOENT");
});

Deno.test("readLinkPath() returns a link's raw target, up to the longest Linux stores", () => {
  using t = tempDir();
  Deno.symlinkSync("../usr/share/zoneinfo/Europe/Berlin", `${t.dir}/localtime`);
  assert.equal(
    dec.decode(readLinkPath(`${t.dir}/localtime`)),
    "../usr/share/zoneinfo/Europe/Berlin",
  );
  const long = "a/".repeat(2047); // 4094 bytes: the longest target Linux stores is 4095
  Deno.symlinkSync(long, `${t.dir}/long`);
  assert.equal(dec.decode(readLinkPath(`${t.dir}/long`)), long);
  assertOsError(() => readLinkPath(t.dir), "EINVAL");
  assertOsError(() => readLinkPath(`${t.dir}/absent`), "ENOENT");
});
