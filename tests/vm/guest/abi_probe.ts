/**
 * Runs inside the guest (`deno run --allow-ffi --allow-read abi_probe.ts`): round trips of the agent's own
 * struct layouts and flags (`src/sys/structs.ts`, through its FFI layer `src/sys/libc.ts`)
 * through the guest's kernel and glibc, for whatever architecture the guest is. A wrong layout
 * that the agent's current code paths would not notice still shows here: the fd put into an
 * `epoll_event` must come back from `epoll_wait`, and the `O_DIRECTORY` / `O_NOFOLLOW` values
 * must make the kernel refuse what they exist to refuse. Prints one JSON object.
 *
 * @module
 */

import { check, closeFd, libc, openFd, writeFd } from "../../../src/sys/libc.ts";
import { OsError } from "../../../src/sys/os_error.ts";
import {
  ARCH,
  Epoll,
  EPOLL_EVENT_SIZE,
  epollEvent,
  OpenFlags,
  readEpollEvent,
} from "../../../src/sys/structs.ts";

/** The errno name of what `f` throws, or `ok` when it succeeds. */
function outcome(f: () => number): string {
  try {
    closeFd(f());
    return "ok";
  } catch (error) {
    return error instanceof OsError ? error.code : String(error);
  }
}

/** An eventfd made readable, watched by a fresh epoll set with `data` = the eventfd. */
function epollRoundTrip(): { events: number; data: number; fd: number; tail: number[] } {
  const ep = check("epoll_create1", libc().epoll_create1(Epoll.EPOLL_CLOEXEC));
  const fd = check("eventfd", libc().eventfd(0, 0));
  try {
    writeFd(fd, new Uint8Array(new BigUint64Array([1n]).buffer));
    check(
      "epoll_ctl",
      libc().epoll_ctl(ep, Epoll.EPOLL_CTL_ADD, fd, epollEvent(Epoll.EPOLLIN, fd)),
    );
    // Two slots, filled with 0xAA: the kernel writes exactly one event of its own size.
    const buffer = new Uint8Array(EPOLL_EVENT_SIZE * 2 + 8).fill(0xaa);
    const n = check("epoll_wait", libc().epoll_wait(ep, buffer, 2, 1000));
    if (n !== 1) throw new Error(`epoll_wait returned ${n}`);
    const { events, data } = readEpollEvent(buffer, 0);
    return { events, data, fd, tail: [...buffer.subarray(EPOLL_EVENT_SIZE)] };
  } finally {
    closeFd(fd);
    closeFd(ep);
  }
}

if (import.meta.main) {
  const epoll = epollRoundTrip();
  // A symbolic link in every guest (the image makes it one: guest_userland.ts).
  const link = "/etc/localtime";
  const result = {
    arch: ARCH,
    epollEventSize: EPOLL_EVENT_SIZE,
    epoll: {
      events: epoll.events,
      dataIsFd: epoll.data === epoll.fd,
      // Bytes after the first event that the kernel did not write (0xAA) — a size smaller than
      // the kernel's makes its write spill into them.
      untouchedTail: epoll.tail.every((b) => b === 0xaa),
    },
    openDirectoryOnDir: outcome(() => openFd("/etc", OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY)),
    openDirectoryOnFile: outcome(() =>
      openFd("/etc/passwd", OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY)
    ),
    openNofollowOnLink: outcome(() => openFd(link, OpenFlags.O_RDONLY | OpenFlags.O_NOFOLLOW)),
    openNofollowOnFile: outcome(() =>
      openFd("/etc/passwd", OpenFlags.O_RDONLY | OpenFlags.O_NOFOLLOW)
    ),
  };
  console.log(JSON.stringify(result));
}
