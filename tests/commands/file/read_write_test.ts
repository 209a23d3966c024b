/**
 * guest-file-read / -write / -seek / -flush / -close: stdio semantics, argument checks in
 * qemu-ga's order, and every error path (texts verified against qemu-ga 7.2).
 *
 * @module
 */

import assert from "node:assert/strict";
import { INT64_MAX } from "../../../src/qobject/value.ts";
import { b64, fixture, plain, qgaError } from "./helpers.ts";

const NOT_FOUND = qgaError("handle '4242' has not been found");

Deno.test("guest-file-read returns eof only after a short read", async () => {
  await using fx = await fixture();
  const path = `${fx.dir}/ten`;
  await Deno.writeTextFile(path, "0123456789");
  const handle = await fx.h["guest-file-open"]({ path }, fx.ctx);
  const read = (count?: bigint) =>
    fx.h["guest-file-read"](count === undefined ? { handle } : { handle, count }, fx.ctx);
  assert.deepEqual(await read(10n), {
    count: 10n,
    "buf-b64": plain(b64("0123456789")),
    eof: false,
  });
  assert.deepEqual(await read(10n), { count: 0n, "buf-b64": plain(""), eof: true });
  assert.deepEqual(
    await read(10n),
    { count: 0n, "buf-b64": plain(""), eof: true },
    "EOF is not sticky",
  );
  await fx.h["guest-file-seek"]({ handle, offset: 4n, whence: 0n }, fx.ctx);
  assert.deepEqual(await read(0n), { count: 0n, "buf-b64": plain(""), eof: false });
  assert.deepEqual(await read(3n), { count: 3n, "buf-b64": plain(b64("456")), eof: false });
  assert.deepEqual(await read(), { count: 3n, "buf-b64": plain(b64("789")), eof: true });
  await fx.h["guest-file-seek"]({ handle, offset: 0n, whence: "set" }, fx.ctx);
  assert.deepEqual(await read(50331648n), {
    count: 10n,
    "buf-b64": plain(b64("0123456789")),
    eof: true,
  });
});

Deno.test("guest-file-read checks the handle, then the count", async () => {
  await using fx = await fixture();
  const path = `${fx.dir}/f`;
  await Deno.writeTextFile(path, "abc");
  const handle = await fx.h["guest-file-open"]({ path }, fx.ctx);
  const read = fx.h["guest-file-read"];
  await assert.rejects(read({ handle: 4242n, count: -1n }, fx.ctx), NOT_FOUND);
  for (const count of [-1n, 50331649n, -(2n ** 63n), 2n ** 63n - 1n]) {
    await assert.rejects(
      read({ handle, count }, fx.ctx),
      qgaError(`value '${count}' is invalid for argument count`),
    );
  }
});

Deno.test("guest-file-read fails on write-only handles and directories", async () => {
  await using fx = await fixture();
  const w = await fx.h["guest-file-open"]({ path: `${fx.dir}/w`, mode: "w" }, fx.ctx);
  const a = await fx.h["guest-file-open"]({ path: `${fx.dir}/w`, mode: "a" }, fx.ctx);
  const d = await fx.h["guest-file-open"]({ path: fx.dir, mode: "r" }, fx.ctx);
  for (const handle of [w, a]) {
    await assert.rejects(
      fx.h["guest-file-read"]({ handle }, fx.ctx),
      qgaError("failed to read file: Bad file descriptor"),
    );
    // count 0 never calls read(2): no error, as with fread(..., 0).
    assert.deepEqual(await fx.h["guest-file-read"]({ handle, count: 0n }, fx.ctx), {
      count: 0n,
      "buf-b64": plain(""),
      eof: false,
    });
  }
  await assert.rejects(
    fx.h["guest-file-read"]({ handle: d }, fx.ctx),
    qgaError("failed to read file: Is a directory"),
  );
  assert.deepEqual(fx.audit.filter((l) => l.includes("failed")), [
    `guest-file-write failed, handle: ${w}`,
    `guest-file-write failed, handle: ${a}`,
    `guest-file-write failed, handle: ${d}`,
  ]);
});

