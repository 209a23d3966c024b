/**
 * The VM suite as a `deno test` file, one step per check. It boots QEMU, so it only runs when
 * `QGA_VM=1` (the normal unit suite skips it):
 *
 * ```sh
 * QGA_VM=1 deno test -A tests/vm/vm_test.ts
 * ```
 *
 * `QGA_VM_AGENT`, `QGA_VM_ARCH`, `QGA_VM_ONLY` and `QGA_VM_KEEP` work as for `run.ts`.
 *
 * @module
 */

import { optionsFromEnv } from "./run.ts";
import { formatReport, runSuite } from "./suite.ts";

Deno.test({
  name: "VM suite: seed commands inside a Linux guest over virtio-serial",
  ignore: Deno.env.get("QGA_VM") !== "1",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn(t) {
    const result = await runSuite({ ...optionsFromEnv(), log: (line) => console.log(line) });
    for (const r of result.results) {
      await t.step({
        name: r.name,
        ignore: r.skipped !== undefined,
        fn: () => {
          if (!r.ok) throw new Error(r.message);
        },
      });
    }
    console.log(formatReport(result));
    if (result.results.length === 0) throw new Error("no checks ran");
  },
});
