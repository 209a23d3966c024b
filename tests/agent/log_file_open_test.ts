/**
 * The `-l` log file opened through libc (`src/agent/log_file.ts`), as qemu-ga's
 * `fopen(path, "a")`: created if missing (0640 less the umask), appended to, a symlink followed
 * (the path is the operator's), close-on-exec so no child inherits it; open failures are
 * `OsError`s whose text qemu-ga logs.
 *
 * @module
 */

import assert from "node:assert/strict";
import { openLogSink } from "../../src/agent/log_file.ts";
import { OsError } from "../../src/sys/os_error.ts";

/** A fresh directory, removed on dispose. */
function tempDir(): { dir: string } & Disposable {
  const dir = Deno.makeTempDirSync({ prefix: "qga-log-open-" });
  return { dir, [Symbol.dispose]: () => Deno.removeSync(dir, { recursive: true }) };
}

/** The open flags (`/proc/self/fdinfo`) of this process's descriptor for `path`. */
function openFlagsOf(path: string): number {
  for (const entry of Deno.readDirSync("/proc/self/fd")) {
    let target: string;
    try {
      target = Deno.readLinkSync(`/proc/self/fd/${entry.name}`);
    } catch {
      continue;
    }
    if (target !== path) continue;
    const info = Deno.readTextFileSync(`/proc/self/fdinfo/${entry.name}`);
    return parseInt(/^flags:\s+([0-7]+)$/m.exec(info)![1]!, 8);
  }
  throw new Error(`no descriptor for ${path}`);
}

Deno.test("openLogSink() creates the log 0640 (less the umask), close-on-exec, append-only", () => {
  using t = tempDir();
  const path = `${t.dir}/qga.log`;
  const sink = openLogSink(path);
  sink("one\n");
  sink("two\n");
  assert.equal(Deno.readTextFileSync(path), "one\ntwo\n");
  assert.equal(Deno.statSync(path).mode! & 0o777 & ~0o640, 0, "no more than 0640");
  const flags = openFlagsOf(path);
  assert.equal(flags & 0o3, 0o1, "O_WRONLY");
  assert.ok(flags & 0o2000, "O_APPEND");
  assert.ok(flags & 0o2000000, "O_CLOEXEC");
});

Deno.test('openLogSink() appends to what is there and follows a symlink, as fopen("a")', () => {
  using t = tempDir();
  Deno.writeTextFileSync(`${t.dir}/real.log`, "kept\n");
  Deno.symlinkSync(`${t.dir}/real.log`, `${t.dir}/qga.log`);
  openLogSink(`${t.dir}/qga.log`)("appended\n");
  assert.equal(Deno.readTextFileSync(`${t.dir}/real.log`), "kept\nappended\n");
});

Deno.test("openLogSink() throws an OsError with the text qemu-ga logs", () => {
  using t = tempDir();
  for (
    const [path, message] of [
      [`${t.dir}/missing/qga.log`, "No such file or directory"],
      [t.dir, "Is a directory"],
    ]
  ) {
    assert.throws(
      () => openLogSink(path!),
      (e: unknown) => e instanceof OsError && e.message === message,
    );
  }
});
