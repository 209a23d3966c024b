/**
 * guest-ssh-*-authorized-keys against a hostile home, on real files in a temporary directory: a
 * user who makes `~/.ssh` a link to another directory, `authorized_keys` a link to a
 * `/etc/shadow`-like file, a hard link or a FIFO, or who swaps the temporary file (or the new
 * `authorized_keys`) for a link while the agent writes. In every case the file outside the home
 * keeps its content, mode and owner, nothing is created outside the home, and the command fails
 * with a `refused: …` text (or, for a swap, reports that the write did not take).
 *
 * The cases with foreign owners need root (files of other uids); they are skipped otherwise.
 *
 * @module
 */

import assert from "node:assert/strict";
import { errorOf, ownership, type SshWorld, sshWorld } from "./ssh_helpers.ts";

const ROOT = Deno.uid() === 0;
const SECRET = "root:$6$secret-hash:19000:0:99999:7:::\n";

/** A shadow-like file next to the home (outside it), and a directory with a key file. */
function plantOutside(w: SshWorld): { shadow: string; etc: string; before: string } {
  const shadow = `${w.dir}/shadow`;
  Deno.writeTextFileSync(shadow, SECRET);
  Deno.chmodSync(shadow, 0o640);
  const etc = `${w.dir}/etc`;
  Deno.mkdirSync(etc);
  Deno.writeTextFileSync(`${etc}/authorized_keys`, "outside-key\n");
  return { shadow, etc, before: ownership(shadow) };
}

function assertUntouched(w: SshWorld, o: { shadow: string; etc: string; before: string }): void {
  assert.equal(Deno.readTextFileSync(o.shadow), SECRET);
  assert.equal(ownership(o.shadow), o.before);
  assert.deepEqual([...Deno.readDirSync(o.etc)].map((e) => e.name), ["authorized_keys"]);
  assert.equal(Deno.readTextFileSync(`${o.etc}/authorized_keys`), "outside-key\n");
  assert.equal(w.sys.users.openFds, 0);
}

Deno.test("~/.ssh -> a directory outside the home: get, add, add with reset and remove refuse", () => {
  using w = sshWorld();
  const o = plantOutside(w);
  Deno.symlinkSync(o.etc, `${w.home}/.ssh`);
  const refused = `refused: '${w.home}/.ssh' is a symbolic link`;
  assert.equal(errorOf(() => w.get()), `failed to read '${w.keysFile}': ${refused}`);
  assert.equal(errorOf(() => w.add(["k"])), `failed to write to '${w.keysFile}': ${refused}`);
  assert.equal(errorOf(() => w.add(["k"], true)), `failed to write to '${w.keysFile}': ${refused}`);
  assert.equal(
    errorOf(() => w.remove(["outside-key"])),
    `failed to read '${w.keysFile}': ${refused}`,
  );
  assertUntouched(w, o);
});

Deno.test("authorized_keys -> a shadow-like file: its lines are never read or rewritten", () => {
  using w = sshWorld();
  const o = plantOutside(w);
  Deno.mkdirSync(`${w.home}/.ssh`, { mode: 0o700 });
  Deno.symlinkSync(o.shadow, w.keysFile);
  const refused = `refused: '${w.keysFile}' is a symbolic link`;
  assert.equal(errorOf(() => w.get()), `failed to read '${w.keysFile}': ${refused}`);
  // qemu-ga 7.2 would copy the shadow lines into a new authorized_keys owned by the user.
  assert.equal(errorOf(() => w.add(["k"])), `failed to write to '${w.keysFile}': ${refused}`);
  assert.equal(errorOf(() => w.add(["k"], true)), `failed to write to '${w.keysFile}': ${refused}`);
  assert.equal(errorOf(() => w.remove(["k"])), `failed to read '${w.keysFile}': ${refused}`);
  assertUntouched(w, o);
  assert.equal(Deno.readLinkSync(w.keysFile), o.shadow, "the link itself is left alone");
});

Deno.test("a dangling authorized_keys link: nothing is created at its target", () => {
  using w = sshWorld();
  Deno.mkdirSync(`${w.home}/.ssh`);
  Deno.symlinkSync(`${w.dir}/created-by-agent`, w.keysFile);
  assert.match(errorOf(() => w.add(["k"], true)), /refused: .* is a symbolic link$/);
  assert.match(errorOf(() => w.remove(["k"])), /refused: .* is a symbolic link$/);
  assert.throws(() => Deno.lstatSync(`${w.dir}/created-by-agent`), Deno.errors.NotFound);
});

