/**
 * guest-ssh-*-authorized-keys against the fake users domain (a fake passwd entry whose home is a
 * temporary directory, real descriptor operations there): the six cases of QEMU's unit test
 * `qga-ssh-test` (`qga/commands-posix-ssh.c`), the exact call sequences, and qemu-ga 7.2's texts
 * for every failing step.
 *
 * @module
 */

import assert from "node:assert/strict";
import { errorOf, ownership, sshWorld } from "./ssh_helpers.ts";

const KEY1 = "algo key1 comments";
const KEY2 = "algo key2 comments";
const ME = `${Deno.uid()}:${Deno.gid()}`;

// --- qga-ssh-test, case by case -----------------------------------------------------------------

Deno.test("qga-ssh-test /qga/ssh/invalid_user: add and remove fail for user ''", () => {
  using w = sshWorld();
  assert.equal(errorOf(() => w.add([], false, "")), "failed to lookup user '': Success");
  assert.equal(errorOf(() => w.remove([], "")), "failed to lookup user '': Success");
});

Deno.test("qga-ssh-test /qga/ssh/invalid_key: a key with a newline is refused by add and remove", () => {
  using w = sshWorld();
  const bad = "not a valid\nkey";
  assert.equal(errorOf(() => w.add([bad])), `invalid OpenSSH public key: '${bad}'`);
  assert.equal(errorOf(() => w.remove([bad])), `invalid OpenSSH public key: '${bad}'`);
  assert.deepEqual(w.sys.users.calls, [], "keys are checked before the user is looked up");
});

Deno.test("qga-ssh-test /qga/ssh/add_keys: a present key is not added twice", () => {
  using w = sshWorld();
  w.add([KEY2]);
  assert.equal(w.keys(), KEY2);
  w.add([KEY1, KEY2]);
  assert.equal(w.keys(), `${KEY2}\n${KEY1}`);
});

Deno.test("qga-ssh-test /qga/ssh/add_reset_keys: reset replaces, reset with no keys empties", () => {
  using w = sshWorld();
  w.add([KEY1, KEY2]);
  assert.equal(w.keys(), `${KEY1}\n${KEY2}`);
  w.add([KEY2], true);
  assert.equal(w.keys(), KEY2);
  w.add([], true);
  assert.equal(w.keys(), "");
});

Deno.test("qga-ssh-test /qga/ssh/remove_keys: every equal line goes, the final newline stays", () => {
  using w = sshWorld();
  const file = `${KEY1}\n${KEY1}\n# a commented line\nalgo some-key another\n`;
  w.setKeys(file);
  w.remove([KEY2]);
  assert.equal(w.keys(), file);
  w.remove([KEY1, KEY2]);
  assert.equal(w.keys(), "# a commented line\nalgo some-key another\n");
});

Deno.test("qga-ssh-test /qga/ssh/get_keys: comments are skipped", () => {
  using w = sshWorld();
  w.setKeys(`${KEY1}\n# a commented line\nalgo some-key another\n`);
  const { keys } = w.get();
  assert.equal(keys.length, 2);
  assert.ok(keys.every((k) => k.startsWith("algo ")));
});

// --- Exact call sequences -----------------------------------------------------------------------

Deno.test("guest-ssh-add-authorized-keys into a fresh home: .ssh made, file written atomically", () => {
  using w = sshWorld();
  w.add(["ssh-ed25519 AAAA k1", "ssh-rsa BBBB k2"]);
  assert.deepEqual(w.sys.users.calls, [
    "lookup alice",
    "open ~ O_DIRECTORY",
    "openat ~ .ssh O_DIRECTORY|O_NOFOLLOW",
    "mkdirat ~ .ssh 0700",
    "openat ~ .ssh O_DIRECTORY|O_NOFOLLOW",
    `fchown ~/.ssh ${ME}`,
    "fchmod ~/.ssh 0700",
    "fstatat ~/.ssh authorized_keys",
    "create ~/.ssh authorized_keys.XXXXXX 0600",
    "fstat ~/.ssh/authorized_keys.FAKE01",
    'write ~/.ssh/authorized_keys.FAKE01 "ssh-ed25519 AAAA k1\\nssh-rsa BBBB k2"',
    "fsync ~/.ssh/authorized_keys.FAKE01",
    `fchown ~/.ssh/authorized_keys.FAKE01 ${ME}`,
    "fchmod ~/.ssh/authorized_keys.FAKE01 0600",
    "renameat ~/.ssh authorized_keys.FAKE01 authorized_keys",
    "fstatat ~/.ssh authorized_keys",
    "close ~/.ssh/authorized_keys.FAKE01",
    "close ~/.ssh",
    "close ~",
  ]);
  assert.equal(ownership(`${w.home}/.ssh`), `700 ${ME}`);
  assert.equal(ownership(w.keysFile), `600 ${ME}`);
  assert.equal(w.keys(), "ssh-ed25519 AAAA k1\nssh-rsa BBBB k2");
  assert.deepEqual([...Deno.readDirSync(`${w.home}/.ssh`)].map((e) => e.name), [
    "authorized_keys",
  ]);
  assert.equal(w.sys.users.openFds, 0);
});

