/**
 * `src/sys/landlock.ts`: which rights a rule keeps (per ABI, per file or directory), the struct
 * bytes, the later-ABI bits the 6.1 headers do not have (checked against the running kernel),
 * the dry run the audit uses, and — in child processes only — why procfs rules are pinned.
 * Restricting a whole process is proven end to end in `tests/agent/sandbox_test.ts`.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  describeRules,
  effectiveRights,
  FILE_RIGHTS,
  LANDLOCK_RIGHTS,
  landlockAbi,
  rightsKnownBy,
  rightsMask,
} from "../../src/sys/landlock.ts";
import { closeFd } from "../../src/sys/fd.ts";
import { errno, libc } from "../../src/sys/libc.ts";
import {
  Landlock,
  landlockPathBeneath,
  landlockRulesetAttr,
} from "../../src/sys/sandbox_structs.ts";

const ABI = landlockAbi();

Deno.test("each ABI knows its rights: 13 in v1, REFER in v2, TRUNCATE in v3, IOCTL_DEV in v5", () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((abi) => rightsKnownBy(abi).length), [
    13,
    14,
    15,
    15,
    16,
    16,
    16,
  ]);
  assert.equal(rightsMask(LANDLOCK_RIGHTS), 0xffff);
  assert.ok(!rightsKnownBy(2).includes("truncate"));
  assert.ok(!rightsKnownBy(4).includes("ioctl-dev"));
});

Deno.test("a rule keeps only the rights the ABI knows, and a file only the file rights", () => {
  const rights = [
    "read-file",
    "read-dir",
    "write-file",
    "truncate",
    "make-reg",
    "ioctl-dev",
  ] as const;
  assert.deepEqual(effectiveRights(rights, 2, true), [
    "write-file",
    "read-file",
    "read-dir",
    "make-reg",
  ]);
  assert.deepEqual(effectiveRights(rights, 7, false), [
    "write-file",
    "read-file",
    "truncate",
    "ioctl-dev",
  ]);
  assert.deepEqual(effectiveRights(["read-dir", "make-sock"], 7, false), []);
  assert.deepEqual(FILE_RIGHTS, ["execute", "write-file", "read-file", "truncate", "ioctl-dev"]);
});

Deno.test("the ruleset attr has the size of the ABI's struct: 8 (v1-3), 16 (v4-5), 24 (v6+)", () => {
  const handled = { fs: 0x7fff, net: 3, scoped: 3 };
  const sizes = [1, 3, 4, 5, 6, 7].map((abi) => landlockRulesetAttr(abi, handled).length);
  assert.deepEqual(sizes, [8, 8, 16, 16, 24, 24]);
  const view = new DataView(landlockRulesetAttr(6, handled).buffer);
  assert.equal(view.getBigUint64(0, true), 0x7fffn);
  assert.equal(view.getBigUint64(Landlock.HANDLED_ACCESS_NET, true), 3n);
  assert.equal(view.getBigUint64(Landlock.SCOPED, true), 3n);
});

Deno.test("path_beneath_attr is packed: 12 bytes, parent_fd right after the u64", () => {
  const attr = landlockPathBeneath(0x8004, -3);
  assert.deepEqual([...attr], [0x04, 0x80, 0, 0, 0, 0, 0, 0, 0xfd, 0xff, 0xff, 0xff]);
});

/** `landlock_create_ruleset` with `attr`: 0 when the kernel takes it (the fd is closed), else errno. */
function createRuleset(attr: Uint8Array<ArrayBuffer>): number {
  const fd = Number(
    libc().landlock_create_ruleset(
      BigInt(Landlock.SYS_CREATE_RULESET),
      attr,
      BigInt(attr.length),
      0,
    ),
  );
  if (fd < 0) return errno();
  closeFd(fd);
  return 0;
}

