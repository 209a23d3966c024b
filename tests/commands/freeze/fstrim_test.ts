/**
 * guest-fstrim through fake filesystems: FITRIM issued in mount order with the 24-byte range
 * `{0, UINT64_MAX, minimum}`, results in reverse order, upstream's error texts, int64 wrapping.
 *
 * @module
 */

import assert from "node:assert/strict";
import { fstrim, guestFstrim } from "../../../src/commands/freeze/fstrim.ts";
import { shapeValue } from "../../../src/dispatch/shape.ts";
import { toJson } from "../../../src/qobject/writer.ts";
import { testContext } from "../../helpers/command_context.ts";
import { FakeFilesystems, FakeSys } from "../../helpers/fake_sys/fake_sys.ts";
import { FOUR_MOUNTS, mountinfoOf, rejection } from "./helpers.ts";

const UINT64_MAX = (1n << 64n) - 1n;

Deno.test("guest-fstrim trims in mount order and answers in reverse order", () => {
  const ops = new FakeFilesystems({
    mountinfo: FOUR_MOUNTS,
    mountPoints: { "/": { trimmed: 4096n }, "/home": { trimmed: 123456789n } },
  });
  const audit: string[] = [];
  const reply = fstrim(ops, undefined, (m) => audit.push(m));
  assert.deepEqual(ops.calls.filter((c) => c.startsWith("FITRIM")), [
    `FITRIM / start=0 len=${UINT64_MAX} minlen=0`,
    `FITRIM /boot start=0 len=${UINT64_MAX} minlen=0`,
    `FITRIM /home start=0 len=${UINT64_MAX} minlen=0`,
    `FITRIM /data start=0 len=${UINT64_MAX} minlen=0`,
  ]);
  assert.deepEqual(reply, {
    paths: [
      { path: "/data", trimmed: 0n, minimum: 0n },
      { path: "/home", trimmed: 123456789n, minimum: 0n },
      { path: "/boot", trimmed: 0n, minimum: 0n },
      { path: "/", trimmed: 4096n, minimum: 0n },
    ],
  });
  assert.deepEqual(audit, ["guest-fstrim called"]);
  assert.equal(ops.openFds, 0);
});

Deno.test("guest-fstrim honours minimum and reports the minimum the kernel used", () => {
  const ops = new FakeFilesystems({
    mountinfo: mountinfoOf([["/", "8:1", "ext4"], ["/big", "8:2", "xfs"]]),
    mountPoints: { "/big": { minimumFloor: 1048576n, trimmed: 7n } },
  });
  const reply = fstrim(ops, 65536n);
  assert.deepEqual(
    ops.calls.filter((c) => c.startsWith("FITRIM")).map((c) => c.split(" ").at(-1)),
    [
      "minlen=65536",
      "minlen=65536",
    ],
  );
  assert.deepEqual(reply.paths, [
    { path: "/big", trimmed: 7n, minimum: 1048576n },
    { path: "/", trimmed: 0n, minimum: 65536n },
  ]);
});

Deno.test("guest-fstrim reports open failures, unsupported filesystems and trim errors per path", () => {
  const ops = new FakeFilesystems({
    mountinfo: mountinfoOf([
      ["/", "8:1", "ext4"],
      ["/cdrom", "11:0", "iso9660"],
      ["/vfat", "8:2", "vfat"],
      ["/locked", "8:3", "ext4"],
      ["/broken", "8:4", "ext4"],
    ]),
    mountPoints: {
      "/cdrom": { trimError: "ENOTTY" },
      "/vfat": { trimError: "EOPNOTSUPP" },
      "/locked": { openError: "EACCES" },
      "/broken": { trimError: "EIO" },
    },
  });
  assert.deepEqual(fstrim(ops, 0n).paths, [
    { path: "/broken", error: "failed to trim: Input/output error" },
    { path: "/locked", error: "failed to open: Permission denied" },
    { path: "/vfat", error: "trim not supported" },
    { path: "/cdrom", error: "trim not supported" },
    { path: "/", trimmed: 0n, minimum: 0n },
  ]);
  assert.equal(ops.openFds, 0);
});

Deno.test("guest-fstrim wraps a negative minimum to u64 and reads the fields back as int64", () => {
  const ops = new FakeFilesystems({
    mountinfo: mountinfoOf([["/", "8:1", "ext4"]]),
    mountPoints: { "/": { trimmed: UINT64_MAX - 1n } },
  });
  const reply = fstrim(ops, -1n);
  assert.ok(ops.calls.includes(`FITRIM / start=0 len=${UINT64_MAX} minlen=${UINT64_MAX}`));
  assert.deepEqual(reply.paths, [{ path: "/", trimmed: -2n, minimum: -1n }]);
});

Deno.test("guest-fstrim's reply has qemu-ga's (QDict) member order on the wire", () => {
  const ops = new FakeFilesystems({
    mountinfo: mountinfoOf([["/", "8:1", "ext4"], ["/x", "8:2", "vfat"]]),
    mountPoints: { "/": { trimmed: 5n }, "/x": { trimError: "EOPNOTSUPP" } },
  });
  const json = toJson(shapeValue("GuestFilesystemTrimResponse", fstrim(ops, undefined)));
  assert.equal(
    json,
    '{"paths": [{"path": "/x", "error": "trim not supported"}, ' +
      '{"minimum": 0, "path": "/", "trimmed": 5}]}',
  );
});

Deno.test("guest-fstrim fails when no mount table can be read", async () => {
  const sys = new FakeSys({ filesystems: { mountinfo: null, procMounts: null } });
  const ctx = testContext({ sys });
  assert.equal(
    await rejection(Promise.resolve().then(() => guestFstrim({}, ctx))),
    "failed to open mtab file: '/proc/self/mounts'",
  );
});
