/**
 * Mode-string parsing, whence parsing and the glibc `strerror()` mapping of Deno errors.
 *
 * @module
 */

import assert from "node:assert/strict";
import { GLIBC_STRERROR, strerror } from "../../../src/commands/file/errno.ts";
import { parseOpenMode, parseWhence } from "../../../src/commands/file/mod.ts";
import { qgaError } from "./helpers.ts";

Deno.test("parseOpenMode() maps each mode to qemu-ga's open(2) flags", () => {
  const flags = (mode: string) => {
    const m = parseOpenMode(mode);
    return [m.read, m.write, m.append, m.truncate, m.create].map(Number).join("");
  };
  //                       r w a t c
  for (const m of ["r", "rb"]) assert.equal(flags(m), "10000", m);
  for (const m of ["w", "wb"]) assert.equal(flags(m), "01011", m);
  for (const m of ["a", "ab"]) assert.equal(flags(m), "01101", m);
  for (const m of ["r+", "rb+", "r+b"]) assert.equal(flags(m), "11000", m);
  for (const m of ["w+", "wb+", "w+b"]) assert.equal(flags(m), "11011", m);
  for (const m of ["a+", "ab+", "a+b"]) assert.equal(flags(m), "11101", m);
  assert.equal(parseOpenMode("r+b").name, "r+b");
  assert.throws(() => parseOpenMode("rw"), qgaError("invalid file open mode 'rw'"));
  assert.throws(() => parseOpenMode("ra"), qgaError("invalid file open mode 'ra'"));
});

Deno.test("parseWhence() accepts 0/1/2 and set/cur/end only", () => {
  assert.deepEqual([0n, 1n, 2n, "set", "cur", "end"].map(parseWhence), [0, 1, 2, 0, 1, 2]);
  for (const bad of [3n, -1n, 2n ** 63n - 1n, -(2n ** 63n)]) {
    assert.throws(() => parseWhence(bad), qgaError(`invalid whence code ${bad}`));
  }
});

Deno.test("strerror() gives glibc's text for Deno, node:fs and plain errors", async () => {
  const thrown = async (f: () => Promise<unknown>) => {
    try {
      await f();
    } catch (error) {
      return error;
    }
    throw new Error("did not throw");
  };
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(
      strerror(await thrown(() => Deno.open(`${dir}/nope`))),
      "No such file or directory",
    );
    assert.equal(strerror(await thrown(() => Deno.open(dir, { write: true }))), "Is a directory");
    assert.equal(
      strerror(await thrown(() => Deno.open(dir, { write: true, createNew: true }))),
      "File exists",
    );
    const fs = await import("node:fs");
    assert.equal(
      strerror(await thrown(() => fs.promises.open(`${dir}/nope`, fs.constants.O_RDONLY))),
      "No such file or directory",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const coded = (code: string) => Object.assign(new Error("whatever"), { code });
  assert.equal(strerror(coded("EAGAIN")), "Resource temporarily unavailable");
  assert.equal(strerror(coded("ENXIO")), "No such device or address");
  assert.equal(strerror(coded("ESPIPE")), "Illegal seek");
  assert.equal(strerror(coded("EBADF")), "Bad file descriptor");
  assert.equal(strerror(coded("EACCES")), "Permission denied");
  // Unknown code: the text Rust took from glibc, before " (os error N)".
  const unknown = Object.assign(new Error("Exec format error (os error 8): open 'x'"), {
    code: "EWEIRD",
  });
  assert.equal(strerror(unknown), "Exec format error");
  assert.equal(strerror(new Deno.errors.PermissionDenied("denied")), "Permission denied");
  assert.equal(strerror(new Deno.errors.NotFound("gone")), "No such file or directory");
  assert.equal(strerror(new Error("something else")), "something else");
  assert.equal(strerror("text"), "text");
  assert.equal(GLIBC_STRERROR.EISDIR, "Is a directory");
});
