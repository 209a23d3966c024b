/**
 * File roots: parsed strictly, only ever narrowing the baked grant, never holding the agent's
 * own files.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  chooseFileRoots,
  FileRootError,
  type FileRootInputs,
  isWithin,
  parseFileRoot,
} from "../../src/policy/file_roots.ts";
import { PROFILES } from "../../src/policy/profiles.ts";

const GRANT = "/var/lib/qga-deno/files";

function inputs(texts: string[], own: Record<string, string> = {}): FileRootInputs {
  return {
    texts,
    granted: (_kind, path) => isWithin(path, GRANT),
    ownPaths: new Map(Object.entries(own)),
    realPath: (path) => path,
  };
}

Deno.test("parseFileRoot() takes PATH and PATH:ro, absolute and normalised only", () => {
  assert.deepEqual(parseFileRoot("/a/b"), { path: "/a/b", writable: true });
  assert.deepEqual(parseFileRoot("/a/b:ro"), { path: "/a/b", writable: false });
  for (const bad of ["a/b", "/a/../b", "/a/./b", "/a//b", "/a/", "", ":ro", "/"]) {
    assert.throws(() => parseFileRoot(bad), FileRootError, bad);
  }
});

Deno.test("chooseFileRoots() defaults to the grant: read-write for files, read-only for readonly", () => {
  assert.deepEqual(chooseFileRoots(PROFILES.files, inputs([])), [{ path: GRANT, writable: true }]);
  assert.deepEqual(chooseFileRoots(PROFILES.readonly, inputs([])), [
    { path: GRANT, writable: false },
  ]);
  assert.deepEqual(chooseFileRoots(PROFILES.full, inputs([])), []);
});

Deno.test("chooseFileRoots() narrows within the grant and refuses to widen it", () => {
  assert.deepEqual(chooseFileRoots(PROFILES.files, inputs([`${GRANT}/a`, `${GRANT}/b:ro`])), [
    { path: `${GRANT}/a`, writable: true },
    { path: `${GRANT}/b`, writable: false },
  ]);
  for (const wide of ["/etc", "/var/lib/qga-deno", "/var/lib/qga-deno/files2"]) {
    assert.throws(
      () => chooseFileRoots(PROFILES.files, inputs([wide])),
      /outside what this agent was built to read/,
      wide,
    );
  }
});

Deno.test("chooseFileRoots() refuses a read-write root under readonly and any root under full", () => {
  assert.throws(() => chooseFileRoots(PROFILES.readonly, inputs([GRANT])), /read-only roots only/);
  assert.throws(() => chooseFileRoots(PROFILES.full, inputs([GRANT])), /no file roots/);
});

Deno.test("chooseFileRoots() refuses a root holding the agent's own files", () => {
  assert.throws(
    () => chooseFileRoots(PROFILES.files, inputs([GRANT], { "state directory": `${GRANT}/state` })),
    /holds the agent's state directory/,
  );
  assert.throws(
    () => chooseFileRoots(PROFILES.files, inputs([`${GRANT}/x`], { "log file": `${GRANT}/x/log` })),
    /log file/,
  );
  assert.deepEqual(
    chooseFileRoots(PROFILES.files, inputs([`${GRANT}/x`], { "log file": `${GRANT}/xy/log` })),
    [{ path: `${GRANT}/x`, writable: true }],
  );
});

Deno.test("chooseFileRoots() refuses a root spelled in the grant that a symbolic link leads out of", () => {
  const links: Record<string, string> = {
    [`${GRANT}/etc`]: "/etc",
    [`${GRANT}/up/a`]: "/var/lib/qga-deno/a",
    [`${GRANT}/inside`]: `${GRANT}/real`,
    [`${GRANT}/moved`]: "/data/qga/moved",
  };
  const through = (texts: string[], grantAt = GRANT): FileRootInputs => ({
    ...inputs(texts),
    realPath: (path) => path === GRANT ? grantAt : links[path] ?? path,
  });
  for (const root of [`${GRANT}/etc`, `${GRANT}/etc:ro`, `${GRANT}/up/a`]) {
    assert.throws(
      () => chooseFileRoots(PROFILES.files, through([root])),
      /leads through a symbolic link to '.*', outside what this agent was built to read/,
      root,
    );
  }
  // A link that stays in the grant is fine; so is a grant that is itself reached by a link.
  assert.deepEqual(chooseFileRoots(PROFILES.files, through([`${GRANT}/inside`])), [
    { path: `${GRANT}/inside`, writable: true },
  ]);
  assert.deepEqual(chooseFileRoots(PROFILES.files, through([`${GRANT}/moved`], "/data/qga")), [
    { path: `${GRANT}/moved`, writable: true },
  ]);
  assert.throws(() => chooseFileRoots(PROFILES.files, through([`${GRANT}/moved`])), /leads/);
});
