/**
 * The character-device channels through the channel API, in process, against a pseudo-terminal
 * stand-in (`tests/helpers/pty.ts`: the channel opens the slave, the test plays the host on the
 * master): bytes both ways, large transfers, wake-up latency after idling, a vanished host,
 * isa-serial's line setup and EOF, and open errors (spec §1.9).
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
import { libc, openFd } from "../../src/sys/libc.ts";
import { OpenFlags } from "../../src/sys/structs.ts";
import { Termios, termiosBuffer } from "../../src/sys/structs.ts";
import { sleep, within } from "../helpers/async.ts";
import { PtyMaster } from "../helpers/pty.ts";
import { assertCloseWakesRead } from "./helpers.ts";

libc(); // opened before any test, so the resource sanitizer does not count the library
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const IDLE_MS = 2000;
const MAX_LATENCY_MS = 100;

/** A channel of `method` on a fresh pty's slave. */
async function onPty(
  method: "virtio-serial" | "isa-serial",
  options?: { writeStallMs?: number },
): Promise<{ pty: PtyMaster; channel: Channel }> {
  const pty = PtyMaster.open();
  const channel = await openChannel(method, pty.slavePath, options);
  pty.releaseSlave();
  return { pty, channel };
}

async function finish(pty: PtyMaster, channel: Channel): Promise<void> {
  channel.close();
  await channel.closed;
  pty.close();
}

