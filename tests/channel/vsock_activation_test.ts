/**
 * vsock-listen (QEMU's address parsing and error texts, a loopback client when the kernel has
 * one) and socket activation (`channelFromListenFd`), through the channel API, in process.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  type Channel,
  channelFromListenFd,
  ChannelOpenError,
  openChannel,
} from "../../src/channel/channel.ts";
import { strerror } from "../../src/sys/errno.ts";
import { errno, libc, readFd, writeFd } from "../../src/sys/libc.ts";
import { sockaddrIn, sockaddrUn, sockaddrVm, Socket } from "../../src/sys/structs.ts";

libc(); // opened before any test, so the resource sanitizer does not count the library
const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function closeChannel(channel: Channel): Promise<void> {
  channel.close();
  await channel.closed;
}

Deno.test("vsock-listen: QEMU's address errors, and a clean failure without vsock", async () => {
  const cases: [string, string][] = [
    ["bogus", "error parsing address 'bogus'"],
    [":5", "error parsing address ':5'"],
    ["3:", "error parsing address '3:'"],
    [`${"1".repeat(33)}:5`, `error parsing address '${"1".repeat(33)}:5'`],
    ["3:5,x", "trailing characters in address '3:5,x'"],
    [`3:${"5".repeat(33)}`, `trailing characters in address '3:${"5".repeat(33)}'`],
    ["x:5", "Failed to parse cid 'x'"],
    ["-1:5", "Failed to parse cid '-1'"],
    ["4294967296:5", "Failed to parse cid '4294967296'"],
    ["3:5 ", "Failed to parse port '5 '"],
    ["3:0x10", "Failed to parse port '0x10'"],
  ];
  for (const [path, message] of cases) {
    await assert.rejects(openChannel("vsock-listen", path), new ChannelOpenError(message), path);
  }
  // " +4294967295" (VMADDR_CID_ANY) is a valid cid for parse_uint_full. Then the kernel decides.
  try {
    await closeChannel(await openChannel("vsock-listen", " +4294967295:9999"));
  } catch (error) {
    assert.ok(error instanceof ChannelOpenError);
    assert.match(error.message, /^Failed to (create|bind) socket: [A-Z][a-z]/);
    console.log(`vsock-listen here: ${error.message}`);
  }
});

Deno.test("vsock-listen serves a client over the loopback transport (when the kernel has it)", async () => {
  const port = 20000 + Math.floor(Math.random() * 20000);
  let channel: Channel;
  try {
    channel = await openChannel("vsock-listen", `4294967295:${port}`);
  } catch (error) {
    console.log(`no vsock here: ${error instanceof Error ? error.message : error}`);
    return;
  }
  const client = libc().socket(Socket.AF_VSOCK, Socket.SOCK_STREAM | Socket.SOCK_CLOEXEC, 0);
  try {
    const local = sockaddrVm(1, port); // VMADDR_CID_LOCAL
    if (libc().connect(client, local, local.length) < 0) {
      console.log(`vsock loopback unavailable: ${strerror(errno())}`);
      return;
    }
    const request = encoder.encode("over vsock");
    assert.equal(writeFd(client, request), request.length);
    assert.equal(decoder.decode((await channel.read())!), "over vsock");
    assert.equal(await channel.write(encoder.encode("reply")), undefined);
    const buffer = new Uint8Array(16);
    assert.equal(decoder.decode(buffer.subarray(0, readFd(client, buffer))), "reply");
  } finally {
    libc().close(client);
    await closeChannel(channel);
  }
});

/** A listening AF_UNIX socket made through libc, as systemd would pass it. */
function listeningUnixFd(path: string): number {
  const fd = libc().socket(Socket.AF_UNIX, Socket.SOCK_STREAM | Socket.SOCK_CLOEXEC, 0);
  const address = sockaddrUn(encoder.encode(path));
  assert.equal(libc().bind(fd, address, address.length), 0);
  assert.equal(libc().listen(fd, 1), 0);
  return fd;
}

Deno.test("socket activation: an inherited AF_UNIX listener is served; other fds are refused", async () => {
  const path = `${await Deno.makeTempDir()}/activated.sock`;
  const channel = channelFromListenFd(listeningUnixFd(path));
  try {
    const client = await Deno.connect({ transport: "unix", path });
    await client.write(encoder.encode("activated"));
    assert.equal(decoder.decode((await channel.read())!), "activated");
    client.close();
  } finally {
    await closeChannel(channel);
  }
  const inet = libc().socket(Socket.AF_INET, Socket.SOCK_STREAM | Socket.SOCK_CLOEXEC, 0);
  const address = sockaddrIn([127, 0, 0, 1], 0);
  assert.equal(libc().bind(inet, address, address.length), 0);
  const eventfd = libc().eventfd(0, 0);
  try {
    for (const fd of [inet, eventfd]) {
      assert.throws(
        () => channelFromListenFd(fd),
        new ChannelOpenError("unsupported listen fd type"),
      );
    }
  } finally {
    libc().close(inet);
    libc().close(eventfd);
  }
});
