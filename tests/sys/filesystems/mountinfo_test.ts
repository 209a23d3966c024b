/**
 * Tests of the mount list (`src/sys/filesystems/mountinfo.ts`) on the fixture tables in
 * `tests/fixtures/proc/`, and of the production mount-table reader and `statx` on harmless paths.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  buildMountList,
  decodeMntentName,
  decodeMountName,
  type DeviceStat,
  type FsMount,
  parseMountinfo,
  parseProcMounts,
} from "../../../src/sys/filesystems/mountinfo.ts";
import { LinuxFilesystems, statDevice } from "../../../src/sys/filesystems/filesystems.ts";

const FIXTURES = decodeURIComponent(new URL("../../fixtures/proc/", import.meta.url).pathname);
const enc = new TextEncoder();
const dec = new TextDecoder();

function table(dir: string, file: "mountinfo" | "mounts"): Uint8Array {
  return Deno.readFileSync(`${FIXTURES}${dir}/proc/self/${file}`);
}

const DEVICES: Record<string, DeviceStat> = {
  "/dev/vda1": { kind: "block", major: 8, minor: 1 },
  "/dev/vda2": { kind: "block", major: 8, minor: 2 },
  "/dev/vdb": { kind: "block", major: 254, minor: 16 },
  "/dev/vdc1": { kind: "block", major: 8, minor: 33 },
  "/dev/vdd1": { kind: "block", major: 8, minor: 49 },
  "/srv/subdir": { kind: "directory" },
  "/srv/data": { kind: "directory" },
  "/etc/hosts": { kind: "other" },
};

/** A stat function over {@link DEVICES} that records the paths asked for. */
function fakeStat(asked: string[] = []) {
  return (path: Uint8Array): DeviceStat => {
    const p = dec.decode(path);
    asked.push(p);
    return DEVICES[p] ?? { kind: "failed", errno: 2, text: "No such file or directory" };
  };
}

function brief(mounts: FsMount[]): string[] {
  return mounts.map((m) => `${m.dirname} ${m.devtype} ${m.devmajor}:${m.devminor}`);
}

Deno.test("decodeMountName() decodes \\\\ and \\NNN (first digit 0-3) and keeps other backslashes", () => {
  const cases: [string, string][] = [
    ["/mnt/my\\040disk", "/mnt/my disk"],
    ["/a\\011b\\012c", "/a\tb\nc"],
    ["/back\\134slash\\\\x", "/back\\slash\\x"],
    ["/bad\\9\\400\\37", "/bad\\9\\400\\37"],
    ["/trailing\\", "/trailing\\"],
    ["\\303\\251t\\303\\251", "été"],
  ];
  for (const [input, expected] of cases) {
    assert.equal(dec.decode(decodeMountName(enc.encode(input))), expected, input);
  }
  assert.deepEqual(decodeMountName(enc.encode("\\377")), Uint8Array.of(0xff));
});

Deno.test("decodeMntentName() decodes only glibc's getmntent escapes", () => {
  assert.equal(
    dec.decode(decodeMntentName(enc.encode("a\\040b\\011c\\012d\\134e\\\\f\\101g"))),
    "a b\tc\nd\\e\\f\\101g",
  );
});

Deno.test("parseMountinfo() on a VM's table: major 0 skipped, btrfs resolved, bind mounts deduplicated", () => {
  const asked: string[] = [];
  const audit: string[] = [];
  const mounts = parseMountinfo(
    table("mountinfo_typical", "mountinfo"),
    fakeStat(asked),
    (m) => audit.push(m),
  );
  assert.deepEqual(brief(mounts), [
    "/ ext4 8:1",
    "/boot ext4 8:2",
    "/home btrfs 254:16",
    "/mnt/my disk xfs 8:17",
    "/mnt/tab\tand\\back\\slash ext4 8:33",
    "/mnt/opt vfat 8:48",
  ]);
  assert.deepEqual(asked, ["/dev/vdb", "/dev/vdb", "/srv/subdir", "/dev/gone"]);
  assert.deepEqual(audit, [
    "failed to stat device file '/dev/gone': No such file or directory",
  ]);
  assert.deepEqual(mounts[3]!.path, enc.encode("/mnt/my disk"));
});

Deno.test("parseMountinfo() follows qemu-ga's sscanf formats on odd lines", () => {
  const mounts = parseMountinfo(table("mountinfo_odd", "mountinfo"), fakeStat());
  assert.deepEqual(brief(mounts), [
    "/mnt/dash in 8:68",
    "/mnt/bad\\9esc\\400\\37 ext4 8:69",
    "/mnt/src escape ext4 8:70",
  ]);
});