Deno.test("guest-file-write checks handle, base64 and count in order and writes nothing on error", async () => {
  await using fx = await fixture();
  const path = `${fx.dir}/f`;
  const handle = await fx.h["guest-file-open"]({ path, mode: "w" }, fx.ctx);
  const write = fx.h["guest-file-write"];
  await assert.rejects(write({ handle: 4242n, "buf-b64": "!!!" }, fx.ctx), NOT_FOUND);
  await assert.rejects(
    write({ handle, "buf-b64": "!!!", count: -1n }, fx.ctx),
    qgaError("Base64 data contains invalid characters"),
  );
  await assert.rejects(
    write({ handle, "buf-b64": "QUJD", count: 4n }, fx.ctx),
    qgaError("value '4' is invalid for argument count"),
  );
  await assert.rejects(
    write({ handle, "buf-b64": "QUJD", count: -1n }, fx.ctx),
    qgaError("value '-1' is invalid for argument count"),
  );
  assert.equal((await Deno.stat(path)).size, 0);
  assert.deepEqual(await write({ handle, "buf-b64": "QUJD", count: 2n }, fx.ctx), {
    count: 2n,
    eof: false,
  });
  assert.deepEqual(await write({ handle, "buf-b64": "", count: 0n }, fx.ctx), {
    count: 0n,
    eof: false,
  });
  assert.deepEqual(await write({ handle, "buf-b64": "aGVsbG8" }, fx.ctx), {
    count: 3n,
    eof: false,
  });
  assert.equal(await Deno.readTextFile(path), "ABhel");
});

Deno.test("guest-file-write fails with Bad file descriptor on read-only handles", async () => {
  await using fx = await fixture();
  const path = `${fx.dir}/f`;
  await Deno.writeTextFile(path, "abc");
  const handle = await fx.h["guest-file-open"]({ path, mode: "rb" }, fx.ctx);
  await assert.rejects(
    fx.h["guest-file-write"]({ handle, "buf-b64": "QUJD" }, fx.ctx),
    qgaError("failed to write to file: Bad file descriptor"),
  );
  // Nothing to write: fwrite(..., 0) succeeds even on a read-only stream.
  assert.deepEqual(await fx.h["guest-file-write"]({ handle, "buf-b64": "" }, fx.ctx), {
    count: 0n,
    eof: false,
  });
  assert.deepEqual(fx.audit.at(-1), `guest-file-write failed, handle: ${handle}`);
});

Deno.test("guest-file-seek checks handle then whence, and reports lseek errors", async () => {
  await using fx = await fixture();
  const path = `${fx.dir}/f`;
  await Deno.writeTextFile(path, "Hello World!\n\0");
  const handle = await fx.h["guest-file-open"]({ path, mode: "r+" }, fx.ctx);
  const seek = fx.h["guest-file-seek"];
  await assert.rejects(seek({ handle: 4242n, offset: 0n, whence: 9n }, fx.ctx), NOT_FOUND);
  for (const whence of [3n, -1n, 9223372036854775807n]) {
    await assert.rejects(
      seek({ handle, offset: 0n, whence }, fx.ctx),
      qgaError(`invalid whence code ${whence}`),
    );
  }
  const EINVAL = qgaError("failed to seek file: Invalid argument");
  await assert.rejects(seek({ handle, offset: -1n, whence: "set" }, fx.ctx), EINVAL);
  await assert.rejects(seek({ handle, offset: -100n, whence: 1n }, fx.ctx), EINVAL);
  await assert.rejects(seek({ handle, offset: 2n ** 63n - 1n, whence: "end" }, fx.ctx), EINVAL);
  assert.deepEqual(await seek({ handle, offset: 3n, whence: 0n }, fx.ctx), {
    position: 3n,
    eof: false,
  });
  assert.deepEqual(await seek({ handle, offset: 2n, whence: "cur" }, fx.ctx), {
    position: 5n,
    eof: false,
  });
  assert.deepEqual(await seek({ handle, offset: 100n, whence: 2n }, fx.ctx), {
    position: 114n,
    eof: false,
  });
  await fx.h["guest-file-write"]({ handle, "buf-b64": "IQ==" }, fx.ctx);
  const data = await Deno.readFile(path);
  assert.equal(data.length, 115);
  assert.deepEqual(data.subarray(14, 114), new Uint8Array(100), "the gap is a hole of zeros");
  assert.equal(data[114], 0x21);
});