/** Reads from the channel until `n` bytes have arrived. */
async function readBytes(channel: Channel, n: number): Promise<Uint8Array> {
  const out = new Uint8Array(n);
  let at = 0;
  while (at < n) {
    const chunk = await channel.read();
    assert.ok(chunk !== null, `the channel ended after ${at} bytes`);
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

const ALL_BYTES = Uint8Array.from({ length: 256 }, (_, i) => i);

Deno.test("virtio-serial passes every byte value both ways", async () => {
  const { pty, channel } = await onPty("virtio-serial");
  try {
    await pty.write(ALL_BYTES);
    assert.deepEqual(await readBytes(channel, 256), ALL_BYTES);
    assert.equal(
      await channel.write(new Uint8Array([...ALL_BYTES, ...encoder.encode("END")])),
      undefined,
    );
    assert.deepEqual(
      await pty.readUntil("END"),
      new Uint8Array([...ALL_BYTES, ...encoder.encode("END")]),
    );
  } finally {
    await finish(pty, channel);
  }
});

Deno.test("virtio-serial delivers an 8 MiB write and a 1 MiB read intact", async () => {
  const { pty, channel } = await onPty("virtio-serial");
  try {
    const marker = new Uint8Array([0xff, ...encoder.encode("END")]);
    const big = new Uint8Array((8 << 20) + marker.length);
    for (let i = 0; i < 8 << 20; i++) big[i] = (i * 31 + (i >> 13)) & 0x7f;
    big.set(marker, 8 << 20);
    const writing = channel.write(big);
    const received = await pty.readUntil(marker, 60_000);
    assert.equal(await writing, undefined);
    assert.equal(received.length, big.length);
    assert.ok(received.every((b, i) => b === big[i]), "the 8 MiB write arrived altered");

    const request = big.subarray(0, 1 << 20);
    const sending = pty.write(request, 60_000);
    assert.ok((await readBytes(channel, request.length)).every((b, i) => b === request[i]));
    await sending;
  } finally {
    await finish(pty, channel);
  }
});

Deno.test("virtio-serial wakes within 100 ms for a request after 2 s idle", async () => {
  const { pty, channel } = await onPty("virtio-serial");
  const samples: number[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const reading = channel.read();
      await sleep(IDLE_MS);
      const started = performance.now();
      await pty.write(`{"execute":"guest-ping","id":${i}}`);
      assert.equal(decoder.decode((await reading)!), `{"execute":"guest-ping","id":${i}}`);
      samples.push(performance.now() - started);
    }
  } finally {
    await finish(pty, channel);
  }
  console.log(
    `latency after ${IDLE_MS} ms idle: ${samples.map((s) => s.toFixed(2)).join(", ")} ms`,
  );
  for (const ms of samples) assert.ok(ms < MAX_LATENCY_MS, `read resolved after ${ms} ms`);
});

Deno.test("virtio-serial with the host side gone: reads wait, writes fail, close still wakes", async () => {
  const { pty, channel } = await onPty("virtio-serial");
  pty.close(); // the slave is hung up now: reads give EOF, writes EIO
  const reading = channel.read();
  assert.equal(await within(reading, 1000), "pending");
  const failure = await channel.write(encoder.encode("reply"));
  assert.equal(failure?.message, "Input/output error");
  channel.close();
  assert.equal(await reading, null);
  await channel.closed;
});

Deno.test("virtio-serial drops a reply the host does not take within the stall time", async () => {
  const { pty, channel } = await onPty("virtio-serial", { writeStallMs: 500 });
  try {
    // The test's master never reads here: the pty's buffers fill up.
    const started = performance.now();
    const failure = await channel.write(new Uint8Array(4 << 20));
    assert.ok(failure instanceof WriteStallError, String(failure));
    assert.ok(performance.now() - started < 3000);
  } finally {
    await finish(pty, channel);
  }
});

Deno.test("virtio-serial on an unpollable file (/dev/null) waits without failing", async () => {
  const channel = await openChannel("virtio-serial", "/dev/null");
  const reading = channel.read();
  assert.equal(await within(reading, 400), "pending");
  assert.equal(await channel.write(encoder.encode("into the void")), undefined);
  channel.close();
  assert.equal(await reading, null);
  await channel.closed;
});

Deno.test("isa-serial sets qemu-ga's raw line mode, passes bytes, and ends at EOF", async () => {
  const { pty, channel } = await onPty("isa-serial");
  try {
    const fd = openFd(pty.slavePath, OpenFlags.O_RDWR | OpenFlags.O_NOCTTY | OpenFlags.O_CLOEXEC);
    const termios = termiosBuffer();
    assert.equal(libc().tcgetattr(fd, termios), 0);
    libc().close(fd);
    const view = new DataView(termios.buffer);
    assert.equal(view.getUint32(Termios.C_OFLAG, true), 0);
    assert.equal(view.getUint32(Termios.C_LFLAG, true), 0);
    assert.equal(view.getUint32(Termios.C_IFLAG, true) & (Termios.ICRNL | Termios.IXON), 0);
    assert.equal(view.getUint32(Termios.C_CFLAG, true) & Termios.B38400, Termios.B38400);
    assert.equal(termios[Termios.C_CC + Termios.VMIN], 1);
    assert.equal(termios[Termios.C_CC + Termios.VTIME], 0);

    await pty.write(ALL_BYTES);
    assert.deepEqual(await readBytes(channel, 256), ALL_BYTES);
    assert.equal(await channel.write(encoder.encode("line\r\nEND")), undefined);
    assert.equal(decoder.decode(await pty.readUntil("END")), "line\r\nEND");

    const reading = channel.read();
    pty.close(); // the line hangs up: EOF
    assert.equal(await within(reading, 2000), null);
    assert.equal(await channel.read(), null, "an ended isa-serial channel stays ended");
    // The agent closes the ended channel once more: that must not close a reused fd number.
    await channel.closed;
    const F_GETFD = 1;
    const reused = Array.from({ length: 8 }, () => libc().eventfd(0, 0)); // takes freed numbers
    channel.close();
    for (const fd of reused) {
      assert.ok(libc().fcntl(fd, F_GETFD, 0) >= 0, `a second close() closed fd ${fd}`);
      libc().close(fd);
    }
  } finally {
    await finish(pty, channel);
  }
});

Deno.test("port open errors carry qemu-ga's text", async () => {
  for (const method of ["virtio-serial", "isa-serial"]) {
    await assert.rejects(
      openChannel(method, "/nonexistent/port"),
      new ChannelOpenError("error opening channel '/nonexistent/port': No such file or directory"),
    );
  }
});

Deno.test({
  name: "port close() wakes a pending read (null) and leaves no pending op or resource",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const { pty, channel } = await onPty("virtio-serial");
    await assertCloseWakesRead(channel);
    pty.close();
  },
});
