/**
 * guest-file-* in the confined profiles (the `roots` scope): a refusal answers exactly what
 * qemu-ga answers for a file the kernel refuses — `Permission denied`, or `Read-only file
 * system` for a write mode on a read-only root — with no handle taken and no reason leaked to the
 * host; what lies beneath the roots works as under `full`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { openGuestFiles } from "../../../src/sys/files/files.ts";
import { b64, fixture } from "./helpers.ts";

const rootsOf = (dir: string) =>
  openGuestFiles({
    kind: "roots",
    roots: [{ path: `${dir}/rw`, writable: true }, { path: `${dir}/ro`, writable: false }],
    ownFiles: [`${dir}/state/qga.state`],
  }).files;

async function rootsFixture() {
  return await fixture({}, (dir) => {
    Deno.mkdirSync(`${dir}/rw`);
    Deno.mkdirSync(`${dir}/ro`);
    Deno.writeTextFileSync(`${dir}/ro/file`, "read me");
    Deno.symlinkSync("/etc", `${dir}/rw/etc`);
    return rootsOf(dir);
  });
}

const open = (path: string, mode: string) => ({
  execute: "guest-file-open",
  arguments: { path, mode },
});
const error = (path: string, mode: string, text: string) =>
  `{"error": {"class": "GenericError", "desc": "failed to open file '${path}' (mode: '${mode}'): ${text}"}}\n`;

Deno.test("confined guest-file-open answers qemu-ga's Permission denied text and takes no handle", async () => {
  await using fx = await rootsFixture();
  Deno.linkSync(`${fx.statedir}/qga.state`, `${fx.dir}/rw/state-link`);
  for (
    const [path, mode] of [
      ["/etc/shadow", "r"],
      ["etc/shadow", "r"],
      [`${fx.dir}/rw/etc/shadow`, "r"],
      [`${fx.dir}/rw/../ro/file`, "r"],
      [`${fx.dir}/rw/state-link`, "w"],
      [`${fx.dir}/rw`, "r"],
    ]
  ) {
    assert.equal(await fx.request(open(path!, mode!)), error(path!, mode!, "Permission denied"));
  }
  assert.equal(fx.table.size, 0);
  assert.match(await Deno.readTextFile(`${fx.statedir}/qga.state`), /fd_counter=1000/);
});

Deno.test("confined guest-file-open: write modes on a read-only root answer Read-only file system", async () => {
  await using fx = await rootsFixture();
  for (const mode of ["w", "a", "r+", "w+", "a+"]) {
    const path = `${fx.dir}/ro/file`;
    assert.equal(await fx.request(open(path, mode)), error(path, mode, "Read-only file system"));
  }
  assert.equal(await fx.request(open(`${fx.dir}/ro/file`, "r")), `{"return": 1000}\n`);
  assert.equal(
    await fx.request({ execute: "guest-file-read", arguments: { handle: 1000 } }),
    `{"return": {"count": 7, "buf-b64": "${b64("read me")}", "eof": true}}\n`,
  );
});

Deno.test("confined guest-file-* write, seek and read back beneath a read-write root", async () => {
  await using fx = await rootsFixture();
  const path = `${fx.dir}/rw/new`;
  assert.equal(await fx.request(open(path, "w+")), `{"return": 1000}\n`);
  const h = { handle: 1000 };
  assert.equal(
    await fx.request({ execute: "guest-file-write", arguments: { ...h, "buf-b64": b64("hello") } }),
    `{"return": {"count": 5, "eof": false}}\n`,
  );
  assert.equal(
    await fx.request({ execute: "guest-file-seek", arguments: { ...h, offset: 1, whence: "set" } }),
    `{"return": {"eof": false, "position": 1}}\n`,
  );
  assert.equal(
    await fx.request({ execute: "guest-file-read", arguments: h }),
    `{"return": {"count": 4, "buf-b64": "${b64("ello")}", "eof": true}}\n`,
  );
  assert.equal(await Deno.readTextFile(path), "hello");
});