Deno.test("a FIFO as authorized_keys is refused at once (qemu-ga would block on it)", () => {
  using w = sshWorld();
  Deno.mkdirSync(`${w.home}/.ssh`);
  new Deno.Command("mkfifo", { args: [w.keysFile] }).outputSync();
  assert.equal(
    errorOf(() => w.get()),
    `failed to read '${w.keysFile}': refused: '${w.keysFile}' is not a regular file`,
  );
});

Deno.test("the temporary file swapped for a link before chown and rename: outside untouched", () => {
  for (const moment of ["fchown ~/.ssh/authorized_keys.FAKE01", "renameat"]) {
    using w = sshWorld();
    const o = plantOutside(w);
    w.setKeys("old\n");
    w.sys.users.before = (call) => {
      if (!call.startsWith(moment)) return;
      const temp = `${w.home}/.ssh/authorized_keys.FAKE01`;
      Deno.removeSync(temp);
      Deno.symlinkSync(o.shadow, temp);
    };
    assert.equal(
      errorOf(() => w.add(["k"])),
      `failed to write to '${w.keysFile}': '${w.keysFile}' was replaced while it was being written`,
      moment,
    );
    assertUntouched(w, o);
  }
});

Deno.test("authorized_keys swapped for a link right after the rename: reported, outside untouched", () => {
  using w = sshWorld();
  const o = plantOutside(w);
  w.setKeys("old\n");
  let renamed = false;
  w.sys.users.before = (call) => {
    if (call.startsWith("renameat")) renamed = true;
    else if (renamed && call === "fstatat ~/.ssh authorized_keys") {
      Deno.removeSync(w.keysFile);
      Deno.symlinkSync(o.shadow, w.keysFile);
    }
  };
  assert.match(errorOf(() => w.add(["k"])), /was replaced while it was being written$/);
  assertUntouched(w, o);
});

Deno.test("~/.ssh swapped for a link between mkdir and open: the new directory is not followed", () => {
  using w = sshWorld();
  const o = plantOutside(w);
  w.sys.users.before = (call) => {
    if (
      call !== "openat ~ .ssh O_DIRECTORY|O_NOFOLLOW" ||
      !w.sys.users.calls.includes("mkdirat ~ .ssh 0700")
    ) return;
    Deno.removeSync(`${w.home}/.ssh`);
    Deno.symlinkSync(o.etc, `${w.home}/.ssh`);
  };
  assert.equal(
    errorOf(() => w.add(["k"])),
    `failed to create directory '${w.home}/.ssh': Not a directory`,
  );
  assertUntouched(w, o);
});

Deno.test({
  name: "a hard link to a root-owned file, or a .ssh of another user, is refused",
  ignore: !ROOT,
  fn() {
    using w = sshWorld({ uid: 4242, gid: 4242 });
    const o = plantOutside(w);
    Deno.mkdirSync(`${w.home}/.ssh`);
    Deno.linkSync(o.shadow, w.keysFile);
    const hard = `refused: '${w.keysFile}' has 2 hard links and is not owned by 'alice'`;
    assert.equal(errorOf(() => w.get()), `failed to read '${w.keysFile}': ${hard}`);
    assert.equal(errorOf(() => w.add(["k"])), `failed to write to '${w.keysFile}': ${hard}`);
    assert.equal(errorOf(() => w.remove(["k"])), `failed to read '${w.keysFile}': ${hard}`);
    assertUntouched(w, o);
    Deno.removeSync(w.keysFile);
    Deno.chownSync(`${w.home}/.ssh`, 4343, 4343);
    const foreign = `refused: '${w.home}/.ssh' is owned by uid 4343, not by 'alice' or root`;
    assert.equal(errorOf(() => w.get()), `failed to read '${w.keysFile}': ${foreign}`);
    assert.equal(
      errorOf(() => w.add(["k"], true)),
      `failed to write to '${w.keysFile}': ${foreign}`,
    );
    Deno.chownSync(`${w.home}/.ssh`, 0, 0);
    Deno.writeTextFileSync(w.keysFile, "k0\n");
    Deno.chownSync(w.keysFile, 4343, 4343);
    assert.match(errorOf(() => w.get()), /is owned by uid 4343, not by 'alice' or root$/);
  },
});

Deno.test({
  name: "keys added for another user: .ssh and the file end up owned by that user (root)",
  ignore: !ROOT,
  fn() {
    using w = sshWorld({ uid: 4242, gid: 4343 });
    w.add(["k1"]);
    assert.equal(ownership(`${w.home}/.ssh`), "700 4242:4343");
    assert.equal(ownership(w.keysFile), "600 4242:4343");
    w.add(["k2"]);
    assert.deepEqual(w.get(), { keys: ["k2", "k1"] });
    assert.equal(ownership(w.keysFile), "600 4242:4343");
  },
});
