/**
 * Differential test of `guest-get-cpustats` against Debian's qemu-ga 7.2:
 *
 * 1. on this host's `/proc/stat`: the counters move between the two reads, so every value is
 *    replaced by `@N@` and its last digit (which still shows the ticks → milliseconds
 *    conversion); the CPU numbers, the members present and their order are compared exactly;
 * 2. on every `/proc/stat` fixture of `tests/fixtures/proc/` (`stat_*`), bind-mounted over
 *    `/proc/stat` in a private mount namespace for the oracle while ours reads the fixture
 *    through `LinuxCpus(root)`: byte for byte, nothing normalised; and with no `/proc/stat` at
 *    all (a tmpfs over `/proc`), the error reply.
 *
 * Skipped (ignored) when `/usr/sbin/qemu-ga` is missing; case 2 also when namespaces cannot be
 * created (not root).
 *
 * @module
 */

import assert from "node:assert/strict";
import { readCpuStats } from "../../../src/commands/stats/cpustats.ts";
import { LinuxCpus } from "../../../src/sys/cpus.ts";
import { CAN_UNSHARE, ORACLE_INSTALLED, ourReply, startOracle } from "../network/oracle_helper.ts";

const REQUEST = '{"execute":"guest-get-cpustats"}';
const PROC = decodeURIComponent(new URL("../../fixtures/proc/", import.meta.url).pathname);

function ours(root?: string): string {
  return ourReply({ list: "GuestCpuStats" }, () => readCpuStats(new LinuxCpus(root)));
}

/** Replaces each counter by `@N@` and its last digit. */
function normalizeTimes(reply: string): string {
  return reply.replace(
    /"(user|nice|system|idle|iowait|irq|softirq|steal|guest|guestnice)": \d*(\d)/g,
    '"$1": @N@$2',
  );
}

/** Single-quotes a path for `sh`. */
function quote(path: string): string {
  return `'${path.replaceAll("'", `'\\''`)}'`;
}

Deno.test({
  name: "guest-get-cpustats equals qemu-ga 7.2 on this host (counters normalised)",
  ignore: !ORACLE_INSTALLED,
  async fn() {
    const oracle = await startOracle();
    try {
      const expected = await oracle.ask(REQUEST);
      assert.match(expected, /^\{"return": \[\{"cpu": 0, /);
      assert.equal(normalizeTimes(ours()), normalizeTimes(expected));
    } finally {
      await oracle.stop();
    }
  },
});

Deno.test({
  name: "guest-get-cpustats equals qemu-ga 7.2 on every /proc/stat fixture, byte for byte",
  ignore: !CAN_UNSHARE,
  async fn(t) {
    const fixtures = Array.from(Deno.readDirSync(PROC)).filter((e) => /^stat_/.test(e.name))
      .map((e) => e.name).sort();
    assert.ok(fixtures.length >= 2);
    for (const name of [...fixtures, "no_proc_stat"]) {
      await t.step(name, async () => {
        const root = PROC + name;
        const setup = name === "no_proc_stat"
          ? ["mount -t tmpfs qga-test /proc"]
          : [`mount --bind ${quote(`${root}/proc/stat`)} /proc/stat`];
        const oracle = await startOracle({ unshare: ["-m"], setup });
        try {
          assert.equal(ours(root), await oracle.ask(REQUEST));
        } finally {
          await oracle.stop();
        }
      });
    }
  },
});
