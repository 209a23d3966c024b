/**
 * Mode-string parsing and whence parsing.
 *
 * @module
 */

import assert from "node:assert/strict";
import { parseWhence } from "../../../src/commands/file/file_commands.ts";
import { parseOpenMode } from "../../../src/commands/file/open_mode.ts";
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
