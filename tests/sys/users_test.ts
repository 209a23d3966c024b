/**
 * The users domain's libc layer: `getpwnam_r` (read-only lookups of `root` and of names that do
 * not exist — no account is ever changed), its `ERANGE` retry, and the descriptor operations of
 * `src/sys/users_fs.ts` on a temporary directory (links never followed, FIFOs not waited for,
 * exclusive temporary names).
 *
 * @module
 */

import assert from "node:assert/strict";
import { Errno } from "../../src/sys/errno.ts";
import { OsError } from "../../src/sys/os_error.ts";
import { lookupPasswd } from "../../src/sys/passwd.ts";
import { LinuxUsers } from "../../src/sys/users.ts";
import { createFileAt, createTempFileAt } from "../../src/sys/users_fs.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

function errnoOf(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    if (e instanceof OsError) return e.errno;
    throw e;
  }
  throw new Error("expected an OsError");
}

Deno.test("lookupPasswd() finds root (uid 0, gid 0, its home) through getpwnam_r", () => {
  const root = lookupPasswd(enc.encode("root"));
  assert.equal(root.uid, 0);
  assert.equal(root.gid, 0);
  const line = Deno.readTextFileSync("/etc/passwd").split("\n").find((l) => l.startsWith("root:"));
  assert.equal(dec.decode(root.home), line?.split(":")[5]);
});

Deno.test("lookupPasswd() retries with a doubled buffer after ERANGE (GLib's loop)", () => {
  for (const size of [1, 2, 7, 16]) {
    assert.deepEqual(lookupPasswd(enc.encode("root"), size), lookupPasswd(enc.encode("root")));
  }
});

Deno.test("lookupPasswd() of a missing name fails with errno 0 (qemu-ga's 'Success')", () => {
  assert.equal(errnoOf(() => lookupPasswd(enc.encode("qga-test-no-such-user"))), 0);
  assert.equal(errnoOf(() => lookupPasswd(new Uint8Array(0))), 0);
  assert.equal(
    errnoOf(() => lookupPasswd(new Uint8Array([0x72, 0x6F, 0x6F, 0x74, 0xC0, 0x80]))),
    0,
  );
});

Deno.test("LinuxUsers takes a replacement passwd lookup", () => {
  const users = new LinuxUsers("/", { lookup: () => ({ uid: 7, gid: 8, home: enc.encode("/h") }) });
  assert.deepEqual(users.lookup(enc.encode("x")), { uid: 7, gid: 8, home: enc.encode("/h") });
  assert.equal(users.root, "/");
});

Deno.test("LinuxUsers descriptor operations never follow a link and never wait on a FIFO", () => {
  const dir = Deno.makeTempDirSync({ prefix: "qga-users-" });
  const users = new LinuxUsers();
  const fds: number[] = [];
  try {
    Deno.mkdirSync(`${dir}/d`);
    Deno.writeTextFileSync(`${dir}/f`, "hello");
    Deno.symlinkSync(`${dir}/d`, `${dir}/dl`);
    Deno.symlinkSync(`${dir}/f`, `${dir}/fl`);
    new Deno.Command("mkfifo", { args: [`${dir}/p`] }).outputSync();
    const home = users.openHome(enc.encode(dir));
    fds.push(home);
    assert.equal(errnoOf(() => users.openDirectoryAt(home, "dl")), Errno.ENOTDIR);
    assert.equal(errnoOf(() => users.openDirectoryAt(home, "f")), Errno.ENOTDIR);
    assert.equal(errnoOf(() => users.openFileAt(home, "fl")), Errno.ELOOP);
    assert.equal(users.statusAt(home, "dl").type, "symlink");
    assert.equal(users.statusAt(home, "d").type, "directory");
    const fifo = users.openFileAt(home, "p");
    fds.push(fifo);
    assert.equal(users.status(fifo).type, "other");
    const file = users.openFileAt(home, "f");
    fds.push(file);
    const status = users.status(file);
    assert.deepEqual([status.type, status.size, status.nlink, status.uid], [
      "file",
      5n,
      1,
      Deno.uid(),
    ]);
    assert.equal(status.identity, users.statusAt(home, "f").identity);
    assert.equal(dec.decode(users.read(file, 100)), "hello");
    const again = users.openFileAt(home, "f");
    fds.push(again);
    assert.equal(dec.decode(users.read(again, 2)), "hel", "limit + 1 bytes at most");
    assert.equal(errnoOf(() => users.openHome(enc.encode(`${dir}/f`))), Errno.ENOTDIR);
    users.mkdirAt(home, "new", 0o700);
    assert.equal(errnoOf(() => users.mkdirAt(home, "new", 0o700)), Errno.EEXIST);
  } finally {
    for (const fd of fds) users.close(fd);
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("createTempFileAt() makes a new 0600 file per call and never opens an existing name", () => {
  const dir = Deno.makeTempDirSync({ prefix: "qga-users-" });
  const users = new LinuxUsers();
  const home = users.openHome(enc.encode(dir));
  try {
    const a = createTempFileAt(home, "authorized_keys.", 0o600);
    const b = createTempFileAt(home, "authorized_keys.", 0o600);
    assert.match(a.name, /^authorized_keys\.[A-Za-z0-9]{6}$/);
    assert.notEqual(a.name, b.name);
    users.write(a.fd, enc.encode("x"));
    users.sync(a.fd);
    users.chmod(a.fd, 0o600);
    users.chown(a.fd, Deno.uid()!, Deno.gid()!);
    assert.equal(Deno.statSync(`${dir}/${a.name}`).mode! & 0o777, 0o600);
    users.renameAt(home, a.name, "authorized_keys");
    assert.equal(Deno.readTextFileSync(`${dir}/authorized_keys`), "x");
    users.unlinkAt(home, b.name);
    Deno.symlinkSync(`${dir}/target`, `${dir}/link`);
    assert.equal(errnoOf(() => createFileAt(home, "link", 0o600)), Errno.EEXIST);
    assert.throws(() => Deno.lstatSync(`${dir}/target`), Deno.errors.NotFound);
    users.close(a.fd);
    users.close(b.fd);
  } finally {
    users.close(home);
    Deno.removeSync(dir, { recursive: true });
  }
});
