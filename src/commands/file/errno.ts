/**
 * glibc `strerror()` texts for the errors Deno and `node:fs` throw, so that file-command errors
 * read exactly like qemu-ga's `<action>: <strerror>` messages.
 *
 * Deno's OS errors carry the errno name in `error.code` (`"ENOENT"`, `"EISDIR"`, ...) and a
 * message such as `No such file or directory (os error 2): open '/x'`; `node:fs` errors carry
 * the same `code` with libuv's lower-case text. The table below turns a code into glibc's text;
 * codes missing from it fall back to the `(os error N)` text (which Rust takes from glibc), then to
 * the Deno error class.
 *
 * @module
 */

/** glibc's English `strerror()` text by errno name (x86-64/aarch64 Linux). */
export const GLIBC_STRERROR: Readonly<Record<string, string>> = {
  EPERM: "Operation not permitted",
  ENOENT: "No such file or directory",
  EINTR: "Interrupted system call",
  EIO: "Input/output error",
  ENXIO: "No such device or address",
  E2BIG: "Argument list too long",
  EBADF: "Bad file descriptor",
  EAGAIN: "Resource temporarily unavailable",
  EWOULDBLOCK: "Resource temporarily unavailable",
  ENOMEM: "Cannot allocate memory",
  EACCES: "Permission denied",
  EFAULT: "Bad address",
  EBUSY: "Device or resource busy",
  EEXIST: "File exists",
  EXDEV: "Invalid cross-device link",
  ENODEV: "No such device",
  ENOTDIR: "Not a directory",
  EISDIR: "Is a directory",
  EINVAL: "Invalid argument",
  ENFILE: "Too many open files in system",
  EMFILE: "Too many open files",
  ENOTTY: "Inappropriate ioctl for device",
  ETXTBSY: "Text file busy",
  EFBIG: "File too large",
  ENOSPC: "No space left on device",
  ESPIPE: "Illegal seek",
  EROFS: "Read-only file system",
  EMLINK: "Too many links",
  EPIPE: "Broken pipe",
  ENAMETOOLONG: "File name too long",
  ENOSYS: "Function not implemented",
  ELOOP: "Too many levels of symbolic links",
  EOVERFLOW: "Value too large for defined data type",
  ENOTSUP: "Operation not supported",
  EOPNOTSUPP: "Operation not supported",
  ETIMEDOUT: "Connection timed out",
  ESTALE: "Stale file handle",
  EDQUOT: "Disk quota exceeded",
  ENOMEDIUM: "No medium found",
  ECANCELED: "Operation canceled",
};

/** Texts for Deno error classes that arrive without an errno code. */
const BY_CLASS: Readonly<Record<string, string>> = {
  NotFound: GLIBC_STRERROR.ENOENT!,
  PermissionDenied: GLIBC_STRERROR.EACCES!,
  AlreadyExists: GLIBC_STRERROR.EEXIST!,
  IsADirectory: GLIBC_STRERROR.EISDIR!,
  NotADirectory: GLIBC_STRERROR.ENOTDIR!,
  WouldBlock: GLIBC_STRERROR.EAGAIN!,
  Interrupted: GLIBC_STRERROR.EINTR!,
  BrokenPipe: GLIBC_STRERROR.EPIPE!,
  FilesystemLoop: GLIBC_STRERROR.ELOOP!,
  Busy: GLIBC_STRERROR.EBUSY!,
  BadResource: GLIBC_STRERROR.EBADF!,
  TimedOut: GLIBC_STRERROR.ETIMEDOUT!,
  NotSupported: GLIBC_STRERROR.ENOTSUP!,
};

const OS_ERROR = /^(.*?) \(os error \d+\)/;

/** Returns glibc's `strerror()` text for an error thrown by a Deno or `node:fs` file call. */
export function strerror(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string" && Object.hasOwn(GLIBC_STRERROR, code)) {
    return GLIBC_STRERROR[code]!;
  }
  const os = OS_ERROR.exec(error.message);
  if (os) return os[1]!;
  return BY_CLASS[error.name] ?? error.message;
}

/** Creates an Error that looks like one Deno throws for errno `code` (for emulated failures). */
export function osError(code: string): Error {
  const error = new Error(GLIBC_STRERROR[code] ?? code) as Error & { code: string };
  error.code = code;
  return error;
}
