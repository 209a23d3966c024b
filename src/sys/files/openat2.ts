/**
 * `openat2(2)` (Linux ≥ 5.6) through libc's `syscall()` (glibc 2.36 has no wrapper), and a
 * one-time probe of whether it works here with `RESOLVE_BENEATH`.
 *
 * `RESOLVE_BENEATH` makes the kernel refuse, during the one lookup, any component that would
 * leave the starting directory — `..` above it, an absolute path or symlink — with `EXDEV`, and
 * `RESOLVE_NO_MAGICLINKS` refuses procfs "magic links" (`/proc/<pid>/fd/N`, `…/root`, `…/cwd`,
 * `…/exe`) with `ELOOP`. A rename racing with a `..` lookup makes it fail with `EAGAIN`. There is
 * no check-then-open window: what the kernel opens is what it resolved.
 *
 * @module
 */

import { Errno } from "../errno.ts";
import { closeFd, cString, errno, libc } from "../libc.ts";
import { At, OpenFlags } from "../structs.ts";
import { OpenHow, openHow, SYS_OPENAT2 } from "../sandbox_structs.ts";

/** Resolution flags of every confined guest-file lookup. */
export const RESOLVE_CONFINED = OpenHow.RESOLVE_BENEATH | OpenHow.RESOLVE_NO_MAGICLINKS;

/**
 * `openat2(dirFd, path, {flags, mode, resolve})`, retrying after `EINTR`.
 *
 * @param dirFd The directory the lookup starts at (and stays beneath with `RESOLVE_BENEATH`).
 * @param path The path, relative to `dirFd`.
 * @param how `flags` (`O_*`), `mode` (for `O_CREAT`), `resolve` (`RESOLVE_*`).
 * @returns The descriptor, or -errno.
 */
export function openat2(
  dirFd: number,
  path: string | Uint8Array,
  how: { readonly flags: number; readonly mode?: number; readonly resolve: number },
): number {
  const name = cString(path);
  const struct = openHow(how.flags, how.mode ?? 0, how.resolve);
  while (true) {
    const fd = libc().syscall_openat2(
      BigInt(SYS_OPENAT2),
      BigInt(dirFd),
      name,
      struct,
      BigInt(OpenHow.SIZE),
    );
    if (fd >= 0) return Number(fd);
    const e = errno();
    if (e !== Errno.EINTR) return -e;
  }
}

let available: boolean | undefined;

/**
 * True when `openat2(2)` with `RESOLVE_BENEATH` works on this kernel: from a descriptor of `/`,
 * `.` opens and `..` is refused with `EXDEV`. False on kernels before 5.6 (`ENOSYS`) and where a
 * seccomp filter refuses the system call. Probed once.
 */
export function openat2Available(): boolean {
  if (available !== undefined) return available;
  const flags = OpenFlags.O_PATH | OpenFlags.O_DIRECTORY | OpenFlags.O_CLOEXEC;
  const root = libc().openat(At.AT_FDCWD, cString("/"), flags, 0);
  if (root < 0) return available = false;
  try {
    const here = openat2(root, ".", { flags, resolve: RESOLVE_CONFINED });
    if (here < 0) return available = false;
    closeFd(here);
    const up = openat2(root, "..", { flags, resolve: RESOLVE_CONFINED });
    if (up >= 0) closeFd(up);
    return available = up === -Errno.EXDEV;
  } finally {
    closeFd(root);
  }
}
