/**
 * Hostile host, by race (issue 11's measured escape: 102 of 2,000 reads and 359 of 1,000 appends
 * landed outside): a child swaps a directory inside the file root with a symbolic link to a
 * directory outside every root (`renameat2(RENAME_EXCHANGE)` in a loop, tests/sys/files'
 * swap child) while the real agent, under each confined profile's exact flags, is asked over its
 * socket for ≥ 10,000 opens through that path — `r` and `a` of a file whose outside twin holds a
 * marker, `w+` of it and of new names. Every handle that opens is read (`r`) or written one byte
 * (`a`, `w+`) and closed: an escape would return the marker, change the twin or create a file
 * beside it. None may.
 *
 * The outside directory is inside the agent's state directory, which its Landlock ruleset lets
 * it write: only the openat2 confinement stands between the request and that directory, so this
 * test fails if it breaks, even with Landlock in force.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { ProfileName } from "../../src/policy/profiles.ts";
import { b64, type LineClient, type Reply, type Request, unb64 } from "./client.ts";
import { makeScene, MARKER, namesIn, startAgent } from "./scene.ts";

const SWAPPER = new URL("../sys/files/swap_child.ts", import.meta.url).pathname;
const ATTEMPTS = 10_000;
/** Opens sent at once (each handle is used and closed before the next batch). */
const BATCH = 50;

/** What the attempts did. */
interface Tally {
  inside: number;
  escaped: number;
  refused: number;
  other: number;
}

/** The `i`-th attempt: a mode and a name under `<root>/d`. */
function attemptOf(i: number, writable: boolean): { mode: string; name: string } {
  if (!writable) return { mode: "r", name: "target" };
  switch (i % 4) {
    case 0:
      return { mode: "r", name: "target" };
    case 1:
      return { mode: "a", name: "target" };
    case 2:
      return { mode: "w+", name: "target" };
    default:
      return { mode: "w+", name: `new-${i}` };
  }
}

/** Sends one batch of opens, uses each handle that came back, closes it; counts outcomes. */
async function batch(
  client: LineClient,
  root: string,
  first: number,
  writable: boolean,
  tally: Tally,
): Promise<void> {
  const attempts = Array.from({ length: BATCH }, (_, k) => attemptOf(first + k, writable));
  const opens = await client.pipeline(attempts.map(({ mode, name }) => ({
    execute: "guest-file-open",
    arguments: { path: `${root}/d/${name}`, mode },
  })));
  const uses: Request[] = [];
  const modes: string[] = [];
  opens.forEach((reply: Reply, k) => {
    if ("error" in reply) {
      if (reply.error.desc.endsWith("Permission denied")) tally.refused++;
      else tally.other++; // ENOENT: the lookup met the swap half-way
      return;
    }
    const handle = reply.return as number;
    const { mode } = attempts[k]!;
    modes.push(mode);
    uses.push(
      mode === "r"
        ? { execute: "guest-file-read", arguments: { handle, count: 64 } }
        : { execute: "guest-file-write", arguments: { handle, "buf-b64": b64("x") } },
      { execute: "guest-file-close", arguments: { handle } },
    );
  });
  const used = await client.pipeline(uses);
  modes.forEach((mode, k) => {
    const reply = used[2 * k]!;
    assert.ok(!("error" in reply), `using a handle: ${JSON.stringify(reply)}`);
    const text = mode === "r" ? unb64((reply.return as { "buf-b64": string })["buf-b64"]) : "";
    if (text === MARKER) tally.escaped++;
    else tally.inside++;
  });
}

for (const profile of ["files", "readonly"] as const satisfies readonly ProfileName[]) {
  Deno.test({
    name:
      `${profile}: ${ATTEMPTS} opens through a directory swapped with a link outside never escape`,
    sanitizeResources: false,
    async fn() {
      await using scene = await makeScene();
      const twin = `${scene.state}/twin`;
      await Deno.mkdir(twin);
      await Deno.writeTextFile(`${twin}/target`, MARKER);
      await Deno.mkdir(`${scene.rw}/d`);
      await Deno.writeTextFile(`${scene.rw}/d/target`, "inside\n");
      await Deno.symlink(twin, `${scene.rw}/x`);
      await using running = await startAgent(profile, scene);
      const client = await running.connect();
      const swapper = new Deno.Command(Deno.execPath(), {
        args: ["run", "--quiet", "--allow-ffi", "--allow-read", SWAPPER]
          .concat(`${scene.rw}/d`, `${scene.rw}/x`),
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const tally: Tally = { inside: 0, escaped: 0, refused: 0, other: 0 };
      try {
        const reader = swapper.stdout.getReader();
        assert.equal(new TextDecoder().decode((await reader.read()).value), "swapping\n");
        reader.releaseLock();
        for (let i = 0; i < ATTEMPTS; i += BATCH) {
          await batch(client, scene.rw, i, profile === "files", tally);
        }
      } finally {
        client.close();
        swapper.kill("SIGKILL");
        await swapper.status;
        await swapper.stdout.cancel().catch(() => {});
      }
      console.log(`${profile} race: ${JSON.stringify(tally)}`);
      assert.equal(tally.inside + tally.escaped + tally.refused + tally.other, ATTEMPTS);
      assert.equal(tally.escaped, 0, "no read returned the outside file");
      assert.equal(await Deno.readTextFile(`${twin}/target`), MARKER, "the outside file unchanged");
      assert.deepEqual(namesIn(twin), ["target"], "nothing created outside");
      assert.deepEqual(namesIn(scene.state), ["qga.state", "twin"], "nor in the state dir");
      assert.ok(tally.refused > 0, "the swap was seen (else the race was not exercised)");
      assert.ok(tally.inside > 0, "opens inside the root still work");
    },
  });
}