Deno.test("parseMountinfo() keeps raw mount point bytes and reads btrfs source escapes", () => {
  const text = enc.encode(
    "1 1 0:30 / /mnt/\\377x rw - btrfs /dev/disk\\040one rw\n" +
      "2 1 8:5 / /mnt/\\303\\251 rw - ext4 /dev/e rw\n",
  );
  const mounts = parseMountinfo(
    text,
    (path) =>
      dec.decode(path) === "/dev/disk one"
        ? { kind: "block", major: 9, minor: 1 }
        : { kind: "other" },
  );
  assert.deepEqual(mounts.map((m) => [...m.path]), [
    [...enc.encode("/mnt/"), 0xff, 0x78],
    [...enc.encode("/mnt/é")],
  ]);
  assert.deepEqual(brief(mounts), ["/mnt/\uFFFDx btrfs 9:1", "/mnt/é ext4 8:5"]);
});

Deno.test("parseMountinfo() stores major/minor as C unsigned int (strtoul, 32-bit)", () => {
  const text = enc.encode(
    "1 1 4294967297:2 / /a rw - ext4 /dev/a rw\n" + "1 1 +7:-1 / /b rw - ext4 /dev/b rw\n" +
      "1 1 99999999999999999999:3 / /c rw - ext4 /dev/c rw\n",
  );
  assert.deepEqual(brief(parseMountinfo(text, fakeStat())), [
    "/a ext4 1:2",
    "/b ext4 7:4294967295",
    "/c ext4 4294967295:3",
  ]);
});

Deno.test("parseProcMounts() applies getmntent rules and qemu-ga's fallback filters", () => {
  const audit: string[] = [];
  const mounts = parseProcMounts(table("mounts_only", "mounts"), fakeStat(), (m) => audit.push(m));
  assert.deepEqual(brief(mounts), [
    "/ ext4 8:1",
    "/boot ext4 8:2",
    "/mnt/my disk xfs 8:33",
    "/mnt/tabbed ext4 8:49",
    "/mnt/root ext4 0:0",
  ]);
  assert.deepEqual(audit, [
    "failed to stat device file '/dev/root': No such file or directory",
    "failed to stat device file '/dev/missing': No such file or directory",
  ]);
});

Deno.test("buildMountList() prefers mountinfo, falls back to /proc/self/mounts, else null", () => {
  let mountsRead = 0;
  const readMounts = () => (mountsRead++, table("mounts_only", "mounts"));
  const fromInfo = buildMountList(table("mountinfo_typical", "mountinfo"), readMounts, fakeStat());
  assert.equal(fromInfo?.length, 6);
  assert.equal(mountsRead, 0);
  assert.deepEqual(brief(buildMountList(null, readMounts, fakeStat()) ?? []).slice(0, 2), [
    "/ ext4 8:1",
    "/boot ext4 8:2",
  ]);
  assert.equal(buildMountList(null, () => null, fakeStat()), null);
});

Deno.test("LinuxFilesystems reads the mount tables under a root prefix through FFI", () => {
  const typical = new LinuxFilesystems(`${FIXTURES}mountinfo_typical`);
  assert.deepEqual(typical.readMountinfo(), table("mountinfo_typical", "mountinfo"));
  const only = new LinuxFilesystems(`${FIXTURES}mounts_only/`);
  assert.equal(only.readMountinfo(), null);
  assert.deepEqual(only.readProcMounts(), table("mounts_only", "mounts"));
  const none = new LinuxFilesystems(`${FIXTURES}no_mount_tables`);
  assert.equal(none.readMountinfo(), null);
  assert.equal(none.readProcMounts(), null);
});

Deno.test("statDevice() classifies directories, other files, missing paths and block devices", () => {
  assert.deepEqual(statDevice(enc.encode("/")), { kind: "directory" });
  assert.deepEqual(statDevice(enc.encode("/dev/null")), { kind: "other" });
  assert.deepEqual(statDevice(enc.encode("/nonexistent/qga-deno")), {
    kind: "failed",
    errno: 2,
    text: "No such file or directory",
  });
  const block = [...Deno.readDirSync("/sys/dev/block")][0]?.name;
  if (block) {
    const [major, minor] = block.split(":").map(Number);
    const node = `/dev/block/${block}`;
    const st = statDevice(enc.encode(node));
    if (st.kind !== "failed") assert.deepEqual(st, { kind: "block", major, minor });
  }
});
