/**
 * Tests of the FFI file readers used for `/proc` and `/sys` (`src/sys/fd.ts`).
 *
 * @module
 */

import assert from "node:assert/strict";
import { listDirectory, readSmallFile, underRoot } from "../../src/sys/fd.ts";
import { OsError } from "../../src/sys/os_error.ts";

const FIXTURES = decodeURIComponent(new URL("../fixtures/", import.meta.url).pathname);
const dec = new TextDecoder();

Deno.test("listDirectory() gives readdir order without . and ..", () => {
  const dir = `${FIXTURES}sys/vcpus_mixed/sys/devices/system/cpu`;
  const want = Array.from(Deno.readDirSync(dir), (e) => e.name);
  assert.deepStrictEqual(listDirectory(dir).map((n) => dec.decode(n)), want);
});

Deno.test("readSmallFile() reads procfs files (size 0 in stat) to the end", () => {
  const text = dec.decode(readSmallFile("/proc/self/status"));
  assert.match(text, /^Name:/);
  assert.match(text, /\nPid:\s+\d+\n/);
});

Deno.test("readSmallFile() and listDirectory() throw OsError with glibc's text", () => {
  for (const fn of [() => readSmallFile("/nonexistent/x"), () => listDirectory("/nonexistent")]) {
    assert.throws(fn, (e: unknown) => {
      assert.ok(e instanceof OsError);
      assert.equal(e.errno, 2);
      assert.equal(e.message, "No such file or directory");
      return true;
    });
  }
});

Deno.test("underRoot() joins a prefix and an absolute path", () => {
  assert.equal(underRoot("/", "/sys/x"), "/sys/x");
  assert.equal(underRoot("/tmp/t/", "/sys/x"), "/tmp/t/sys/x");
  assert.equal(underRoot("/tmp/t", "/sys/x"), "/tmp/t/sys/x");
});

Deno.test("/sys and /proc are read with --allow-ffi and a narrow --allow-read, without -A", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qga-ffi-perm-" });
  try {
    const src = new URL("../../src/", import.meta.url).href;
    const script = `${dir}/probe.ts`;
    await Deno.writeTextFile(
      script,
      `import { listVcpus } from "${src}commands/cpu/get.ts";
import { LinuxCpus } from "${src}sys/cpus.ts";
import { LinuxNetwork } from "${src}sys/network/network.ts";
const net = new TextDecoder().decode(new LinuxNetwork().procNetDev());
console.log(JSON.stringify({ vcpus: listVcpus(new LinuxCpus()).length, lo: net.includes(" lo:") }));
`,
    );
    const libc = [
      "/lib/x86_64-linux-gnu",
      "/lib/aarch64-linux-gnu",
      "/lib64",
      "/usr/lib64",
      "/lib",
    ];
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-q", "--no-config", "--allow-ffi", `--allow-read=${libc.join(",")}`, script],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(dec.decode(out.stderr), "");
    const got = JSON.parse(dec.decode(out.stdout));
    assert.ok(got.vcpus >= 1);
    assert.equal(got.lo, true);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
