/**
 * The client as an operator runs it: `deno task client` with its own permission set, from a
 * directory outside the repository (relative paths are the operator's), exit codes, standard
 * input, help and usage errors, and what it says when no agent is there.
 *
 * @module
 */

import assert from "node:assert/strict";
import { runClient, runClientTask, startAgent } from "./harness.ts";

Deno.test("deno task client runs with its permission set: ping, cp with relative paths, exec status and stdin", async () => {
  const agent = await startAgent("ours");
  const cwd = await Deno.makeTempDir({ prefix: "qga-client-cwd-" });
  try {
    const ping = await runClientTask(["-s", agent.socket, "ping"], { cwd });
    assert.equal(ping.code, 0, ping.stderr);
    assert.match(ping.stdout, /^ok \(/);
    const data = crypto.getRandomValues(new Uint8Array(50_000));
    await Deno.writeFile(`${cwd}/here.bin`, data);
    const up = await runClientTask(["-s", agent.socket, "cp", "here.bin", `guest:${agent.dir}/`], {
      cwd,
    });
    assert.equal(up.code, 0, up.stderr);
    assert.deepEqual(await Deno.readFile(`${agent.dir}/here.bin`), data);
    const down = await runClientTask([
      "-s",
      agent.socket,
      "cp",
      `guest:${agent.dir}/here.bin`,
      "back.bin",
    ], {
      cwd,
    });
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(await Deno.readFile(`${cwd}/back.bin`), data);
    const exec = await runClientTask(
      ["-s", agent.socket, "exec", "--", "/bin/sh", "-c", "exit 3"],
      { cwd },
    );
    if (/not permitted by the agent's --allow-run/.test(exec.stderr)) {
      console.log(
        "    (guest-exec may not run /bin/sh in this agent's permission set; exec skipped)",
      );
    } else {
      assert.equal(exec.code, 3, exec.stderr);
      await Deno.writeTextFile(`${cwd}/input.txt`, "from stdin\n");
      const cat = await runClientTask([
        "-s",
        agent.socket,
        "exec",
        "--stdin",
        "-",
        "--",
        "/bin/cat",
      ], {
        cwd,
        stdinFile: `${cwd}/input.txt`,
      });
      assert.equal(cat.stdout, "from stdin\n", cat.stderr);
    }
  } finally {
    await agent.stop();
    await Deno.remove(cwd, { recursive: true });
  }
});

/** A TCP port that forwards each connection to a unix socket (as QEMU's TCP chardev would). */
function tcpForwarder(socket: string): { address: string; close(): void } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  (async () => {
    for await (const tcp of listener) {
      const unix = await Deno.connect({ transport: "unix", path: socket });
      conns.push(tcp, unix);
      tcp.readable.pipeTo(unix.writable).catch(() => {});
      unix.readable.pipeTo(tcp.writable).catch(() => {});
    }
  })().catch(() => {});
  return {
    address: `tcp:127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    close() {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // Closed by the pipe already.
        }
      }
    },
  };
}

Deno.test("deno task client reaches an agent over TCP", async () => {
  const agent = await startAgent("ours");
  const forwarder = tcpForwarder(agent.socket);
  try {
    const result = await runClientTask(["-s", forwarder.address, "hostname"]);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${Deno.hostname()}\n`);
  } finally {
    forwarder.close();
    await agent.stop();
  }
});

Deno.test("deno task client reaches vsock and says when nothing is there (no permission error)", async () => {
  // No vsock peer listens on CID 1 here: the connect fails in the kernel, not in Deno's sandbox.
  const result = await runClientTask(["-s", "vsock:1:47999", "--sync-timeout", "2", "ping"]);
  assert.equal(result.code, 3, result.stderr);
  assert.match(result.stderr, /^error: Cannot connect to the agent at vsock:1:47999: /);
  assert.doesNotMatch(result.stderr, /permission|--allow|unstable/i);
});

Deno.test("main() exits 3 with the address when no agent listens", async () => {
  const result = await runClient(["-s", "/nonexistent/qga.sock", "ping"]);
  assert.equal(result.code, 3);
  assert.equal(
    result.stderr,
    "error: Cannot connect to the agent at /nonexistent/qga.sock: no socket there (wrong path, " +
      "or QEMU not running) (No such file or directory (os error 2))\n",
  );
});

Deno.test("main() prints help with every command, and a command's help with its options", async () => {
  const help = await runClient(["--help"]);
  assert.equal(help.code, 0);
  for (
    const word of ["ping", "freeze-status", "exec", "cp", "raw", "vsock:CID:PORT", "Exit status"]
  ) {
    assert.ok(help.stdout.includes(word), word);
  }
  const exec = await runClient(["exec", "--help"]);
  assert.equal(exec.code, 0);
  assert.match(exec.stdout, /^Usage: deno task client \[-s ADDR\] exec \[--env NAME=VALUE\]…/);
  assert.match(exec.stdout, /--stdin FILE\|- +feed FILE/);
});

Deno.test("main() exits 2 on usage errors before connecting", async () => {
  const cases: [string[], RegExp][] = [
    [[], /No command given/],
    [["-s", "x", "fly"], /Unknown command 'fly'/],
    [["ping"], /No agent address: give -s ADDR \(or set QGA_CLIENT_ADDRESS\)/],
    [["-s", "x", "ping", "extra"], /Unexpected operand 'extra'/],
    [["-s", "x", "cp", "a", "b"], /exactly one path is guest:PATH/],
    [["-s", "x", "suspend", "moon"], /Unknown suspend mode 'moon'/],
    [["-s", "x", "shutdown", "--reboot", "--halt"], /exclude each other/],
    [["-s", "x", "time", "set", "yesterday"], /Cannot read the time 'yesterday'/],
    [["-s", "x", "exec"], /Missing the program to run/],
    [["-s", "x", "exec", "--env", "NOEQUALS", "--", "/bin/true"], /NAME=VALUE/],
    [["-s", "x", "--timeout", "0", "ping"], /positive number of seconds/],
    [["-s", "x", "raw", "{oops"], /not JSON/],
    [["-s", "tcp:host:99999", "ping"], /Invalid TCP port/],
  ];
  for (const [args, message] of cases) {
    const result = await runClient(args);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, message);
    assert.match(result.stderr, /Try 'deno task client --help'\.\n$/);
  }
});

Deno.test("main() takes the address from QGA_CLIENT_ADDRESS and drops the -- of deno task", async () => {
  const result = await runClient(["--", "ping"], {
    env: { QGA_CLIENT_ADDRESS: "/nonexistent/env.sock" },
  });
  assert.equal(result.code, 3);
  assert.match(result.stderr, /at \/nonexistent\/env\.sock: no socket there/);
});
