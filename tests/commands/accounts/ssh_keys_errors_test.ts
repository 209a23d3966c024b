/**
 * guest-ssh-*-authorized-keys failures against the fake users domain: qemu-ga 7.2's text for
 * every failing step (GLib's `g_file_get_contents`/`g_file_set_contents` wording inside), and no
 * temporary file or half-written `authorized_keys` left behind.
 *
 * @module
 */

import assert from "node:assert/strict";
import { errorOf, sshWorld, USER } from "./ssh_helpers.ts";

// --- qemu-ga 7.2's texts for each failing step --------------------------------------------------

Deno.test("guest-ssh-get-authorized-keys failures carry GLib's texts", () => {
  using w = sshWorld();
  const p = w.keysFile;
  assert.equal(
    errorOf(() => w.get()),
    `failed to read '${p}': Failed to open file \u201C${p}\u201D: No such file or directory`,
  );
  assert.equal(errorOf(() => w.get("bob")), "failed to lookup user 'bob': Success");
  w.sys.users.lookupErrno = 5;
  assert.equal(errorOf(() => w.get("bob")), "failed to lookup user 'bob': Input/output error");
  Deno.mkdirSync(p, { recursive: true });
  assert.equal(
    errorOf(() => w.get()),
    `failed to read '${p}': Error reading file \u201C${p}\u201D: Is a directory`,
  );
  Deno.removeSync(p);
  w.setKeys("k");
  w.sys.users.fail("read", "EIO");
  assert.equal(
    errorOf(() => w.get()),
    `failed to read '${p}': Failed to read from file \u201C${p}\u201D: Input/output error`,
  );
  assert.equal(w.sys.users.openFds, 0);
});

Deno.test("guest-ssh-get-authorized-keys of a home that is missing or a file", () => {
  using w = sshWorld();
  Deno.removeSync(w.home);
  const p = w.keysFile;
  assert.equal(
    errorOf(() => w.get()),
    `failed to read '${p}': Failed to open file \u201C${p}\u201D: No such file or directory`,
  );
  Deno.writeTextFileSync(w.home, "");
  assert.equal(
    errorOf(() => w.get()),
    `failed to read '${p}': Failed to open file \u201C${p}\u201D: Not a directory`,
  );
});

Deno.test("guest-ssh-add-authorized-keys: each failing step has qemu-ga's text, nothing is left", () => {
  const cases: [string, string, (home: string) => string][] = [
    ["mkdirat", "EACCES", (h) => `failed to create directory '${h}/.ssh': Permission denied`],
    [
      "fchown ~/.ssh ",
      "EPERM",
      (h) => `failed to set ownership of directory '${h}/.ssh': Operation not permitted`,
    ],
    [
      "fchmod ~/.ssh ",
      "EROFS",
      (h) => `failed to set permissions of directory '${h}/.ssh': Read-only file system`,
    ],
    [
      "create",
      "ENOSPC",
      (h) =>
        `failed to write to '${h}/.ssh/authorized_keys': Failed to create file ` +
        `\u201C${h}/.ssh/authorized_keys.XXXXXX\u201D: No space left on device`,
    ],
    [
      "write",
      "EDQUOT",
      (h) =>
        `failed to write to '${h}/.ssh/authorized_keys': Failed to write file ` +
        `\u201C${h}/.ssh/authorized_keys.FAKE01\u201D: write() failed: Disk quota exceeded`,
    ],
    [
      "fsync",
      "EIO",
      (h) =>
        `failed to write to '${h}/.ssh/authorized_keys': Failed to write file ` +
        `\u201C${h}/.ssh/authorized_keys.FAKE01\u201D: fsync() failed: Input/output error`,
    ],
    [
      "fchown ~/.ssh/authorized_keys",
      "EPERM",
      (h) =>
        `failed to set ownership of directory '${h}/.ssh/authorized_keys': Operation not permitted`,
    ],
    [
      "fchmod ~/.ssh/authorized_keys",
      "EPERM",
      (h) => `failed to set permissions of '${h}/.ssh/authorized_keys': Operation not permitted`,
    ],
    [
      "renameat",
      "EBUSY",
      (h) =>
        `failed to write to '${h}/.ssh/authorized_keys': Failed to rename file ` +
        `\u201C${h}/.ssh/authorized_keys.FAKE01\u201D to \u201C${h}/.ssh/authorized_keys\u201D: ` +
        "g_rename() failed: Device or resource busy",
    ],
  ];
  for (const [call, errno, text] of cases) {
    using w = sshWorld();
    w.sys.users.fail(call, errno as "EIO");
    assert.equal(errorOf(() => w.add(["k"])), text(w.home), call);
    const left = [...Deno.readDirSync(w.home)].flatMap((e) =>
      e.name === ".ssh" ? [...Deno.readDirSync(`${w.home}/.ssh`)].map((f) => f.name) : []
    );
    assert.deepEqual(left, [], `${call}: no temporary file left, no authorized_keys written`);
    assert.equal(w.sys.users.openFds, 0);
  }
});

Deno.test("guest-ssh-add-authorized-keys: a read failure counts as no keys (as qemu-ga)", () => {
  using w = sshWorld();
  w.setKeys("old");
  w.sys.users.fail("read", "EIO");
  w.add(["new"]);
  assert.equal(w.keys(), "new");
});

Deno.test("guest-ssh-add-authorized-keys: .ssh a regular file, home missing", () => {
  using w = sshWorld();
  Deno.writeTextFileSync(`${w.home}/.ssh`, "");
  assert.equal(
    errorOf(() => w.add(["k"])),
    `failed to create directory '${w.home}/.ssh': File exists`,
  );
  Deno.removeSync(w.home, { recursive: true });
  assert.equal(
    errorOf(() => w.add(["k"])),
    `failed to create directory '${w.home}/.ssh': No such file or directory`,
  );
});

Deno.test("guest-ssh-add-authorized-keys: authorized_keys a directory fails at the rename", () => {
  using w = sshWorld();
  Deno.mkdirSync(w.keysFile, { recursive: true });
  assert.equal(
    errorOf(() => w.add(["k"])),
    `failed to write to '${w.keysFile}': Failed to rename file \u201C${w.keysFile}.FAKE01\u201D ` +
      `to \u201C${w.keysFile}\u201D: g_rename() failed: Is a directory`,
  );
});

Deno.test("guest-ssh-remove-authorized-keys: read and write failures are reported", () => {
  using w = sshWorld();
  w.setKeys("a\n");
  w.sys.users.fail("read", "EIO");
  assert.equal(
    errorOf(() => w.remove(["a"])),
    `failed to read '${w.keysFile}': Failed to read from file \u201C${w.keysFile}\u201D: ` +
      "Input/output error",
  );
  using v = sshWorld();
  v.setKeys("a\n");
  v.sys.users.fail("fchmod", "EPERM");
  assert.equal(
    errorOf(() => v.remove(["a"])),
    `failed to set permissions of '${v.keysFile}': Operation not permitted`,
  );
  assert.equal(v.keys(), "a\n", "unchanged: qga-deno sets owner and mode before the rename");
});

Deno.test("guest-ssh-* look the user up by qemu-ga's bytes (U+0000 is C0 80, not a NUL)", () => {
  using w = sshWorld();
  assert.equal(
    errorOf(() => w.get(`${USER}\u0000x`)),
    `failed to lookup user '${USER}\u0000x': Success`,
  );
  assert.deepEqual(w.sys.users.calls, [`lookup ${USER}\uFFFD\uFFFDx`]);
});
