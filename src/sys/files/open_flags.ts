/**
 * The `open(2)` flags of a guest-file-open, as qemu-ga 7.2's `find_open_flag()` builds them:
 * the mode's access flags plus `O_NOCTTY | O_NONBLOCK`, and `O_CLOEXEC` (`qga_open_cloexec()`).
 * `O_NONBLOCK` keeps a FIFO or device from hanging the agent, at open and at every read or write.
 *
 * @module
 */

import { OpenFlags } from "../structs.ts";
import type { FileAccess } from "./files.ts";

/** Permission bits for files the agent creates (before the umask; never group/world-writable). */
export const NEW_FILE_MODE = 0o644;

/** Flags every guest file is opened with, whatever the mode. */
export const ALWAYS = OpenFlags.O_NOCTTY | OpenFlags.O_NONBLOCK | OpenFlags.O_CLOEXEC;

/**
 * The flags for `access`, without `O_CREAT` and `O_TRUNC` (callers add those where they apply):
 * `O_RDONLY`, `O_WRONLY` or `O_RDWR`, `O_APPEND`, and {@link ALWAYS}.
 */
export function accessFlags(access: FileAccess): number {
  let flags = access.read && access.write
    ? OpenFlags.O_RDWR
    : access.write
    ? OpenFlags.O_WRONLY
    : OpenFlags.O_RDONLY;
  if (access.append) flags |= OpenFlags.O_APPEND;
  return flags | ALWAYS;
}

/** The whole flags of qemu-ga's plain `open()` for `access` (with `O_CREAT`/`O_TRUNC`). */
export function openFlags(access: FileAccess): number {
  let flags = accessFlags(access);
  if (access.truncate) flags |= OpenFlags.O_TRUNC;
  if (access.create) flags |= OpenFlags.O_CREAT;
  return flags;
}
