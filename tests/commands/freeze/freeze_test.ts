/**
 * guest-fsfreeze-freeze(-list) and guest-fsfreeze-thaw through fake filesystems: exact system
 * call sequences, counts, frozen state (marker file, logging) and error texts.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  guestFsfreezeFreeze,
  guestFsfreezeFreezeList,
  guestFsfreezeThaw,
} from "../../../src/commands/freeze/handlers.ts";
import { testContext } from "../../helpers/command_context.ts";
import { FOUR_MOUNTS, mountinfoOf, rejection, setup } from "./helpers.ts";

const FREEZE_ALL = [
  "read /proc/self/mountinfo",
  "open /data",
  "FIFREEZE /data",
  "close /data",
  "open /home",
  "FIFREEZE /home",
  "close /home",
  "open /boot",
  "FIFREEZE /boot",
  "close /boot",
  "open /",
  "FIFREEZE /",
  "close /",
];

const THAW_ALL = [
  "read /proc/self/mountinfo",
  "open /",
  "FITHAW /",
  "FITHAW /: EINVAL",
  "close /",
  "open /boot",
  "FITHAW /boot",
  "FITHAW /boot: EINVAL",
  "close /boot",
  "open /home",
  "FITHAW /home",
  "FITHAW /home: EINVAL",
  "close /home",
  "open /data",
  "FITHAW /data",
  "FITHAW /data: EINVAL",
  "close /data",
];

Deno.test("guest-fsfreeze-freeze freezes in reverse mount order and stays frozen", async () => {
  const f = setup();
  assert.equal(await f.service.freeze(), 4n);
  assert.deepEqual(f.ops.calls, FREEZE_ALL);
  assert.equal(f.state.frozen, true);
  assert.equal(f.markerExists(), true);
  assert.equal(f.log.suspended, true);
  assert.equal(f.ops.openFds, 0);
  assert.deepEqual(f.lines, [
    "debug: guest-fsfreeze called",
    "warning: disabling logging due to filesystem freeze",
  ]);
});

Deno.test("guest-fsfreeze-thaw thaws in mount order, leaves frozen state, resumes logging", async () => {
  const f = setup();
  await f.service.freeze();
  f.ops.calls.length = 0;
  assert.equal(await f.service.thaw(), 4n);
  assert.deepEqual(f.ops.calls, THAW_ALL);
  assert.equal(f.state.frozen, false);
  assert.equal(f.markerExists(), false);
  assert.equal(f.log.suspended, false);
  assert.deepEqual(f.lines.slice(2), [
    "warning: logging re-enabled due to filesystem unfreeze",
    "debug: guest-fsthaw called",
  ]);
});

Deno.test("guest-fsfreeze-freeze thaws what it froze when a later mount fails", async () => {
  const f = setup({
    hook: "/etc/qemu/fsfreeze-hook",
    mountPoints: { "/boot": { freezeError: "EIO" } },
  });
  const error = await rejection(f.service.freeze());
  assert.equal(error, "failed to freeze /boot: Input/output error");
  assert.deepEqual(f.ops.calls, [
    ...FREEZE_ALL.slice(0, 8),
    "FIFREEZE /boot: EIO",
    "close /boot",
    "read /proc/self/mountinfo",
    "open /",
    "FITHAW /: EINVAL",
    "close /",
    "open /boot",
    "FITHAW /boot: EINVAL",
    "close /boot",
    ...THAW_ALL.slice(9),
  ]);
  for (const sb of ["/", "/boot", "/home", "/data"]) assert.equal(f.ops.depth(sb), 0);
  assert.equal(f.state.frozen, false);
  assert.equal(f.markerExists(), false);
  assert.equal(f.log.suspended, false);
  assert.deepEqual(f.runner.commandLines, [
    "/etc/qemu/fsfreeze-hook freeze",
    "/etc/qemu/fsfreeze-hook thaw",
  ]);
});

Deno.test("guest-fsfreeze-freeze reports an open failure and thaws", async () => {
  const f = setup({ mountPoints: { "/home": { openError: "EACCES" } } });
  assert.equal(await rejection(f.service.freeze()), "failed to open /home: Permission denied");
  assert.deepEqual(f.ops.calls.slice(1, 5), [
    "open /data",
    "FIFREEZE /data",
    "close /data",
    "open /home: EACCES",
  ]);
  assert.equal(f.ops.depth("/data"), 0);
  assert.equal(f.state.frozen, false);
});

Deno.test("guest-fsfreeze-freeze skips EOPNOTSUPP and EBUSY without counting them", async () => {
  const f = setup({
    mountPoints: { "/boot": { freezeError: "EOPNOTSUPP" } },
    frozen: { "/home": 1 }, // frozen by someone else: FIFREEZE says EBUSY
  });
  assert.equal(await f.service.freeze(), 2n);
  assert.deepEqual(f.ops.calls.filter((c) => c.startsWith("FIFREEZE")), [
    "FIFREEZE /data",
    "FIFREEZE /home: EBUSY",
    "FIFREEZE /boot: EOPNOTSUPP",
    "FIFREEZE /",
  ]);
  assert.equal(f.state.frozen, true);
});

Deno.test("guest-fsfreeze-freeze freezes a bind-mounted filesystem once (dedup by major:minor)", async () => {
  const f = setup({
    mountinfo: mountinfoOf([
      ["/", "8:1", "ext4"],
      ["/srv", "8:1", "ext4"],
      ["/var/lib/docker", "8:1", "ext4"],
      ["/boot", "8:2", "ext4"],
    ]),
  });
  assert.equal(await f.service.freeze(), 2n);
  assert.deepEqual(f.ops.calls.filter((c) => c.startsWith("open")), ["open /boot", "open /"]);
});

Deno.test("guest-fsfreeze-freeze that freezes nothing leaves frozen state without the thaw hook", async () => {
  const f = setup({
    hook: "/hook",
    mountinfo: mountinfoOf([["/", "8:1", "vfat"]]),
    mountPoints: { "/": { freezeError: "EOPNOTSUPP" } },
  });
  assert.equal(await f.service.freeze(), 0n);
  assert.equal(f.state.frozen, false);
  assert.equal(f.markerExists(), false);
  assert.equal(f.log.suspended, false);
  assert.deepEqual(f.runner.commandLines, ["/hook freeze"]);
  assert.deepEqual(f.lines, [
    "debug: guest-fsfreeze called",
    "debug: executing fsfreeze hook with arg 'freeze'",
    "warning: disabling logging due to filesystem freeze",
    "warning: logging re-enabled due to filesystem unfreeze",
  ]);
});

Deno.test("guest-fsfreeze-freeze-list freezes only the named mount points, in reverse order", async () => {
  const f = setup();
  assert.equal(await f.service.freeze(["/", "/home", "/nowhere", "/home/"]), 2n);
  assert.deepEqual(f.ops.calls.filter((c) => c.startsWith("FIFREEZE")), [
    "FIFREEZE /home",
    "FIFREEZE /",
  ]);
  assert.equal(await f.service.thaw(), 2n);
});

Deno.test("guest-fsfreeze-freeze-list with an empty list freezes nothing", async () => {
  const f = setup();
  assert.equal(await f.service.freeze([]), 0n);
  assert.equal(f.state.frozen, false);
});

Deno.test("guest-fsfreeze-freeze returns the mount table error after the freeze hook ran", async () => {
  const f = setup({ hook: "/hook", mountinfo: null, procMounts: null });
  assert.equal(
    await rejection(f.service.freeze()),
    "failed to open mtab file: '/proc/self/mounts'",
  );
  assert.deepEqual(f.runner.commandLines, ["/hook freeze"]);
  assert.equal(f.state.frozen, false);
  assert.equal(f.log.suspended, false);
});

Deno.test("guest-fsfreeze-thaw issues FITHAW until it fails and counts a mount once", async () => {
  const f = setup({ frozen: { "/home": 3, "/": 1 } });
  assert.equal(await f.service.thaw(), 2n);
  assert.deepEqual(f.ops.calls.filter((c) => c.includes("/home")), [
    "open /home",
    "FITHAW /home",
    "FITHAW /home",
    "FITHAW /home",
    "FITHAW /home: EINVAL",
    "close /home",
  ]);
});

Deno.test("guest-fsfreeze-thaw when not frozen tries every mount and returns 0", async () => {
  const f = setup({ hook: "/hook", mountPoints: { "/boot": { openError: "ENOENT" } } });
  assert.equal(await f.service.thaw(), 0n);
  assert.deepEqual(f.ops.calls.filter((c) => c.startsWith("FITHAW")), [
    "FITHAW /: EINVAL",
    "FITHAW /home: EINVAL",
    "FITHAW /data: EINVAL",
  ]);
  assert.ok(f.ops.calls.includes("open /boot: ENOENT"));
  assert.deepEqual(f.runner.commandLines, ["/hook thaw"]);
  assert.deepEqual(f.lines, [
    "debug: guest-fsthaw called",
    "debug: executing fsfreeze hook with arg 'thaw'",
  ]);
});

Deno.test("guest-fsfreeze-thaw with an unreadable mount table fails and stays frozen", async () => {
  const f = setup({ hook: "/hook" });
  await f.service.freeze();
  const blocked = setup({ mountinfo: null, startFrozen: true });
  assert.equal(
    await rejection(blocked.service.thaw()),
    "failed to open mtab file: '/proc/self/mounts'",
  );
  assert.equal(blocked.state.frozen, true);
  assert.equal(blocked.markerExists(), true);
  assert.equal(blocked.log.suspended, true);
});

Deno.test("an agent restarted with qga.state.isfrozen comes back frozen and thaw works", async () => {
  const f = setup({ startFrozen: true, frozen: { "/": 1, "/boot": 1, "/home": 1, "/data": 1 } });
  assert.equal(f.state.frozen, true);
  assert.equal(f.log.suspended, true);
  f.log.info("not written while frozen");
  assert.equal(await f.service.thaw(), 4n);
  assert.equal(f.state.frozen, false);
  assert.equal(f.markerExists(), false);
  assert.deepEqual(f.lines, [
    "warning: logging re-enabled due to filesystem unfreeze",
    "debug: guest-fsthaw called",
  ]);
});

Deno.test("the freeze handlers call the context's freeze service", async () => {
  const f = setup();
  const ctx = testContext({ fsfreeze: f.service });
  assert.equal(await guestFsfreezeFreezeList({ mountpoints: ["/boot"] }, ctx), 1n);
  assert.equal(await guestFsfreezeThaw({}, ctx), 1n);
  assert.equal(await guestFsfreezeFreeze({}, ctx), 4n);
  assert.equal(await guestFsfreezeThaw({}, ctx), 4n);
  assert.equal(FOUR_MOUNTS.split("\n").length, 5);
});
