/**
 * The libc FFI layer: errno and glibc's strerror texts, OsError, the libc path order, and the
 * struct layouts of `src/sys/structs.ts` checked against the running kernel (epoll_event packing,
 * sigaction, utsname, timespec, sockaddr_un).
 *
 * @module
 */

import assert from "node:assert/strict";
import { Errno, errnoName, strerror } from "../../src/sys/errno.ts";
import { check, closeFd, libc, libcCandidates, openFd } from "../../src/sys/libc.ts";
import { OsError } from "../../src/sys/os_error.ts";
import { clockNs, setSignalDisposition, signalDisposition, uname } from "../../src/sys/posix.ts";
import { lazyLibc } from "../helpers/libc.ts";
import {
  Clock,
  Epoll,
  EPOLL_EVENT_SIZE,
  epollEvent,
  OpenFlags,
  readEpollEvent,
  Sigaction,
  sockaddrUn,
  SUN_PATH_MAX,
} from "../../src/sys/structs.ts";

/** The exception `fn` throws (fails when it returns). */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  assert.fail("no exception");
}

Deno.test("strerror gives glibc's English texts", () => {
  assert.equal(strerror(Errno.ENOENT), "No such file or directory");
  assert.equal(strerror(Errno.EIO), "Input/output error");
  assert.equal(strerror(Errno.EAGAIN), "Resource temporarily unavailable");
  assert.equal(strerror(Errno.EAFNOSUPPORT), "Address family not supported by protocol");
  assert.equal(strerror(Errno.EOPNOTSUPP), "Operation not supported");
  assert.equal(strerror(Errno.ENOTTY), "Inappropriate ioctl for device");
  assert.equal(strerror(Errno.EPIPE), "Broken pipe");
  assert.equal(strerror(Errno.EBUSY), "Device or resource busy");
  assert.equal(strerror(Errno.EINVAL), "Invalid argument");
  assert.equal(strerror(Errno.EINTR), "Interrupted system call");
});

Deno.test("strerror() has glibc's text for every errno, as the running libc prints it", () => {
  const glibc = lazyLibc({
    __errno_location: { parameters: [], result: "pointer" },
    strerror: { parameters: ["i32"], result: "pointer" },
  });
  for (let value = 0; value <= 140; value++) {
    const p = glibc.symbols().strerror(value);
    assert.equal(strerror(value), Deno.UnsafePointerView.getCString(p!), `errno ${value}`);
  }
});

Deno.test("errno names follow <asm-generic/errno.h>", () => {
  for (const [name, value] of Object.entries(Errno)) {
    if (name === "EWOULDBLOCK" || name === "ENOTSUP" || name === "EDEADLOCK") continue; // aliases
    assert.equal(errnoName(value), name);
  }
  assert.equal(errnoName(41), "E41");
  assert.equal(errnoName(58), "E58");
  assert.equal(errnoName(133), "EHWPOISON");
  assert.equal(errnoName(134), "E134");
});

Deno.test("a failed call throws OsError with errno, code, call and strerror text", () => {
  const error = thrown(() => openFd("/nonexistent/qga", OpenFlags.O_RDONLY));
  assert.ok(error instanceof OsError);
  assert.ok(error instanceof Error);
  assert.equal(error.errno, Errno.ENOENT);
  assert.equal(error.code, "ENOENT");
  assert.equal(error.call, "open");
  assert.equal(error.message, "No such file or directory");
  const bad = thrown(() => check("close", libc().close(-1)));
  assert.ok(bad instanceof OsError);
  assert.equal(bad.code, "EBADF");
  assert.equal(bad.message, "Bad file descriptor");
});

Deno.test("libc candidates put the running architecture's multiarch path first", () => {
  assert.equal(libcCandidates("x86_64")[0], "/lib/x86_64-linux-gnu/libc.so.6");
  assert.equal(libcCandidates("aarch64")[0], "/lib/aarch64-linux-gnu/libc.so.6");
  assert.ok(!libcCandidates("aarch64").includes("/lib/x86_64-linux-gnu/libc.so.6"));
  assert.ok(libcCandidates("x86_64").includes("/lib64/libc.so.6"));
});

Deno.test("struct epoll_event layout matches the kernel's (packed on x86_64)", () => {
  assert.equal(EPOLL_EVENT_SIZE, Deno.build.arch === "x86_64" ? 12 : 16);
  const epfd = check("epoll_create1", libc().epoll_create1(Epoll.EPOLL_CLOEXEC));
  const fds = [libc().eventfd(1, 0), libc().eventfd(1, 0)];
  try {
    for (const fd of fds) {
      check(
        "epoll_ctl",
        libc().epoll_ctl(epfd, Epoll.EPOLL_CTL_ADD, fd, epollEvent(Epoll.EPOLLIN, fd)),
      );
    }
    const events = new Uint8Array(EPOLL_EVENT_SIZE * 4);
    assert.equal(libc().epoll_wait(epfd, events, 4, 0), 2);
    const seen = [readEpollEvent(events, 0), readEpollEvent(events, 1)];
    assert.deepEqual(seen.map((e) => e.data).sort(), [...fds].sort());
    for (const e of seen) assert.equal(e.events, Epoll.EPOLLIN);
  } finally {
    for (const fd of [epfd, ...fds]) closeFd(fd);
  }
});

Deno.test("sigaction reads and sets a disposition (SIGWINCH, ignored by default anyway)", () => {
  const SIGWINCH = 28;
  const bit = 1n << BigInt(SIGWINCH - 1);
  const ignored = () =>
    BigInt(`0x${/SigIgn:\s*([0-9a-f]+)/.exec(Deno.readTextFileSync("/proc/self/status"))![1]}`);
  const original = signalDisposition(SIGWINCH);
  try {
    setSignalDisposition(SIGWINCH, Sigaction.SIG_IGN);
    assert.equal(signalDisposition(SIGWINCH), Sigaction.SIG_IGN);
    assert.equal(ignored() & bit, bit);
    assert.equal(setSignalDisposition(SIGWINCH, Sigaction.SIG_DFL), Sigaction.SIG_IGN);
    assert.equal(ignored() & bit, 0n);
  } finally {
    setSignalDisposition(SIGWINCH, original);
  }
});

Deno.test("uname and clock_gettime agree with Deno's own view", () => {
  const u = uname();
  assert.equal(u.sysname, "Linux");
  assert.equal(u.release, Deno.osRelease());
  assert.equal(u.machine, Deno.build.arch);
  const realtimeMs = Number(clockNs(Clock.CLOCK_REALTIME) / 1_000_000n);
  assert.ok(Math.abs(realtimeMs - Date.now()) < 1000);
  const a = clockNs(Clock.CLOCK_MONOTONIC);
  assert.ok(clockNs(Clock.CLOCK_MONOTONIC) >= a);
});

Deno.test("sockaddr_un takes up to 108 path bytes, without a NUL at the limit", () => {
  const path = new TextEncoder().encode("x".repeat(SUN_PATH_MAX));
  const address = sockaddrUn(path);
  assert.equal(address.length, 110);
  assert.equal(new DataView(address.buffer).getUint16(0, true), 1);
  assert.deepEqual(address.subarray(2), path);
  assert.throws(() => sockaddrUn(new Uint8Array(SUN_PATH_MAX + 1)), RangeError);
});