Deno.test("guest-ssh-add-authorized-keys to an existing file: read checked, then replaced", () => {
  using w = sshWorld();
  w.setKeys("old\n");
  w.add(["new"]);
  assert.deepEqual(w.sys.users.calls, [
    "lookup alice",
    "open ~ O_DIRECTORY",
    "openat ~ .ssh O_DIRECTORY|O_NOFOLLOW",
    "fstat ~/.ssh",
    "openat ~/.ssh authorized_keys O_NOFOLLOW|O_NONBLOCK",
    "fstat ~/.ssh/authorized_keys",
    "read ~/.ssh/authorized_keys",
    "fstatat ~/.ssh authorized_keys",
    "create ~/.ssh authorized_keys.XXXXXX 0600",
    "fstat ~/.ssh/authorized_keys.FAKE01",
    'write ~/.ssh/authorized_keys.FAKE01 "old\\n\\nnew"',
    "fsync ~/.ssh/authorized_keys.FAKE01",
    `fchown ~/.ssh/authorized_keys.FAKE01 ${ME}`,
    "fchmod ~/.ssh/authorized_keys.FAKE01 0600",
    "renameat ~/.ssh authorized_keys.FAKE01 authorized_keys",
    "fstatat ~/.ssh authorized_keys",
    "close ~/.ssh/authorized_keys.FAKE01",
    "close ~/.ssh/authorized_keys",
    "close ~/.ssh",
    "close ~",
  ]);
  // qemu-ga keeps the empty line after the old final newline: "old" "" "new".
  assert.equal(w.keys(), "old\n\nnew");
});

Deno.test("guest-ssh-get-authorized-keys reads through descriptors only", () => {
  using w = sshWorld();
  w.setKeys("  k1 \r\n\n#c\n\tk2\n");
  assert.deepEqual(w.get(), { keys: ["k2", "k1"] });
  assert.deepEqual(w.sys.users.calls, [
    "lookup alice",
    "open ~ O_DIRECTORY",
    "openat ~ .ssh O_DIRECTORY|O_NOFOLLOW",
    "fstat ~/.ssh",
    "openat ~/.ssh authorized_keys O_NOFOLLOW|O_NONBLOCK",
    "fstat ~/.ssh/authorized_keys",
    "read ~/.ssh/authorized_keys",
    "close ~/.ssh/authorized_keys",
    "close ~/.ssh",
    "close ~",
  ]);
});

Deno.test("guest-ssh-remove-authorized-keys without a file (or without .ssh) succeeds untouched", () => {
  using w = sshWorld();
  w.remove(["k"]);
  assert.deepEqual(w.sys.users.calls, [
    "lookup alice",
    "open ~ O_DIRECTORY",
    "openat ~ .ssh O_DIRECTORY|O_NOFOLLOW",
    "close ~",
  ]);
  Deno.mkdirSync(`${w.home}/.ssh`);
  w.sys.users.calls.length = 0;
  w.remove(["k"]);
  assert.deepEqual(w.sys.users.calls.slice(3), [
    "fstat ~/.ssh",
    "fstatat ~/.ssh authorized_keys",
    "close ~/.ssh",
    "close ~",
  ]);
  assert.deepEqual([...Deno.readDirSync(`${w.home}/.ssh`)], []);
});

Deno.test("guest-ssh-remove-authorized-keys of an absent key still rewrites the file (0600, owner)", () => {
  using w = sshWorld();
  w.setKeys("a\nb");
  Deno.chmodSync(w.keysFile, 0o644);
  w.remove(["c"]);
  assert.equal(w.keys(), "a\nb");
  assert.equal(ownership(w.keysFile), `600 ${ME}`);
  assert.ok(w.sys.users.calls.includes("renameat ~/.ssh authorized_keys.FAKE01 authorized_keys"));
});
