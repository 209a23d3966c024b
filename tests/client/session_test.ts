/**
 * The session against scripted fake agents on unix sockets: resynchronisation past stale
 * replies and garbage, late answers to earlier attempts, the messages when nothing (or a QMP
 * monitor) answers or nothing listens, reply timeouts, and the outcomes of commands without a
 * success reply.
 *
 * @module
 */

import assert from "node:assert/strict";
import { parseAddress } from "../../src/client/address.ts";
import { AgentError, ClientError, EXIT } from "../../src/client/errors.ts";
import { Session, STRAY_PREFIX } from "../../src/client/session.ts";

/** The bytes of `text`, one per character (the texts are ASCII and the sentinel 0xFF). */
function latin1(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}
const STRAY = `${STRAY_PREFIX}\\uFFFD'"}}\n`;

/**
 * What a fake agent does with one request; `send` writes raw text to the client. Returning
 * `"hang up"` closes the connection.
 */
type Script = (
  request: Record<string, unknown>,
  send: (text: string) => Promise<void>,
) => Promise<void | "hang up"> | void | "hang up";

/** A fake agent: answers 0xFF like qemu-ga and each request through `script`. */
async function fakeAgent(
  script: Script,
  greeting = "",
  tcp = false,
): Promise<{ path: string; requests: Record<string, unknown>[]; close(): Promise<void> }> {
  const dir = await Deno.makeTempDir({ prefix: "qga-client-fake-" });
  const listener: Deno.Listener = tcp
    ? Deno.listen({ hostname: "127.0.0.1", port: 0 })
    : Deno.listen({ transport: "unix", path: `${dir}/sock` });
  const path = tcp ? `tcp:127.0.0.1:${(listener.addr as Deno.NetAddr).port}` : `${dir}/sock`;
  const requests: Record<string, unknown>[] = [];
  const conns: Deno.Conn[] = [];
  const served = (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      const send = async (text: string) => {
        await conn.write(latin1(text)).catch(() => {});
      };
      if (greeting) await send(greeting);
      let pending = "";
      const buf = new Uint8Array(65536);
      while (true) {
        const n = await conn.read(buf).catch(() => null); // null also once hung up
        if (n === null) break;
        for (const byte of buf.subarray(0, n)) {
          if (byte === 0xff) {
            pending = "";
            await send(STRAY);
          } else pending += String.fromCharCode(byte);
          if (byte === 0x0a && pending.trim() !== "") {
            const request = JSON.parse(pending);
            pending = "";
            requests.push(request);
            if (await script(request, send) === "hang up") conn.close();
          }
        }
      }
    }
  })();
  return {
    path,
    requests,
    async close() {
      listener.close();
      for (const conn of conns) {
        try {
          conn.close();
        } catch {
          // Closed by the script.
        }
      }
      await served.catch(() => {});
      await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Answers sync-delimited and ping like an agent. */
function normal(request: Record<string, unknown>, send: (t: string) => Promise<void>) {
  const args = request.arguments as { id?: number } | undefined;
  if (request.execute === "guest-sync-delimited") return send(`\xff{"return": ${args!.id}}\n`);
  if (request.execute === "guest-ping") return send('{"return": {}}\n');
}

async function expectClientError(
  promise: Promise<unknown>,
  exitCode: number,
  message: RegExp,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ClientError, String(error));
    assert.equal(error.exitCode, exitCode);
    assert.match(error.message, message);
    return true;
  });
}

Deno.test("Session.open() resynchronises past stale replies and garbage left in the stream", async () => {
  let first = true;
  const agent = await fakeAgent(async (request, send) => {
    if (first && request.execute === "guest-sync-delimited") {
      first = false;
      // What an earlier client left unread, a sentinel with a foreign id, then the answer.
      await send('{"return": {}}\n{"return": 12}\n\xff{"return": 1}\n{"ret');
    }
    await normal(request, send);
  });
  try {
    const session = await Session.open(parseAddress(agent.path), 3000);
    assert.deepEqual(await session.execute("guest-ping"), {});
    await session.close();
    assert.equal(agent.requests.length, 2);
  } finally {
    await agent.close();
  }
});

