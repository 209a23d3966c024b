/**
 * The error type of the operations interfaces in `src/sys/ops/`: an errno and glibc's
 * `strerror` text, so commands can build qemu-ga's `<text>: <strerror>` messages and fakes can
 * produce the same texts without FFI.
 *
 * The production implementations let `SysError` from `../libc.ts` propagate; it has the same
 * shape (`errno` + message = strerror text), and {@link asOsError} accepts both.
 *
 * @module
 */

/** errno values used by the ops layer and its commands (Linux, x86_64 and aarch64). */
export const ERRNO = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EIO: 5,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EBUSY: 16,
  ENODEV: 19,
  ENOTDIR: 20,
  EISDIR: 21,
  EINVAL: 22,
  ENOTTY: 25,
  EROFS: 30,
  EOPNOTSUPP: 95,
} as const;

/** An errno name of {@link ERRNO}. */
export type ErrnoName = keyof typeof ERRNO;

/** glibc's English `strerror()` texts for {@link ERRNO}. */
export const ERRNO_TEXT: Readonly<Record<number, string>> = {
  1: "Operation not permitted",
  2: "No such file or directory",
  4: "Interrupted system call",
  5: "Input/output error",
  9: "Bad file descriptor",
  11: "Resource temporarily unavailable",
  12: "Cannot allocate memory",
  13: "Permission denied",
  16: "Device or resource busy",
  19: "No such device",
  20: "Not a directory",
  21: "Is a directory",
  22: "Invalid argument",
  25: "Inappropriate ioctl for device",
  30: "Read-only file system",
  95: "Operation not supported",
};

/** A failed system call: `errno` and its `strerror` text (the message). */
export class OsError extends Error {
  /** The errno value. */
  readonly errno: number;

  /**
   * Creates the error.
   *
   * @param errno The errno value.
   * @param text The strerror text (default: glibc's text from {@link ERRNO_TEXT}).
   */
  constructor(errno: number, text: string = ERRNO_TEXT[errno] ?? `Unknown error ${errno}`) {
    super(text);
    this.name = "OsError";
    this.errno = errno;
  }
}

/**
 * Makes an {@link OsError} from an errno name (handy in fakes and tests).
 *
 * @param name For example `"EBUSY"`.
 * @returns The error with glibc's text.
 */
export function osError(name: ErrnoName): OsError {
  return new OsError(ERRNO[name]);
}

/**
 * Views a caught value as an OS error: an {@link OsError}, or any `Error` carrying a numeric
 * `errno` (such as `SysError` from `../libc.ts`).
 *
 * @param error The caught value.
 * @returns The errno and text, or `undefined` for anything else (a bug to rethrow).
 */
export function asOsError(error: unknown): OsError | undefined {
  if (error instanceof OsError) return error;
  if (error instanceof Error && typeof (error as { errno?: unknown }).errno === "number") {
    return new OsError((error as unknown as { errno: number }).errno, error.message);
  }
  return undefined;
}
