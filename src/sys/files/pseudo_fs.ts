/**
 * Which file system an open descriptor lives on, by `fstatfs(2)`'s `f_type` magic, and whether
 * it is one of the kernel's pseudo file systems that confined guest-file-open refuses.
 *
 * Their regular files are interfaces to the kernel, not data: `/proc/<pid>/mem`, `/sys` knobs,
 * `debugfs`/`tracefs` controls, cgroup limits, EFI variables, … A second procfs or sysfs mounted
 * inside a file root would otherwise hand them out, and a path check cannot see a mount.
 *
 * @module
 */

import { check, libc } from "../libc.ts";
import { PSEUDO_FS_MAGIC, readStatfsType, Statfs } from "../sandbox_structs.ts";

const NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(PSEUDO_FS_MAGIC).map(([name, magic]) => [magic, name]),
);

/**
 * `fstatfs(fd)`'s `f_type`.
 *
 * @throws OsError when `fstatfs()` fails.
 */
export function fileSystemType(fd: number): number {
  const buffer = new Uint8Array(Statfs.SIZE);
  check("fstatfs", libc().fstatfs(fd, buffer));
  return readStatfsType(buffer);
}

/**
 * The name of the pseudo file system `fd` lives on (`proc`, `sysfs`, …), or undefined for an
 * ordinary one (ext4, xfs, btrfs, tmpfs, NFS, FUSE, …).
 *
 * @throws OsError when `fstatfs()` fails.
 */
export function pseudoFileSystem(fd: number): string | undefined {
  return NAMES.get(fileSystemType(fd));
}
