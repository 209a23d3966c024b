/**
 * The lexical part of the `roots` scope (`src/sys/files/root_paths.ts`): which root a path names
 * and what is left for `openat2`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { matchRoot, rootComponents, splitLast } from "../../../src/sys/files/root_paths.ts";

const ROOTS = [["srv", "files"], ["srv", "files", "upload"], ["data"]];

Deno.test("matchRoot() matches whole components and picks the longest root", () => {
  const cases: [string, [number, string] | undefined][] = [
    ["/srv/files/a", [0, "a"]],
    ["/srv/files", [0, "."]],
    ["/srv/files/", [0, "."]],
    ["//srv/./files//a/b/", [0, "a/b/"]],
    ["/srv/files/upload/x", [1, "x"]],
    ["/srv/files/uploadX/x", [0, "uploadX/x"]],
    ["/srv/filesX/a", undefined],
    ["/srv", undefined],
    ["/data/../etc/passwd", [2, "../etc/passwd"]],
    ["/srv/files/upload/../../x", [1, "../../x"]],
    ["/srv/x/../files/a", undefined],
    ["srv/files/a", undefined],
    ["", undefined],
    ["./srv/files/a", undefined],
  ];
  for (const [path, want] of cases) {
    const got = matchRoot(path, ROOTS);
    assert.deepEqual(got && [got.index, got.relative], want, path);
  }
});

Deno.test("matchRoot() with the root / matches every absolute path", () => {
  assert.deepEqual(matchRoot("/etc/passwd", [[]]), { index: 0, relative: "etc/passwd" });
  assert.deepEqual(matchRoot("/", [[]]), { index: 0, relative: "." });
});

Deno.test("rootComponents() normalises absolute roots and rejects relative ones and ..", () => {
  assert.deepEqual(rootComponents("/srv//files/./"), ["srv", "files"]);
  assert.deepEqual(rootComponents("/"), []);
  assert.equal(rootComponents("srv/files"), "not an absolute path");
  assert.equal(rootComponents("/srv/../etc"), "contains '..'");
});

Deno.test("splitLast() keeps a trailing slash on the last component", () => {
  assert.deepEqual(splitLast("a/b"), ["a", "b"]);
  assert.deepEqual(splitLast("b"), [".", "b"]);
  assert.deepEqual(splitLast("a/b/"), ["a", "b/"]);
  assert.deepEqual(splitLast("a//b"), ["a", "b"]);
  assert.deepEqual(splitLast("x/y/z"), ["x/y", "z"]);
  assert.deepEqual(splitLast("."), [".", "."]);
  assert.deepEqual(splitLast("../x"), ["..", "x"]);
});
