/**
 * Tests of the utmp decoder (`src/sys/utmp.ts`) on files built byte by byte for x86_64 and
 * aarch64, and of `LinuxHost.loginRecords()` on a fixture root.
 *
 * @module
 */

import assert from "node:assert/strict";
import { LinuxHost } from "../../../src/sys/host.ts";
import { OsError } from "../../../src/sys/os_error.ts";
import { ABI, type Arch, ARCH_ABI } from "../../../src/sys/structs.ts";
import { parseUtmp } from "../../../src/sys/utmp.ts";
import { utmpBytes, UtType } from "./utmp_builder.ts";

const encoder = new TextEncoder();

for (const arch of ["x86_64", "aarch64"] as const satisfies readonly Arch[]) {
  Deno.test(`parseUtmp() reads type, user and ut_tv of ${arch} records`, () => {
    const bytes = utmpBytes(arch, [
      { type: UtType.BOOT_TIME, user: "reboot", seconds: 1_700_000_000n },
      {
        type: UtType.USER_PROCESS,
        user: "alice",
        line: "pts/0",
        seconds: 1_764_000_000n,
        microseconds: 500_000n,
      },
      { type: UtType.DEAD_PROCESS, user: "", seconds: -5n, microseconds: -1n },
    ]);
    assert.equal(bytes.length, arch === "x86_64" ? 3 * 384 : 3 * 400);
    assert.deepStrictEqual(parseUtmp(bytes, ARCH_ABI[arch]), [
      { type: 2, user: encoder.encode("reboot"), seconds: 1_700_000_000n, microseconds: 0n },
      { type: 7, user: encoder.encode("alice"), seconds: 1_764_000_000n, microseconds: 500_000n },
      { type: 8, user: new Uint8Array(), seconds: -5n, microseconds: -1n },
    ]);
  });

  Deno.test(`parseUtmp() ignores a trailing partial ${arch} record, as getutxent() does`, () => {
    const bytes = utmpBytes(arch, [
      { type: UtType.USER_PROCESS, user: "root", seconds: 10n },
      { type: UtType.USER_PROCESS, user: "bob", seconds: 20n },
    ]);
    const cut = bytes.subarray(0, bytes.length - 1);
    assert.deepStrictEqual(parseUtmp(cut, ARCH_ABI[arch]).map((r) => r.seconds), [10n]);
    assert.deepStrictEqual(parseUtmp(new Uint8Array(), ARCH_ABI[arch]), []);
  });

  Deno.test(`parseUtmp() lets a 32-byte ${arch} ut_user run on into ut_host, as strdup() does`, () => {
    const long = "u".repeat(32);
    const bytes = utmpBytes(arch, [{ type: UtType.USER_PROCESS, user: long, host: "example.org" }]);
    assert.deepStrictEqual(
      parseUtmp(bytes, ARCH_ABI[arch])[0]!.user,
      encoder.encode(`${long}example.org`),
    );
  });
}

Deno.test("parseUtmp() with the wrong architecture's layout misreads: the layouts differ", () => {
  const bytes = utmpBytes("aarch64", [{ type: 7, user: "alice", seconds: 1_764_000_000n }]);
  assert.notDeepStrictEqual(parseUtmp(bytes, ARCH_ABI.x86_64)[0]?.seconds, 1_764_000_000n);
});

Deno.test("LinuxHost.loginRecords() reads <root>/var/run/utmp with this machine's layout", () => {
  const root = Deno.makeTempDirSync({ prefix: "qga-utmp-" });
  try {
    const host = new LinuxHost(root);
    assert.throws(() => host.loginRecords(), (e) => e instanceof OsError && e.code === "ENOENT");
    Deno.mkdirSync(`${root}/var/run`, { recursive: true });
    const arch: Arch = ABI === ARCH_ABI.aarch64 ? "aarch64" : "x86_64";
    Deno.writeFileSync(
      `${root}/var/run/utmp`,
      utmpBytes(arch, [{ type: 7, user: "carol", seconds: 42n, microseconds: 7n }]),
    );
    assert.deepStrictEqual(host.loginRecords(), [
      { type: 7, user: encoder.encode("carol"), seconds: 42n, microseconds: 7n },
    ]);
    const other = new LinuxHost(root, arch === "x86_64" ? ARCH_ABI.aarch64 : ARCH_ABI.x86_64);
    assert.deepStrictEqual(other.loginRecords(), []); // 384 bytes hold no whole 400-byte record
  } finally {
    Deno.removeSync(root, { recursive: true });
  }
});
