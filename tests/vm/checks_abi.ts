/**
 * The agent's struct layouts and flags checked by the guest's own kernel and glibc, on each
 * guest architecture: `guest/abi_probe.ts` runs in the guest under that architecture's Deno
 * through the agent's FFI layer. It complements the compile-time comparison with the C
 * compilers (`tests/sys/structs_test.ts`) where the agent's current code paths would not notice a
 * wrong value: the agent only counts `epoll_wait`'s events, so a wrong `epoll_event` size or
 * data offset passes every other check; here the fd must come back and the kernel must write
 * no more than one event's worth of bytes.
 *
 * @module
 */

import { REPO_ROOT } from "./arch.ts";
import { type Check, expectEqual } from "./check_kit.ts";
import { ABI_PROBE } from "./image.ts";

/** The round trips of {@link ABI_PROBE}. */
export const abiCheck: Check = {
  name:
    "struct layouts through the guest's kernel and glibc (epoll_event, O_DIRECTORY, O_NOFOLLOW)",
  timeoutMs: 90_000,
  async run({ shell, arch, note }) {
    const out = await shell.check(
      `cd ${REPO_ROOT} && DENO_DIR=/var/cache/deno DENO_NO_UPDATE_CHECK=1 NO_COLOR=1 ` +
        `/usr/bin/deno run -q --allow-ffi --allow-read ${ABI_PROBE}`,
      60,
    );
    const r = JSON.parse(out.trim().split("\n").pop()!) as Record<string, unknown>;
    note(`epoll_event ${r.epollEventSize} bytes`);
    expectEqual(r, {
      ...r,
      arch,
      epoll: { events: 1, dataIsFd: true, untouchedTail: true },
      openDirectoryOnDir: "ok",
      openDirectoryOnFile: "ENOTDIR",
      openNofollowOnLink: "ELOOP",
      openNofollowOnFile: "ok",
    }, "the probe's round trips");
  },
};
