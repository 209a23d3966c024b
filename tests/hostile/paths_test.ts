/**
 * Hostile host, by path: the real agent under the `files` and `readonly` profiles' exact flags is
 * asked over its socket for `/etc/shadow`, for `hwclock` (which guest-set-time runs as root: an
 * overwrite would be code execution) and for its own state, log and config — absolutely, through
 * `..`, through symbolic links and `/proc/self/root`, relatively, and through hard links made in
 * the root. Every open is refused, and the files are proved unchanged by their bytes.
 *
 * hwclock is only ever opened `r+` or `a` (never a truncating mode) and nothing is ever written
 * to a handle: an open that unexpectedly succeeds is closed at once and fails the test.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { ProfileName } from "../../src/policy/profiles.ts";
import { assertRefused, attemptOpen } from "./attack.ts";
import { returned } from "./client.ts";
import { makeScene, namesIn, snapshot, startAgent } from "./scene.ts";

const CONFINED: readonly ProfileName[] = ["files", "readonly"];
const UP = "../../../../../../../..";
const SHADOW = "/etc/shadow";
const HWCLOCKS = ["/usr/sbin/hwclock", "/sbin/hwclock"] as const;

for (const profile of CONFINED) {
  Deno.test(`${profile}: /etc/shadow is refused absolutely, through .., links, /proc/self/root and relatively`, async () => {
    await using scene = await makeScene();
    const before = await snapshot(SHADOW);
    await Deno.symlink(SHADOW, `${scene.rw}/shadow`);
    await Deno.symlink("/proc/self/root", `${scene.rw}/procroot`);
    await Deno.symlink(`${UP}/etc`, `${scene.rw}/etc-up`);
    await using running = await startAgent(profile, scene);
    const client = await running.connect();
    try {
      const paths = [
        SHADOW,
        `${scene.rw}/${UP}/etc/shadow`,
        `${scene.ro}/${UP}/etc/shadow`,
        `${scene.rw}/shadow`,
        `${scene.rw}/procroot/etc/shadow`,
        `${scene.rw}/etc-up/shadow`,
        "/proc/self/root/etc/shadow",
        `/proc/${running.agent.pid}/root/etc/shadow`,
        "etc/shadow",
        `${UP}/etc/shadow`,
        `.${SHADOW}`,
      ];
      // Never a truncating mode: a broken confinement must not destroy the host's file.
      for (const path of paths) await assertRefused(client, profile, scene, path, ["r", "r+", "a"]);
      // The root itself still works (else every refusal above could be a broken agent).
      const opened = await attemptOpen(client, `${scene.rw}/file`, "r");
      assert.ok("opened" in opened, JSON.stringify(opened));
    } finally {
      client.close();
    }
    assert.deepEqual(await snapshot(SHADOW), before, "/etc/shadow unchanged");
  });

  Deno.test(`${profile}: hwclock (merged /usr) is refused r+ and a, directly and through links in the root`, async () => {
    await using scene = await makeScene();
    const before = await Promise.all(HWCLOCKS.map((path) => snapshot(path)));
    await Deno.symlink("/usr/sbin/hwclock", `${scene.rw}/hw-usr`);
    await Deno.symlink("/sbin/hwclock", `${scene.rw}/hw-sbin`);
    await Deno.symlink("/usr/sbin", `${scene.rw}/sbin`);
    await using running = await startAgent(profile, scene);
    const client = await running.connect();
    try {
      const paths = [
        ...HWCLOCKS,
        `${scene.rw}/hw-usr`,
        `${scene.rw}/hw-sbin`,
        `${scene.rw}/sbin/hwclock`,
        `${scene.rw}/${UP}/usr/sbin/hwclock`,
        "/proc/self/root/usr/sbin/hwclock",
      ];
      for (const path of paths) await assertRefused(client, profile, scene, path, ["r+", "a"]);
    } finally {
      client.close();
    }
    assert.deepEqual(
      await Promise.all(HWCLOCKS.map((path) => snapshot(path))),
      before,
      "hwclock unchanged",
    );
  });

  Deno.test(`${profile}: the agent's state, log and config are refused by path, symbolic link and hard link`, async () => {
    await using scene = await makeScene();
    // -v: the agent logs why it refused each open (warning level).
    await using running = await startAgent(profile, scene, { extra: ["-v"] });
    const client = await running.connect();
    const stateFile = `${scene.state}/qga.state`;
    try {
      // One open makes the agent write its handle counter (qga.state exists from now on).
      const first = await attemptOpen(client, `${scene.ro}/file`, "r");
      assert.ok("opened" in first, JSON.stringify(first));
      const own = { state: stateFile, log: scene.log, config: scene.config };
      // Links made now: a refused open allocates no handle, so qga.state keeps its inode.
      for (const [name, path] of Object.entries(own)) {
        await Deno.symlink(path, `${scene.rw}/sym-${name}`);
        await Deno.link(path, `${scene.rw}/hard-${name}`);
      }
      await Deno.symlink(scene.state, `${scene.rw}/statedir`);
      // The agent's executable (the deno binary here), linked in where the file systems allow:
      // only ever opened for reading.
      const exe = await Deno.realPath(Deno.execPath());
      const exeLinked = await Deno.link(exe, `${scene.rw}/hard-exe`).then(() => true, () => false);
      const stateBefore = await Deno.readTextFile(stateFile);
      const configBefore = await snapshot(scene.config);
      const stateNames = namesIn(scene.state);
      const logBefore = running.log();
      const modes = ["r", "r+", "a", "w", "w+"];
      for (const [name, path] of Object.entries(own)) {
        for (const via of [path, `${scene.rw}/sym-${name}`, `${scene.rw}/hard-${name}`]) {
          await assertRefused(client, profile, scene, via, modes);
        }
      }
      if (exeLinked) await assertRefused(client, profile, scene, `${scene.rw}/hard-exe`, ["r"]);
      // What the issue saw: a marker planted in the state dir through the agent's own hands.
      for (const name of ["qga.state", "qga.state.isfrozen", "planted"]) {
        await assertRefused(client, profile, scene, `${scene.rw}/statedir/${name}`, modes);
      }
      assert.equal(await Deno.readTextFile(stateFile), stateBefore, "qga.state unchanged");
      assert.deepEqual(await snapshot(scene.config), configBefore, "config unchanged");
      assert.deepEqual(namesIn(scene.state), stateNames, "nothing created in the state dir");
      const logAfter = running.log();
      assert.ok(logAfter.startsWith(logBefore), "the log was not truncated, only appended to");
      for (const path of Object.values(own)) {
        const reason = `one of the agent's own files (${path})`;
        assert.ok(logAfter.includes(reason), `the log gives the reason: ${reason}`);
      }
    } finally {
      client.close();
    }
    // The agent still answers (a refused open of its own files must not break it).
    const again = await running.connect();
    try {
      assert.deepEqual(returned(await again.call("guest-ping")), {});
    } finally {
      again.close();
    }
  });
}

Deno.test("files: a link from the read-write root into the read-only root gives no write there", async () => {
  await using scene = await makeScene();
  const name = scene.ro.slice(scene.ro.lastIndexOf("/") + 1);
  await Deno.symlink(scene.ro, `${scene.rw}/to-ro`);
  await Deno.symlink(`../${name}`, `${scene.rw}/to-ro-relative`);
  const before = await snapshot(`${scene.ro}/file`);
  await using running = await startAgent("files", scene);
  const client = await running.connect();
  try {
    for (const link of ["to-ro", "to-ro-relative"]) {
      await assertRefused(client, "files", scene, `${scene.rw}/${link}/file`, [
        "r",
        "a",
        "r+",
        "w",
      ]);
      await assertRefused(client, "files", scene, `${scene.rw}/${link}/new`, ["w", "a+"]);
    }
    await assertRefused(client, "files", scene, `${scene.rw}/../${name}/file`, ["a", "w"]);
    await assertRefused(client, "files", scene, `${scene.ro}/file`, ["a", "r+", "w"]);
  } finally {
    client.close();
  }
  assert.deepEqual(await snapshot(`${scene.ro}/file`), before, "the read-only file unchanged");
  assert.deepEqual(namesIn(scene.ro), ["file"], "nothing created in the read-only root");
});
