/**
 * Hostile host, by special file: inside a file root the guest (or a host that can write there)
 * plants a FIFO with no writer (which would block a careless agent forever), a unix socket,
 * device nodes (`mknod c 1 3`, /dev/null, and `c 1 1`, /dev/mem), and — in a private mount
 * namespace the agent runs in — a second procfs (`<root>/p/self/mem`, `<root>/p/1/environ`,
 * `<root>/p/self/root/…`). The real agent under each confined profile refuses every one of them
 * at once.
 *
 * /dev/mem is only ever opened for reading; nothing is written to any handle. The procfs mount
 * exists only in the agent's namespace (`unshare --mount --propagation private`) and ends with
 * it; the test checks that the host never saw it.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { ProfileName } from "../../src/policy/profiles.ts";
import { assertRefused, attemptOpen } from "./attack.ts";
import { makeScene, namesIn, startAgent } from "./scene.ts";

const CONFINED: readonly ProfileName[] = ["files", "readonly"];
/** mknod needs CAP_MKNOD. */
const IS_ROOT = Deno.uid() === 0;

async function run(program: string, ...args: string[]): Promise<void> {
  const out = await new Deno.Command(program, { args, stderr: "piped" }).output();
  assert.equal(
    out.code,
    0,
    `${program} ${args.join(" ")}: ${new TextDecoder().decode(out.stderr)}`,
  );
}

async function canUnshare(): Promise<boolean> {
  const out = await new Deno.Command("unshare", { args: ["--mount", "true"], stderr: "null" })
    .output().catch(() => ({ success: false }));
  return out.success;
}

/** Binds a unix socket at argv[1] and exits, leaving the socket file. */
const BIND = "import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])";

/** Mounts procfs at `$1/p` in the agent's own mount namespace, then execs the agent. */
const MOUNT_PROC = 'set -e; mount -t proc proc "$1/p"; shift; exec "$@"';

for (const profile of CONFINED) {
  Deno.test(`${profile}: a FIFO without writer, a unix socket and device nodes in a root are refused at once`, async () => {
    await using scene = await makeScene();
    const r = scene.rw;
    await run("mkfifo", `${r}/fifo`);
    // A bound socket's file (Deno removes its own on close; python leaves it, as most do).
    await run("python3", "-c", BIND, `${r}/socket`);
    if (IS_ROOT) {
      await run("mknod", `${r}/null`, "c", "1", "3");
      await run("mknod", `${r}/mem`, "c", "1", "1");
    }
    await Deno.symlink("fifo", `${r}/fifo-link`);
    await using running = await startAgent(profile, scene);
    const client = await running.connect();
    try {
      // Each refusal comes within the client's reply limit (5 s): a FIFO open never blocks.
      await assertRefused(client, profile, scene, `${r}/fifo`, ["r", "r+", "w", "a"]);
      await assertRefused(client, profile, scene, `${r}/fifo-link`, ["r"]);
      await assertRefused(client, profile, scene, `${r}/socket`, ["r", "w"]);
      if (IS_ROOT) {
        await assertRefused(client, profile, scene, `${r}/null`, ["r", "w", "a"]);
        await assertRefused(client, profile, scene, `${r}/mem`, ["r"]);
      }
      const opened = await attemptOpen(client, `${r}/file`, "r");
      assert.ok("opened" in opened, JSON.stringify(opened));
    } finally {
      client.close();
    }
    const nodes = IS_ROOT ? ["mem", "null"] : [];
    assert.deepEqual(namesIn(r), ["fifo", "fifo-link", "file", ...nodes, "socket"].sort());
  });

  Deno.test({
    name: `${profile}: a second procfs mounted inside a root is refused (mem, environ, root link)`,
    ignore: !await canUnshare(),
    async fn() {
      await using scene = await makeScene();
      const p = `${scene.rw}/p`;
      await Deno.mkdir(p);
      await using running = await startAgent(profile, scene, {
        wrap: ["unshare", "--mount", "--propagation", "private", "sh", "-c", MOUNT_PROC, "sh"]
          .concat(scene.rw),
      });
      const client = await running.connect();
      try {
        // The mount is there for the agent: its own status file is under <root>/p/<pid>.
        const pid = running.agent.pid;
        const mounted = await Deno.readTextFile(`/proc/${pid}/mountinfo`);
        assert.ok(mounted.includes(` ${p} `), "procfs is mounted in the agent's namespace");
        await assertRefused(client, profile, scene, `${p}/self/mem`, ["r", "r+"]);
        await assertRefused(client, profile, scene, `${p}/${pid}/mem`, ["r"]);
        await assertRefused(client, profile, scene, `${p}/1/environ`, ["r"]);
        await assertRefused(client, profile, scene, `${p}/self/environ`, ["r"]);
        await assertRefused(client, profile, scene, `${p}/self/root/etc/shadow`, ["r"]);
        await assertRefused(client, profile, scene, `${p}/self/fd/0`, ["r"]);
        await assertRefused(client, profile, scene, `${p}/sys/kernel/hostname`, ["r"]);
      } finally {
        client.close();
      }
      const hostMounts = await Deno.readTextFile("/proc/self/mountinfo");
      assert.ok(!hostMounts.includes(` ${p} `), "the host never saw the mount");
      assert.deepEqual(namesIn(p), [], "the host's directory stays empty");
    },
  });
}
