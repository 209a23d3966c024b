/**
 * Child of `mounts_test.ts`, run inside a private mount namespace (`unshare -m`) where pseudo
 * file systems are mounted inside a file root: opens each path through the `roots` scope and
 * prints one JSON outcome per line, then the names left in the directories given after `--`.
 *
 * Usage: `deno run -A mount_probe.ts <root> <path>:<mode>... -- <dir>...`
 *
 * @module
 */

import { openGuestFiles } from "../../../src/sys/files/files.ts";
import { attempt } from "./helpers.ts";

const [root, ...rest] = Deno.args;
const split = rest.indexOf("--");
const requests = split < 0 ? rest : rest.slice(0, split);
const listed = split < 0 ? [] : rest.slice(split + 1);
const { files } = openGuestFiles({
  kind: "roots",
  roots: [{ path: root!, writable: true }],
  ownFiles: [],
});
for (const request of requests) {
  const colon = request.lastIndexOf(":");
  const path = request.slice(0, colon);
  const mode = request.slice(colon + 1);
  console.log(JSON.stringify({ path, mode, outcome: await attempt(files, path, mode) }));
}
for (const dir of listed) {
  console.log(JSON.stringify({ dir, names: [...Deno.readDirSync(dir)].map((e) => e.name) }));
}