Deno.test("Session.open() accepts a late answer to an earlier attempt and clears the later ones", async () => {
  const held: Record<string, unknown>[] = [];
  const agent = await fakeAgent(async (request, send) => {
    if (request.execute === "guest-sync-delimited" && held.length < 2) {
      held.push(request);
      if (held.length < 2) return; // No answer yet: the client sends another attempt.
      for (const r of held) await normal(r, send); // Both answers, in order.
      return;
    }
    await normal(request, send);
  });
  try {
    const session = await Session.open(parseAddress(agent.path), 5000);
    assert.deepEqual(await session.execute("guest-ping"), {});
    await session.close();
    // Two attempts, one final sync, the ping.
    assert.deepEqual(agent.requests.map((r) => r.execute), [
      "guest-sync-delimited",
      "guest-sync-delimited",
      "guest-sync-delimited",
      "guest-ping",
    ]);
  } finally {
    await agent.close();
  }
});

Deno.test("Session.open() reaches an agent on tcp:HOST:PORT", async () => {
  const agent = await fakeAgent(normal, "", true);
  try {
    const session = await Session.open(parseAddress(agent.path), 3000);
    assert.equal(session.where, agent.path);
    assert.deepEqual(await session.execute("guest-ping"), {});
    await session.close();
  } finally {
    await agent.close();
  }
});

Deno.test("Session.open() says why when nothing answers within the sync timeout", async () => {
  const agent = await fakeAgent(() => {});
  try {
    const start = Date.now();
    await expectClientError(
      Session.open(parseAddress(agent.path), 1500),
      EXIT.unreachable,
      /No answer from a guest agent at .*sock within 1\.5 s\..*Is the agent running in the guest/,
    );
    assert.ok(Date.now() - start < 3000);
  } finally {
    await agent.close();
  }
});

Deno.test("Session.open() recognises QEMU's monitor socket by its QMP greeting", async () => {
  const agent = await fakeAgent(() => {}, '{"QMP": {"version": {}, "capabilities": []}}\n');
  try {
    await expectClientError(
      Session.open(parseAddress(agent.path), 1200),
      EXIT.unreachable,
      /QMP greeting: that is QEMU's monitor socket/,
    );
  } finally {
    await agent.close();
  }
});

Deno.test("Session.open() names a missing socket and one nobody listens on", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await expectClientError(
      Session.open(parseAddress(`${dir}/none`), 1000),
      EXIT.unreachable,
      /Cannot connect to the agent at .*none: no socket there/,
    );
    // A socket file nobody listens on any more: its process ended without removing it.
    const code = `Deno.listen({ transport: "unix", path: ${JSON.stringify(`${dir}/stale`)} }); ` +
      "Deno.exit(0);";
    await new Deno.Command(Deno.execPath(), { args: ["eval", code] }).output();
    await expectClientError(
      Session.open(parseAddress(`${dir}/stale`), 1000),
      EXIT.unreachable,
      /nothing listens there/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Session.execute() reports an agent error by class and text, and a missing reply", async () => {
  const agent = await fakeAgent(async (request, send) => {
    if (request.execute === "guest-x") {
      await send(
        '{"error": {"class": "CommandNotFound", "desc": "The command guest-x has not been found"}}\n',
      );
    }
    await normal(request, send);
  });
  try {
    const session = await Session.open(parseAddress(agent.path), 3000);
    await assert.rejects(session.execute("guest-x"), (e: unknown) => {
      assert.ok(e instanceof AgentError);
      assert.equal(e.errorClass, "CommandNotFound");
      assert.equal(e.desc, "The command guest-x has not been found");
      return true;
    });
    await expectClientError(
      session.execute("guest-silent", undefined, 300),
      EXIT.unreachable,
      /No reply to guest-silent from the agent at .* within 0\.3 s/,
    );
    await session.close();
  } finally {
    await agent.close();
  }
});

Deno.test("Session.executeNoReply() tells an error, the agent carrying on, a close and silence apart", async () => {
  let silent = false;
  const agent = await fakeAgent(async (request, send) => {
    if (silent) return;
    switch (request.execute) {
      case "guest-fails":
        return send('{"error": {"class": "GenericError", "desc": "not supported"}}\n');
      case "guest-silent":
        silent = true; // Nor does it answer the sync that follows.
        return;
      case "guest-closes":
        return "hang up";
    }
    await normal(request, send);
  });
  try {
    const session = await Session.open(parseAddress(agent.path), 3000);
    await assert.rejects(session.executeNoReply("guest-fails", undefined, 2000), /not supported/);
    assert.equal(await session.executeNoReply("guest-done", { mode: "x" }, 2000), "answered");
    assert.equal(await session.executeNoReply("guest-closes", undefined, 2000), "closed");
    await session.close();
    const again = await Session.open(parseAddress(agent.path), 3000);
    assert.equal(await again.executeNoReply("guest-silent", undefined, 300), "silent");
    await again.close();
  } finally {
    await agent.close();
  }
});
