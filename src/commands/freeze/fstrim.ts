/**
 * `guest-fstrim` (spec §2.11), as qemu-ga's `qmp_guest_fstrim()`: audit `guest-fstrim called`,
 * build the mount list (error → returned), then for each mount **in list order** open it and
 * issue FITRIM with `{start 0, len UINT64_MAX, minlen minimum}`; each result is prepended, so
 * the reply lists the mounts in **reverse** order:
 *
 * - open failure → `{"path", "error": "failed to open: <strerror>"}`;
 * - FITRIM ENOTTY/EOPNOTSUPP → `"error": "trim not supported"`, other errors →
 *   `"error": "failed to trim: <strerror>"`;
 * - success → `"trimmed"` = `range.len` and `"minimum"` = `range.minlen` after the call (the
 *   kernel may raise minlen). Both are the u64 fields reinterpreted as int64, as upstream stores
 *   them; a negative `minimum` argument wraps to a u64 the same way.
 *
 * @module
 */

import type { Named } from "../../schema/types.ts";
import { Errno } from "../../sys/errno.ts";
import { type Filesystems, FITRIM, FSTRIM_RANGE_SIZE } from "../../sys/filesystems/filesystems.ts";
import { OsError } from "../../sys/os_error.ts";
import type { Handler } from "../context.ts";
import { mountList } from "./fs_walk.ts";

/** One element of the reply's `paths`. */
export type TrimResult = Named<"GuestFilesystemTrimResult">;

/** The error text for filesystems without trim support. */
export const TRIM_NOT_SUPPORTED = "trim not supported";

/**
 * Trims every mounted filesystem.
 *
 * @param ops Mount tables and ioctls.
 * @param minimum The `minimum` argument (default 0).
 * @param audit Receives audit lines.
 * @returns The reply.
 * @throws QgaError when the mount list cannot be built.
 */
export function fstrim(
  ops: Filesystems,
  minimum: bigint | undefined,
  audit: (message: string) => void = () => {},
): Named<"GuestFilesystemTrimResponse"> {
  audit("guest-fstrim called");
  const mounts = mountList(ops, audit);
  const paths: TrimResult[] = [];
  for (const mount of mounts) {
    const path = mount.dirname;
    let fd: number;
    try {
      fd = ops.openReadOnly(mount.path);
    } catch (e) {
      if (!(e instanceof OsError)) throw e;
      paths.unshift({ path, error: `failed to open: ${e.message}` });
      continue;
    }
    try {
      const range = new Uint8Array(FSTRIM_RANGE_SIZE);
      const view = new DataView(range.buffer);
      view.setBigUint64(0, 0n, true);
      view.setBigUint64(8, (1n << 64n) - 1n, true);
      view.setBigUint64(16, BigInt.asUintN(64, minimum ?? 0n), true);
      try {
        ops.ioctl(fd, FITRIM, range);
      } catch (e) {
        if (!(e instanceof OsError)) throw e;
        const unsupported = e.errno === Errno.ENOTTY || e.errno === Errno.EOPNOTSUPP;
        paths.unshift({
          path,
          error: unsupported ? TRIM_NOT_SUPPORTED : `failed to trim: ${e.message}`,
        });
        continue;
      }
      paths.unshift({
        path,
        trimmed: BigInt.asIntN(64, view.getBigUint64(8, true)),
        minimum: BigInt.asIntN(64, view.getBigUint64(16, true)),
      });
    } finally {
      ops.close(fd);
    }
  }
  return { paths };
}

/** `guest-fstrim`. */
export const guestFstrim: Handler<"guest-fstrim"> = (args, ctx) =>
  fstrim(ctx.sys.filesystems, args.minimum, (m) => ctx.log.audit(m));
