/**
 * Turning caught errors into the glibc `strerror` texts qemu-ga prints.
 *
 * @module
 */

import { SysError } from "./libc.ts";

const DENO_CODE_TEXT: Record<string, string> = {
  ENOENT: "No such file or directory",
  EACCES: "Permission denied",
  EPERM: "Operation not permitted",
  EISDIR: "Is a directory",
  ENOTDIR: "Not a directory",
  EEXIST: "File exists",
  EROFS: "Read-only file system",
  ENOSPC: "No space left on device",
};

/** The strerror-like text of a caught error (SysError, Deno error with a code, or other). */
export function strerror(error: unknown): string {
  if (error instanceof SysError) return error.message;
  const code = (error as { code?: string })?.code;
  if (code && DENO_CODE_TEXT[code]) return DENO_CODE_TEXT[code]!;
  return error instanceof Error ? error.message : String(error);
}
