/**
 * unix-listen through the channel API, in process (spec §1.9): one client at a time with
 * transparent accept, qemu-ga's open errors, large and stalled writes, and close() waking a
 * pending read without leaving worker calls behind.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  type Channel,
  ChannelOpenError,
  openChannel,
  WriteStallError,
} from "../../src/channel/channel.ts";
import { libc } from "../../src/sys/libc.ts";
import { sleep, within } from "../helpers/async.ts";
import { assertCloseWakesRead } from "./helpers.ts";

libc(); // opened before any test, so the resource sanitizer does not count the library
const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** How long "nothing arrives" is waited for. */
const QUIET_MS = 300;

async function closeChannel(channel: Channel): Promise<void> {
  channel.close();
  await channel.closed;
}

async function readText(conn: Deno.Conn, bytes: number): Promise<string> {
  const buffer = new Uint8Array(bytes);
  let at = 0;
  while (at < bytes) {
    const n = await conn.read(buffer.subarray(at));
    if (n === null) break;
    at += n;
  }
  return decoder.decode(buffer.subarray(0, at));
}

async function unixChannel(dir?: string): Promise<{ channel: Channel; path: string }> {
  const path = `${dir ?? await Deno.makeTempDir()}/qga.sock`;
  return { channel: await openChannel("unix-listen", path), path };
}

Deno.test("unix-listen serves sequential clients; the socket file stays after close", async () => {
  const { channel, path } = await unixChannel();
  try {
    for (const name of ["first", "second"]) {
      const client = await Deno.connect({ transport: "unix", path });
      await client.write(encoder.encode(name));
      assert.equal(decoder.decode((await channel.read())!), name);
      assert.equal(await channel.write(encoder.encode(`reply to ${name}`)), undefined);
      assert.equal(await readText(client, `reply to ${name}`.length), `reply to ${name}`);
      client.close();
    }
  } finally {
    await closeChannel(channel);
  }
  assert.ok((await Deno.lstat(path)).isSocket, "the socket file was removed");
});

Deno.test("unix-listen: a second client waits until the first hangs up", async () => {
  const { channel, path } = await unixChannel();
  const first = await Deno.connect({ transport: "unix", path });
  const second = await Deno.connect({ transport: "unix", path }); // held by the backlog
  try {
    await first.write(encoder.encode("one"));
    assert.equal(decoder.decode((await channel.read())!), "one");
    await second.write(encoder.encode("two"));
    const next = channel.read();
    assert.equal(await within(next, QUIET_MS), "pending", "the second client was served early");
    await first.write(encoder.encode("more"));
    assert.equal(decoder.decode((await next)!), "more");
    first.close();
    assert.equal(decoder.decode((await channel.read())!), "two");
    assert.equal(await channel.write(encoder.encode("to two")), undefined);
    assert.equal(await readText(second, 6), "to two");
  } finally {
    second.close();
    await closeChannel(channel);
  }
});

Deno.test("unix-listen: a hung-up client's reply fails with EPIPE, the next client is served", async () => {
  const { channel, path } = await unixChannel();
  try {
    const gone = await Deno.connect({ transport: "unix", path });
    await gone.write(encoder.encode("request"));
    gone.close();
    assert.equal(decoder.decode((await channel.read())!), "request");
    const failure = await channel.write(encoder.encode("reply"));
    assert.equal(failure?.message, "Broken pipe");
    const next = await Deno.connect({ transport: "unix", path });
    await next.write(encoder.encode("next"));
    assert.equal(decoder.decode((await channel.read())!), "next");
    next.close();
  } finally {
    await closeChannel(channel);
  }
});