Deno.test("guest-file-seek takes and reports int64 offsets beyond 2^53 exactly (tmpfs)", async (t) => {
  // ext4 caps offsets at 16 TiB; tmpfs accepts any int64 offset.
  const shm = "/dev/shm";
  if (!await Deno.stat(shm).then((s) => s.isDirectory, () => false)) return void t.name;
  await using fx = await fixture();
  const path = `${shm}/qga-file-test-${crypto.randomUUID()}`;
  try {
    const handle = await fx.h["guest-file-open"]({ path, mode: "w+" }, fx.ctx);
    const seek = (offset: bigint, whence: bigint) =>
      fx.h["guest-file-seek"]({ handle, offset, whence }, fx.ctx);
    const max = 2n ** 53n - 1n;
    assert.equal((await seek(max, 0n)).position, max);
    assert.equal((await seek(2n, 1n)).position, 2n ** 53n + 1n);
    assert.equal((await seek(max, 1n)).position, 2n ** 54n);
    await fx.h["guest-file-write"]({ handle, "buf-b64": b64("x") }, fx.ctx);
    assert.equal((await seek(0n, 1n)).position, 2n ** 54n + 1n);
    assert.equal((await seek(-max, 1n)).position, 2n ** 53n + 2n);
    // lseek's int64 in and out: any offset tmpfs accepts is reported exactly.
    assert.equal((await seek(2n ** 62n + 7n, 0n)).position, 2n ** 62n + 7n);
    assert.equal((await seek(INT64_MAX, 0n)).position, INT64_MAX);
    const EINVAL = qgaError("failed to seek file: Invalid argument");
    await assert.rejects(seek(1n, 1n), EINVAL, "past INT64_MAX");
    await assert.rejects(seek(-(2n ** 63n), 0n), EINVAL);
    assert.equal((await seek(0n, 1n)).position, INT64_MAX, "a refused seek moves nothing");
  } finally {
    await fx.table.closeAll();
    await Deno.remove(path);
  }
});

Deno.test("guest-file-seek beyond ext4's largest offset fails with EINVAL and moves nothing", async () => {
  await using fx = await fixture();
  const handle = await fx.h["guest-file-open"]({ path: `${fx.dir}/sparse`, mode: "w+" }, fx.ctx);
  const seek = (offset: bigint, whence: bigint) =>
    fx.h["guest-file-seek"]({ handle, offset, whence }, fx.ctx);
  assert.equal((await seek(2n ** 40n, 0n)).position, 2n ** 40n);
  const fsType = new TextDecoder().decode(
    (await new Deno.Command("stat", { args: ["-f", "-c", "%T", fx.dir], stdout: "piped" }).output())
      .stdout,
  ).trim();
  if (fsType !== "ext2/ext3") return; // ext4 reports itself so; tmpfs, xfs, btrfs differ
  await assert.rejects(seek(2n ** 62n, 0n), qgaError("failed to seek file: Invalid argument"));
  assert.equal((await seek(0n, 1n)).position, 2n ** 40n);
});

Deno.test("guest-file-open mode a appends every write and reports stdio positions", async () => {
  await using fx = await fixture();
  const path = `${fx.dir}/log`;
  await Deno.writeTextFile(path, "hello world\n");
  const pos = async (handle: bigint) =>
    (await fx.h["guest-file-seek"]({ handle, offset: 0n, whence: "cur" }, fx.ctx)).position;
  const a = await fx.h["guest-file-open"]({ path, mode: "a" }, fx.ctx);
  assert.equal(await pos(a), 0n, "before the first write");
  await fx.h["guest-file-write"]({ handle: a, "buf-b64": b64("ABC") }, fx.ctx);
  assert.equal(await pos(a), 15n);
  await fx.h["guest-file-seek"]({ handle: a, offset: 2n, whence: "set" }, fx.ctx);
  await fx.h["guest-file-write"]({ handle: a, "buf-b64": b64("DEF") }, fx.ctx);
  assert.equal(await pos(a), 18n);
  await fx.h["guest-file-close"]({ handle: a }, fx.ctx);

  const ap = await fx.h["guest-file-open"]({ path, mode: "a+b" }, fx.ctx);
  const read = (count: bigint) => fx.h["guest-file-read"]({ handle: ap, count }, fx.ctx);
  assert.deepEqual(await read(5n), { count: 5n, "buf-b64": plain(b64("hello")), eof: false });
  await fx.h["guest-file-write"]({ handle: ap, "buf-b64": b64("GHI") }, fx.ctx);
  assert.equal(await pos(ap), 21n);
  assert.deepEqual(await read(5n), { count: 0n, "buf-b64": plain(""), eof: true });
  assert.equal(await Deno.readTextFile(path), "hello world\nABCDEFGHI");
});

