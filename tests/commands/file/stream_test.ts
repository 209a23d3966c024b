/**
 * guest-file-* on FIFOs and character devices: opened non-blocking like qemu-ga, so the agent
 * never hangs on a pipe without a peer (replies verified against qemu-ga 7.2).
 *
 * @module
 */

import assert from "node:assert/strict";
import { b64, fixture, plain, qgaError } from "./helpers.ts";

async function mkfifo(path: string): Promise<void> {
  const out = await new Deno.Command("mkfifo", { args: [path] }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
}

Deno.test("guest-file-open on a FIFO without a peer answers at once", async () => {
  await using fx = await fixture();
  const path = `${fx.dir}/fifo`;
  await mkfifo(path);
  await assert.rejects(
    fx.h["guest-file-open"]({ path, mode: "w" }, fx.ctx),
    qgaError(`failed to open file '${path}' (mode: 'w'): No such device or address`),
  );
  const handle = await fx.h["guest-file-open"]({ path, mode: "r" }, fx.ctx);
  assert.equal(handle, 1000n);
  assert.deepEqual(await fx.h["guest-file-read"]({ handle }, fx.ctx), {
    count: 0n,
    "buf-b64": plain(""),
    eof: true,
  });
  await assert.rejects(
    fx.h["guest-file-seek"]({ handle, offset: 0n, whence: "cur" }, fx.ctx),
    qgaError("failed to seek file: Illegal seek"),
  );
  await assert.rejects(
    fx.h["guest-file-write"]({ handle, "buf-b64": "QUJD" }, fx.ctx),
    qgaError("failed to write to file: Bad file descriptor"),
  );
  await fx.h["guest-file-flush"]({ handle }, fx.ctx);
  await fx.h["guest-file-close"]({ handle }, fx.ctx);
});

Deno.test("guest-file-read on a FIFO fails with EAGAIN while a writer has nothing more", async () => {
  await using fx = await fixture();
  const path = `${fx.dir}/fifo`;
  await mkfifo(path);
  const r = await fx.h["guest-file-open"]({ path, mode: "r" }, fx.ctx);
  const w = await fx.h["guest-file-open"]({ path, mode: "w" }, fx.ctx);
  const EAGAIN = qgaError("failed to read file: Resource temporarily unavailable");
  await assert.rejects(fx.h["guest-file-read"]({ handle: r }, fx.ctx), EAGAIN);
  await fx.h["guest-file-write"]({ handle: w, "buf-b64": b64("abcdef") }, fx.ctx);
  assert.deepEqual(await fx.h["guest-file-read"]({ handle: r, count: 2n }, fx.ctx), {
    count: 2n,
    "buf-b64": plain(b64("ab")),
    eof: false,
  });
  // fread() wants 4096 bytes: EAGAIN after "cdef" fails the whole read, as in qemu-ga.
  await assert.rejects(fx.h["guest-file-read"]({ handle: r }, fx.ctx), EAGAIN);
  await fx.h["guest-file-close"]({ handle: w }, fx.ctx);
  assert.deepEqual(await fx.h["guest-file-read"]({ handle: r }, fx.ctx), {
    count: 0n,
    "buf-b64": plain(""),
    eof: true,
  });
});

Deno.test("guest-file-open r+ on a FIFO reads back its own writes", async () => {
  await using fx = await fixture();
  const path = `${fx.dir}/fifo`;
  await mkfifo(path);
  const handle = await fx.h["guest-file-open"]({ path, mode: "r+" }, fx.ctx);
  await fx.h["guest-file-write"]({ handle, "buf-b64": "QUJD" }, fx.ctx);
  assert.deepEqual(await fx.h["guest-file-read"]({ handle, count: 3n }, fx.ctx), {
    count: 3n,
    "buf-b64": plain("QUJD"),
    eof: false,
  });
  await assert.rejects(
    fx.h["guest-file-read"]({ handle, count: 3n }, fx.ctx),
    qgaError("failed to read file: Resource temporarily unavailable"),
  );
});

Deno.test("guest-file-* work on character devices such as /dev/null and /dev/zero", async () => {
  await using fx = await fixture();
  const n = await fx.h["guest-file-open"]({ path: "/dev/null", mode: "r+" }, fx.ctx);
  assert.deepEqual(await fx.h["guest-file-read"]({ handle: n }, fx.ctx), {
    count: 0n,
    "buf-b64": plain(""),
    eof: true,
  });
  assert.deepEqual(
    await fx.h["guest-file-write"]({ handle: n, "buf-b64": "QUJD" }, fx.ctx),
    {
      count: 3n,
      eof: false,
    },
  );
  const z = await fx.h["guest-file-open"]({ path: "/dev/zero" }, fx.ctx);
  assert.deepEqual(await fx.h["guest-file-read"]({ handle: z, count: 3n }, fx.ctx), {
    count: 3n,
    "buf-b64": plain("AAAA"),
    eof: false,
  });
});

Deno.test("guest-file-seek on /dev/null answers position 0, as qemu-ga's lseek does", async () => {
  await using fx = await fixture();
  const handle = await fx.h["guest-file-open"]({ path: "/dev/null", mode: "w" }, fx.ctx);
  for (const [offset, whence] of [[0n, 1n], [100n, 0n], [-5n, 2n]] as const) {
    assert.deepEqual(
      await fx.h["guest-file-seek"]({ handle, offset, whence }, fx.ctx),
      { position: 0n, eof: false },
    );
  }
});

Deno.test("guest-file-open reaches /proc and /sys as qemu-ga does (profile full)", async () => {
  await using fx = await fixture();
  const status = await fx.h["guest-file-open"]({ path: "/proc/self/status" }, fx.ctx);
  const read = await fx.h["guest-file-read"]({ handle: status, count: 5n }, fx.ctx);
  assert.equal(read["buf-b64"].text, b64("Name:"));
  const ostype = await fx.h["guest-file-open"]({ path: "/proc/sys/kernel/ostype" }, fx.ctx);
  assert.equal(
    (await fx.h["guest-file-read"]({ handle: ostype }, fx.ctx))["buf-b64"].text,
    b64("Linux\n"),
  );
  const sys = await fx.h["guest-file-open"]({ path: "/sys/devices/system/cpu/online" }, fx.ctx);
  const online = await fx.h["guest-file-read"]({ handle: sys }, fx.ctx);
  assert.match(atob(online["buf-b64"].text), /^0(-\d+)?(,\d+(-\d+)?)*\n$/);
});