Deno.test({
  name: "the running kernel takes every bit we know for its ABI and refuses the next one",
  ignore: ABI === 0,
  fn() {
    const all = rightsMask(rightsKnownBy(ABI));
    const net = ABI >= 4 ? Landlock.ACCESS_NET_BIND_TCP | Landlock.ACCESS_NET_CONNECT_TCP : 0;
    const scoped = ABI >= 6 ? Landlock.SCOPE_ABSTRACT_UNIX_SOCKET | Landlock.SCOPE_SIGNAL : 0;
    assert.equal(createRuleset(landlockRulesetAttr(ABI, { fs: all, net, scoped })), 0);
    const EINVAL = 22;
    const top = 1 << rightsKnownBy(ABI).length;
    // Our table ends where this ABI ends: the next file-system bit is unknown to the kernel.
    assert.equal(createRuleset(landlockRulesetAttr(ABI, { fs: all | top, net, scoped })), EINVAL);
    if (ABI >= 4) {
      assert.equal(createRuleset(landlockRulesetAttr(ABI, { fs: all, net: 4, scoped })), EINVAL);
    }
    if (ABI >= 6 && ABI <= 7) {
      // Scope bit 2 (pathname unix sockets) came after ABI 7.
      assert.equal(createRuleset(landlockRulesetAttr(ABI, { fs: all, net, scoped: 4 })), EINVAL);
    }
  },
});

Deno.test("a dry run skips missing and relative paths, lists absent optional ones, masks files", () => {
  const report = describeRules(
    [
      { path: "/etc/hostname", rights: ["read-file", "read-dir", "make-reg"], why: "a file" },
      { path: "/proc", rights: ["read-dir"] },
      { path: "/no/such/path", rights: ["read-file"] },
      { path: "/no/such/optional", rights: ["read-file"], ifExists: true },
      { path: "relative/path", rights: ["read-file"] },
      { path: "/etc/hostname", rights: ["make-sock"] },
    ],
    2,
    { denyTcp: true, scoped: true },
  );
  assert.deepEqual(report.applied, [
    { path: "/etc/hostname", rights: ["read-file"], directory: false, why: "a file" },
    { path: "/proc", rights: ["read-dir"], directory: true },
  ]);
  assert.deepEqual(report.skipped, [
    { path: "/no/such/path", reason: "No such file or directory" },
    { path: "relative/path", reason: "not an absolute path" },
    { path: "/etc/hostname", reason: "none of its rights applies" },
  ]);
  assert.deepEqual(report.absent, ["/no/such/optional"]);
  // ABI 2 knows neither TCP rules nor scopes.
  assert.equal(report.deniesTcp, false);
  assert.equal(report.scoped, false);
  assert.equal(report.handled.length, 14);
});

/** Runs `./landlock_child.ts` with `arg`; returns its two JSON lines, dropping caches between. */
async function pinChild(arg: string, between: () => Promise<void>) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("./landlock_child.ts", import.meta.url).pathname, arg],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) text += (await lines.read()).value ?? "";
  await between();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode("\n"));
  await writer.close();
  for (let chunk = await lines.read(); !chunk.done; chunk = await lines.read()) text += chunk.value;
  await child.status;
  return text.trim().split("\n").map((line) => JSON.parse(line));
}

Deno.test({
  name: "a procfs rule holds after the dentry cache is dropped only while it is pinned",
  // Drops the host's dentry and inode caches (harmless, but host-wide): opt in.
  ignore: ABI === 0 || Deno.env.get("QGA_DROP_CACHES") !== "1",
  async fn() {
    const drop = () => Deno.writeTextFile("/proc/sys/vm/drop_caches", "2\n");
    const [pinned, unpinned] = await Promise.all([
      pinChild("pinned", drop),
      pinChild("unpinned", drop),
    ]);
    assert.deepEqual(pinned, [{ pinned: 1, before: "ok" }, { after: "ok" }]);
    // Without the pin procfs makes a new inode for /proc/<pid>, which no rule names: EACCES.
    assert.deepEqual(unpinned, [{ pinned: 1, before: "ok" }, { after: "13" }]);
  },
});