Deno.test("guest-file-flush and guest-file-close check the handle", async () => {
  await using fx = await fixture();
  await assert.rejects(fx.h["guest-file-flush"]({ handle: 4242n }, fx.ctx), NOT_FOUND);
  await assert.rejects(fx.h["guest-file-close"]({ handle: 4242n }, fx.ctx), NOT_FOUND);
  const handle = await fx.h["guest-file-open"]({ path: `${fx.dir}/f`, mode: "w" }, fx.ctx);
  await fx.h["guest-file-write"]({ handle, "buf-b64": b64("data") }, fx.ctx);
  assert.equal(await fx.h["guest-file-flush"]({ handle }, fx.ctx), undefined);
  assert.equal(await Deno.readTextFile(`${fx.dir}/f`), "data");
  assert.equal(await fx.h["guest-file-close"]({ handle }, fx.ctx), undefined);
  assert.equal(fx.table.size, 0);
  await assert.rejects(
    fx.h["guest-file-close"]({ handle }, fx.ctx),
    qgaError(`handle '${handle}' has not been found`),
  );
  await assert.rejects(
    fx.h["guest-file-read"]({ handle }, fx.ctx),
    qgaError(`handle '${handle}' has not been found`),
  );
});

Deno.test("guest-file-* move a 32 MiB file in 1 MiB chunks intact", async () => {
  await using fx = await fixture();
  const size = 32 << 20;
  const chunk = 1 << 20;
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));
  const path = `${fx.dir}/big`;
  const w = await fx.h["guest-file-open"]({ path, mode: "wb" }, fx.ctx);
  for (let off = 0; off < size; off += chunk) {
    const text = data.subarray(off, off + chunk).toBase64();
    const r = await fx.h["guest-file-write"]({ handle: w, "buf-b64": text }, fx.ctx);
    assert.equal(r.count, BigInt(chunk));
  }
  await fx.h["guest-file-close"]({ handle: w }, fx.ctx);
  const r = await fx.h["guest-file-open"]({ path, mode: "rb" }, fx.ctx);
  const back = new Uint8Array(size);
  let off = 0;
  for (;;) {
    const got = await fx.h["guest-file-read"]({ handle: r, count: BigInt(chunk) }, fx.ctx);
    back.set(Uint8Array.fromBase64(got["buf-b64"].text), off);
    off += Number(got.count);
    if (got.eof) break;
  }
  assert.equal(off, size);
  assert.ok(back.every((b, i) => b === data[i]));
});

Deno.test("guest-file-* interleave reads and writes on r+ like qemu-ga's stdio", async () => {
  await using fx = await fixture();
  const path = `${fx.dir}/rp`;
  await Deno.writeTextFile(path, "0123456789");
  const handle = await fx.h["guest-file-open"]({ path, mode: "r+" }, fx.ctx);
  const read = (count?: bigint) =>
    fx.h["guest-file-read"](count === undefined ? { handle } : { handle, count }, fx.ctx);
  const write = (s: string) => fx.h["guest-file-write"]({ handle, "buf-b64": b64(s) }, fx.ctx);
  const seek = (offset: bigint, whence: "cur" | "end") =>
    fx.h["guest-file-seek"]({ handle, offset, whence }, fx.ctx);
  assert.deepEqual(await read(2n), { count: 2n, "buf-b64": plain(b64("01")), eof: false });
  assert.deepEqual(await write("AB"), { count: 2n, eof: false });
  assert.deepEqual(await read(2n), { count: 2n, "buf-b64": plain(b64("45")), eof: false });
  assert.deepEqual(await seek(0n, "cur"), { position: 6n, eof: false });
  await write("CD");
  assert.deepEqual(await seek(-3n, "end"), { position: 7n, eof: false });
  assert.deepEqual(await read(), { count: 3n, "buf-b64": plain(b64("D89")), eof: true });
  assert.equal(await Deno.readTextFile(path), "01AB45CD89");
});
