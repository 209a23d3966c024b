/**
 * `FdFileIo` and the `anywhere` scope (`src/sys/files/fd_file_io.ts`, `anywhere.ts`): libc I/O
 * into any part of a buffer, exact int64 `lseek`, the descriptor flags qemu-ga opens with, and
 * qemu-ga's create-then-reopen.
 *
 * @module
 */

import assert from "node:assert/strict";
import { parseOpenMode } from "../../../src/commands/file/open_mode.ts";
import { openAnywhere } from "../../../src/sys/files/anywhere.ts";
import { FdFileIo } from "../../../src/sys/files/fd_file_io.ts";
import { openat2Available, openGuestFiles } from "../../../src/sys/files/files.ts";
import { OsError } from "../../../src/sys/os_error.ts";
import { tree } from "./helpers.ts";

/** The `flags:` of `/proc/self/fdinfo/<fd>` (octal). */
function fdFlags(fd: number): number {
  const text = Deno.readTextFileSync(`/proc/self/fdinfo/${fd}`);
  return parseInt(/^flags:\s+([0-7]+)$/m.exec(text)![1]!, 8);
}

const O_NONBLOCK = 0o4000, O_CLOEXEC = 0o2000000, O_APPEND = 0o2000, O_ACCMODE = 3;

Deno.test("FdFileIo reads and writes into the exact part of a subarray", async () => {
  await using t = await tree();
  const io = new FdFileIo(openAnywhere(`${t.root}/file`, parseOpenMode("r+")));
  try {
    const big = new Uint8Array(12).fill(0x2e);
    assert.deepEqual(await io.readFully(big.subarray(4, 8)), { count: 4, eof: false });
    assert.equal(new TextDecoder().decode(big), "....insi....");
    await io.seek(0n, 0);
    await io.writeFully(new TextEncoder().encode("xxABCDyy").subarray(2, 6));
    await io.seek(0n, 0);
    const back = new Uint8Array(16);
    assert.deepEqual(await io.readFully(back), { count: 7, eof: true });
    assert.equal(new TextDecoder().decode(back.subarray(0, 7)), "ABCDde\n");
  } finally {
    io.close();
  }
});

Deno.test("FdFileIo.close() closes once; a second close is EBADF", async () => {
  await using t = await tree();
  const io = new FdFileIo(openAnywhere(`${t.root}/file`, parseOpenMode("r")));
  assert.ok(io.fd >= 0);
  io.close();
  assert.equal(io.fd, -1);
  assert.throws(() => io.close(), (e: unknown) => e instanceof OsError && e.code === "EBADF");
});

Deno.test("FdFileIo.seek() is exact over the whole int64 range tmpfs allows", async () => {
  const path = `/dev/shm/qga-fdio-${crypto.randomUUID()}`;
  const io = new FdFileIo(openAnywhere(path, parseOpenMode("w+")));
  try {
    for (const offset of [2n ** 53n + 1n, 2n ** 62n + 7n, 2n ** 63n - 1n]) {
      assert.equal(await io.seek(offset, 0), offset);
    }
    assert.equal(await io.seek(-(2n ** 62n), 1), 2n ** 63n - 1n - 2n ** 62n);
    await assert.rejects(
      io.seek(2n ** 62n + 1n, 1),
      (e: unknown) => e instanceof OsError && e.code === "EINVAL",
    );
    await assert.rejects(
      io.seek(-1n, 0),
      (e: unknown) => e instanceof OsError && e.code === "EINVAL",
    );
  } finally {
    io.close();
    Deno.removeSync(path);
  }
});

Deno.test("guest files are opened O_NONBLOCK | O_CLOEXEC in both scopes, with the mode's access", async () => {
  await using t = await tree();
  const roots = openGuestFiles({
    kind: "roots",
    roots: [{ path: t.root, writable: true }],
    ownFiles: [],
  }).files;
  const anywhere = openGuestFiles({ kind: "anywhere" }).files;
  for (const files of [anywhere, roots]) {
    for (const [mode, access, append] of [["r", 0, 0], ["w", 1, 0], ["a+", 2, O_APPEND]] as const) {
      const io = await files.open(`${t.root}/file`, parseOpenMode(mode)) as FdFileIo;
      try {
        const flags = fdFlags(io.fd);
        assert.equal(flags & O_ACCMODE, access, mode);
        assert.equal(flags & (O_NONBLOCK | O_CLOEXEC | O_APPEND), O_NONBLOCK | O_CLOEXEC | append);
      } finally {
        io.close();
      }
    }
  }
});

Deno.test("anywhere: creating modes do O_EXCL then reopen, as qemu-ga (a dangling link is ENOENT)", async () => {
  await using t = await tree();
  await Deno.symlink(`${t.dir}/nowhere`, `${t.root}/dangling`);
  await Deno.chmod(`${t.root}/file`, 0o640);
  const open = (path: string, mode: string) => openAnywhere(path, parseOpenMode(mode));
  new FdFileIo(open(`${t.root}/file`, "a")).close();
  assert.equal(Deno.statSync(`${t.root}/file`).mode! & 0o777, 0o640, "existing mode kept");
  assert.throws(
    () => open(`${t.root}/dangling`, "w"),
    (e: unknown) => e instanceof OsError && e.code === "ENOENT",
  );
  assert.throws(() => open("", "r"), (e: unknown) => e instanceof OsError && e.code === "ENOENT");
});

Deno.test("openat2Available() is true on this kernel (Linux ≥ 5.6)", () => {
  const [major, minor] = Deno.osRelease().split(".").map(Number) as [number, number];
  assert.equal(openat2Available(), major > 5 || (major === 5 && minor >= 6));
  assert.equal(openat2Available(), openat2Available(), "probed once, same answer");
});