Deno.test("unix-listen unlinks a stale socket at the path, never a file", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/qga.sock`, "not a socket");
  await assert.rejects(
    openChannel("unix-listen", `${dir}/qga.sock`),
    new ChannelOpenError(`Failed to bind socket to ${dir}/qga.sock: Address already in use`),
  );
  assert.equal(await Deno.readTextFile(`${dir}/qga.sock`), "not a socket");
  await Deno.remove(`${dir}/qga.sock`);
  const first = await unixChannel(dir);
  await closeChannel(first.channel); // leaves a socket file nobody listens on
  const { channel, path } = await unixChannel(dir);
  try {
    const client = await Deno.connect({ transport: "unix", path });
    await client.write(encoder.encode("hi"));
    assert.equal(decoder.decode((await channel.read())!), "hi");
    client.close();
  } finally {
    await closeChannel(channel);
  }
});

Deno.test("unix-listen open errors carry qemu-ga's texts", async () => {
  const dir = await Deno.makeTempDir();
  const long = `${dir}/${"a".repeat(109 - dir.length - 1)}`;
  await assert.rejects(
    openChannel("unix-listen", long),
    new ChannelOpenError(`UNIX socket path '${long}' is too long`),
  );
  const exact = `${dir}/${"b".repeat(108 - dir.length - 1)}`;
  await closeChannel(await openChannel("unix-listen", exact)); // 108 bytes: no NUL, accepted
  await assert.rejects(
    openChannel("unix-listen", `${dir}/missing/qga.sock`),
    new ChannelOpenError(
      `Failed to bind socket to ${dir}/missing/qga.sock: No such file or directory`,
    ),
  );
  await Deno.mkdir(`${dir}/sub`);
  // qemu-ga would try to unlink the directory (`Failed to unlink socket …: Is a directory`);
  // qga-deno removes nothing but a stale socket, and bind() then refuses the path.
  await assert.rejects(
    openChannel("unix-listen", `${dir}/sub`),
    new ChannelOpenError(`Failed to bind socket to ${dir}/sub: Address already in use`),
  );
  await assert.rejects(
    openChannel("tcp-listen", "x"),
    new ChannelOpenError("unsupported channel method/type: tcp-listen"),
  );
});

Deno.test("unix-listen with an empty path binds <TMPDIR>/qemu-socket-XXXXXX, as QEMU", async () => {
  const dir = await Deno.makeTempDir();
  const saved = Deno.env.get("TMPDIR");
  Deno.env.set("TMPDIR", dir);
  try {
    await closeChannel(await openChannel("unix-listen", ""));
  } finally {
    if (saved === undefined) Deno.env.delete("TMPDIR");
    else Deno.env.set("TMPDIR", saved);
  }
  const names = [...Deno.readDirSync(dir)].map((e) => e.name);
  assert.equal(names.length, 1);
  assert.match(names[0]!, /^qemu-socket-[A-Za-z0-9]{6}$/);
  assert.ok(Deno.lstatSync(`${dir}/${names[0]}`).isSocket);
});

Deno.test("unix-listen writes a 64 MiB reply completely and in order", async () => {
  const { channel, path } = await unixChannel();
  const client = await Deno.connect({ transport: "unix", path });
  try {
    await client.write(encoder.encode("big"));
    await channel.read();
    const reply = new Uint8Array(64 << 20);
    for (let i = 0; i < reply.length; i += 4096) {
      reply[i] = (i >> 12) & 0xff, reply[i + 1] = i >> 24;
    }
    const writing = channel.write(reply);
    const received = new Uint8Array(reply.length);
    let at = 0;
    while (at < received.length) {
      const n = await client.read(received.subarray(at));
      assert.notEqual(n, null, `EOF after ${at} bytes`);
      at += n!;
      if (at < 1 << 20) await sleep(1); // a slow reader at first: the writer must wait, not fail
    }
    assert.equal(await writing, undefined);
    assert.ok(received.every((b, i) => b === reply[i]), "the reply arrived altered");
  } finally {
    client.close();
    await closeChannel(channel);
  }
});

Deno.test("unix-listen drops a client that stops reading, then serves the next", async () => {
  const path = `${await Deno.makeTempDir()}/qga.sock`;
  const channel = await openChannel("unix-listen", path, { writeStallMs: 500 });
  const stuck = await Deno.connect({ transport: "unix", path });
  try {
    await stuck.write(encoder.encode("request"));
    await channel.read();
    const started = performance.now();
    const failure = await channel.write(new Uint8Array(8 << 20));
    const took = performance.now() - started;
    assert.ok(failure instanceof WriteStallError, String(failure));
    assert.ok(took >= 500 && took < 3000, `gave up after ${took} ms`);
    const next = await Deno.connect({ transport: "unix", path });
    await next.write(encoder.encode("next"));
    assert.equal(decoder.decode((await channel.read())!), "next");
    next.close();
  } finally {
    stuck.close();
    await closeChannel(channel);
  }
});

Deno.test({
  name: "close() wakes a pending read (null) and leaves no pending op or resource",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const { channel } = await unixChannel();
    await assertCloseWakesRead(channel);
    assert.equal(await channel.read(), null);
    assert.ok((await channel.write(encoder.encode("x"))) instanceof Error);
  },
});
