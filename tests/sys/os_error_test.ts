/**
 * The one OS error model: `OsError` from a libc call or from any Deno / `node:fs` error, and
 * `errorText()`, the strerror text qemu-ga would print for a caught failure.
 *
 * @module
 */

import assert from "node:assert/strict";
import { Errno, strerror } from "../../src/sys/errno.ts";
import { errorText, OsError } from "../../src/sys/os_error.ts";

Deno.test("OsError.of() and OsError.from() carry errno, name and glibc's text", () => {
  const busy = OsError.of("EBUSY", "ioctl");
  assert.deepEqual([busy.errno, busy.code, busy.call, busy.message], [
    16,
    "EBUSY",
    "ioctl",
    "Device or resource busy",
  ]);
  assert.equal(OsError.from(busy), busy);
  assert.equal(OsError.from(new Deno.errors.NotFound("x"))?.errno, Errno.ENOENT);
  assert.equal(OsError.from(Object.assign(new Error("x"), { code: "ELOOP" }))?.code, "ELOOP");
  assert.equal(OsError.from(new Error("Text file busy (os error 26)"))?.code, "ETXTBSY");
  assert.equal(OsError.from(new Deno.errors.NotCapable("no")), undefined);
  assert.equal(OsError.from(new TypeError("bug")), undefined);
  assert.equal(OsError.from("text"), undefined);
});

Deno.test("errorText() gives glibc's text for Deno, node:fs and plain errors", async () => {
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
      errorText(await thrown(() => Deno.open(`${dir}/nope`))),
      "No such file or directory",
    );
    assert.equal(errorText(await thrown(() => Deno.open(dir, { write: true }))), "Is a directory");
    assert.equal(
      errorText(await thrown(() => Deno.open(dir, { write: true, createNew: true }))),
      "File exists",
    );
    const fs = await import("node:fs");
    assert.equal(
      errorText(await thrown(() => fs.promises.open(`${dir}/nope`, fs.constants.O_RDONLY))),
      "No such file or directory",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  const coded = (code: string) => Object.assign(new Error("whatever"), { code });
  assert.equal(errorText(coded("EAGAIN")), "Resource temporarily unavailable");
  assert.equal(errorText(coded("ENXIO")), "No such device or address");
  assert.equal(errorText(coded("ESPIPE")), "Illegal seek");
  assert.equal(errorText(coded("EBADF")), "Bad file descriptor");
  assert.equal(errorText(coded("EACCES")), "Permission denied");
  // Unknown code: the text Rust took from glibc, before " (os error N)".
  const unknown = Object.assign(new Error("Exec format error (os error 8): open 'x'"), {
    code: "EWEIRD",
  });
  assert.equal(errorText(unknown), "Exec format error");
  assert.equal(errorText(new Deno.errors.PermissionDenied("denied")), "Permission denied");
  assert.equal(errorText(new Deno.errors.NotFound("gone")), "No such file or directory");
  assert.equal(errorText(new Error("something else")), "something else");
  assert.equal(errorText("text"), "text");
  assert.equal(strerror(Errno.EISDIR), "Is a directory");
});
