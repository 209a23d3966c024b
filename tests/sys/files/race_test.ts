/**
 * The directory-swap race of issue 11, as a guest user would run it against the `roots` scope:
 * a child swaps a directory inside the root with a symbolic link to a directory outside it
 * (`renameat2(RENAME_EXCHANGE)` in a loop) while the agent opens files through that path
 * 10,000 times — reading, appending and creating. Not one open may reach the outside.
 *
 * @module
 */

import assert from "node:assert/strict";
import { openGuestFiles } from "../../../src/sys/files/files.ts";
import { attempt, SECRET, tree } from "./helpers.ts";

const CHILD = new URL("./swap_child.ts", import.meta.url).pathname;
const ATTEMPTS = 10_000;

Deno.test("roots: 10,000 opens through a directory swapped with a link to outside never escape", async () => {
  await using t = await tree("qga-race-");
  await Deno.mkdir(`${t.root}/d`);
  await Deno.writeTextFile(`${t.root}/d/target`, "inside-d\n");
  await Deno.writeTextFile(`${t.outside}/target`, SECRET);
  await Deno.symlink(t.outside, `${t.root}/x`);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--quiet", "--allow-ffi", "--allow-read", CHILD, `${t.root}/d`, `${t.root}/x`],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.getReader();
  const first = await reader.read();
  assert.equal(new TextDecoder().decode(first.value), "swapping\n");
  reader.releaseLock();
  const { files } = openGuestFiles({
    kind: "roots",
    roots: [{ path: t.root, writable: true }],
    ownFiles: [],
  });
  const tally = { inside: 0, escaped: 0, refused: 0, other: 0 };
  try {
    for (let i = 0; i < ATTEMPTS; i++) {
      const mode = ["r", "a+", "w"][i % 3]!;
      const name = mode === "w" ? `new-${i}` : "target";
      const outcome = await attempt(files, `${t.root}/d/${name}`, mode);
      if ("ok" in outcome) {
        if (outcome.ok === SECRET) tally.escaped++;
        else tally.inside++;
      } else if (outcome.code === "EACCES") tally.refused++;
      else tally.other++; // ENOENT: the lookup met the swap half-way
    }
  } finally {
    child.kill("SIGKILL");
    await child.status;
    await child.stdout.cancel().catch(() => {});
  }
  console.log(`race: ${JSON.stringify(tally)}`);
  assert.equal(tally.escaped, 0, "no read returned the outside file");
  assert.ok(tally.refused > 0, "the swap was seen (else the race was not exercised)");
  assert.ok(tally.inside > 0, "opens inside the root still work");
  assert.deepEqual(
    [...Deno.readDirSync(t.outside)].map((e) => e.name).sort(),
    ["secret", "target"],
    "nothing was created outside",
  );
  assert.equal(await Deno.readTextFile(`${t.outside}/target`), SECRET, "nothing was appended");
});
