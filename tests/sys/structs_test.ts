/**
 * `src/sys/structs.ts` against the C ABI of both architectures the agent ships for: every size,
 * offset and constant it claims ({@link CLAIMS} in `./abi_probe.ts`) is compared with the values
 * recorded from the C compilers (`tests/fixtures/abi/`), and the recordings with what the
 * compilers installed here answer now (CI installs the aarch64 cross compiler).
 *
 * @module
 */

import assert from "node:assert/strict";
import { type Arch, ARCH_ABI } from "../../src/sys/structs.ts";
import { CLAIMS, compilersFor, FIXTURE, probe } from "./abi_probe.ts";

const ARCHES: readonly Arch[] = ["x86_64", "aarch64"];

function recorded(arch: Arch): Record<string, number> {
  return JSON.parse(Deno.readTextFileSync(FIXTURE(arch)));
}

/** The claims of structs.ts that disagree with `values`, one line each. */
function mismatches(arch: Arch, values: Record<string, number>): string[] {
  const bad: string[] = [];
  for (const claim of CLAIMS) {
    const c = values[claim.label];
    const ours = claim.ours(arch);
    const ok = claim.atMost ? c !== undefined && c <= ours : c === ours;
    if (!ok) bad.push(`${claim.label}: C says ${c}, structs.ts ${claim.atMost ? "≥ " : ""}${ours}`);
  }
  return bad;
}

for (const arch of ARCHES) {
  Deno.test(`structs.ts matches the recorded ${arch} C ABI`, () => {
    assert.deepEqual(mismatches(arch, recorded(arch)), []);
  });

  Deno.test(`the recorded ${arch} ABI is what the C compiler says now`, async () => {
    const live = await probe(arch);
    if (!live) {
      // Without a compiler for this architecture (a fresh machine without
      // gcc-aarch64-linux-gnu), the recording stands alone; .ci/run installs both.
      console.warn(`no C compiler for ${arch} (${compilersFor(arch).join(", ")}): recording used`);
      if (Deno.env.get("CI_REQUIRE_CROSS_CC") === "1") assert.fail(`no C compiler for ${arch}`);
      return;
    }
    assert.deepEqual(live, recorded(arch), "re-record: deno run -A tests/sys/abi_probe.ts");
  });
}

Deno.test("a wrong aarch64 epoll_event size, O_DIRECTORY or utmp offset is caught", () => {
  const values = recorded("aarch64");
  const original = ARCH_ABI.aarch64;
  const mutate = (patch: Partial<typeof original>) => {
    (ARCH_ABI as Record<Arch, typeof original>).aarch64 = { ...original, ...patch };
    try {
      return mismatches("aarch64", values);
    } finally {
      (ARCH_ABI as Record<Arch, typeof original>).aarch64 = original;
    }
  };
  assert.deepEqual(mutate({ epollEventSize: 12 }), [
    "sizeof(epoll_event): C says 16, structs.ts 12",
  ]);
  assert.deepEqual(mutate({ utmpTvOffset: 340 }), [
    "ut_tv: C says 344, structs.ts 340",
    "ut_tv.tv_usec: C says 352, structs.ts 348",
  ]);
  assert.deepEqual(mutate({ O_DIRECTORY: 0o200000 }), [
    "O_DIRECTORY: C says 16384, structs.ts 65536",
  ]);
});
