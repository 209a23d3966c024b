/**
 * Reading the config file through libc (`denoParseEnvironment().readTextFile`,
 * `src/config/deno_environment.ts`): missing is `Deno.errors.NotFound` (so a missing default
 * config is absent), anything but a regular file is GLib's `Not a regular file` — a FIFO too,
 * without blocking (qemu-ga's `open()` would wait for a writer) — a symlink is followed (the path
 * is the operator's), and a file the process may not read is an error, exactly as qemu-ga 7.2
 * reports it (compared with the live binary, both run as root without `CAP_DAC_OVERRIDE` and
 * `CAP_DAC_READ_SEARCH` so that a mode-000 file is refused).
 *
 * @module
 */

import assert from "node:assert/strict";
import { denoParseEnvironment } from "../../src/config/deno_environment.ts";
import { agentArgv } from "../helpers/agent_process.ts";
import { runToExit } from "../helpers/proc.ts";
import { normalize, ORACLE } from "./oracle_cases.ts";

const environment = denoParseEnvironment({ commandNames: [], versionText: () => "test" });

/** A fresh directory, removed on dispose. */
function tempDir(): { dir: string } & Disposable {
  const dir = Deno.makeTempDirSync({ prefix: "qga-conf-read-" });
  return { dir, [Symbol.dispose]: () => Deno.removeSync(dir, { recursive: true }) };
}

Deno.test("readTextFile() reports a missing config file as Deno.errors.NotFound", () => {
  using t = tempDir();
  assert.throws(() => environment.readTextFile(`${t.dir}/absent.conf`), Deno.errors.NotFound);
  assert.throws(() => environment.readTextFile(`${t.dir}/no/dir.conf`), Deno.errors.NotFound);
});

Deno.test("readTextFile() refuses a directory and a FIFO as 'Not a regular file', without blocking", async () => {
  using t = tempDir();
  assert.throws(() => environment.readTextFile(t.dir), { message: "Not a regular file" });
  const fifo = `${t.dir}/fifo.conf`;
  assert.ok((await new Deno.Command("mkfifo", { args: [fifo] }).output()).success);
  assert.throws(() => environment.readTextFile(fifo), { message: "Not a regular file" });
});

Deno.test("readTextFile() follows a symlink and keeps a byte-order mark", () => {
  using t = tempDir();
  Deno.writeTextFileSync(`${t.dir}/real.conf`, "\uFEFF[general]\n");
  Deno.symlinkSync(`${t.dir}/real.conf`, `${t.dir}/link.conf`);
  assert.equal(environment.readTextFile(`${t.dir}/link.conf`), "\uFEFF[general]\n");
});

/** Runs `argv` as root without the two capabilities that let root read any file. */
function withoutDacOverride(argv: string[]): string[] {
  return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search", ...argv];
}

const canDropDac = Deno.uid() === 0 &&
  (await new Deno.Command("setpriv", { args: ["--help"], stdout: "null" }).output()
    .then((o) => o.success, () => false));
const oracleInstalled = await Deno.stat(ORACLE).then(() => true, () => false);

Deno.test({
  name: "a config file the process may not read is fatal, with qemu-ga 7.2's text and status",
  ignore: !canDropDac,
  async fn() {
    using t = tempDir();
    const conf = `${t.dir}/qemu-ga.conf`;
    Deno.writeTextFileSync(conf, "[general]\n");
    Deno.chmodSync(conf, 0o000);
    const env = { QGA_CONF: conf };
    const ours = await runToExit(withoutDacOverride(agentArgv(["-D"])), { env, timeoutMs: 10_000 });
    const expected =
      `\n** (process:PID): CRITICAL **: HH:MM:SS.mmm: error loading configuration from path: ` +
      `@TMP@/qemu-ga.conf, Permission denied\n`;
    assert.equal(normalize(ours.stderr, t.dir), expected);
    assert.equal(ours.code, 1);
    if (oracleInstalled) {
      const oracle = await runToExit(withoutDacOverride([ORACLE, "-D"]), {
        env,
        timeoutMs: 10_000,
      });
      assert.equal(normalize(oracle.stderr, t.dir), expected);
      assert.equal(oracle.code, 1);
    }
  },
});
