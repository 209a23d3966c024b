/**
 * The host domain of `Sys` (`./sys.ts`): the machine as a whole — host name, `uname`, os-release,
 * the local time zone, load averages and the login records (`/var/run/utmp`) — for
 * guest-get-host-name, guest-get-osinfo, guest-get-timezone, guest-get-users and guest-get-load.
 *
 * Every method is one OS fact with qemu-ga's call behind it (`gethostname`, `uname`, a whole-file
 * read, `readlink`, `lstat`, glibc's `tzset` + `localtime_r`, one `read` of `/proc/loadavg`);
 * what qemu-ga and GLib make of the facts is computed by the commands (`src/commands/host/`), so
 * the fake ({@link Host} in `tests/helpers/fake_sys/host.ts`) answers the same questions.
 * {@link LinuxHost} reads every path under a root: `/` in production, a fixture tree in tests.
 *
 * @module
 */

import { openReadOnly, readSmallFile, statPath, underRoot } from "./fd.ts";
import { check, closeFd, environmentEntries, libc, readFd } from "./libc.ts";
import { type LibcZone, libcZoneAt, realTimeSeconds } from "./local_time.ts";
import { OsError } from "./os_error.ts";
import { readLinkPath } from "./path_ops.ts";
import { ABI, type ArchAbi, FileType, HOST_NAME_MAX, Utsname } from "./structs.ts";
import { parseUtmp, type UtmpRecord } from "./utmp.ts";

export type { LibcZone } from "./local_time.ts";
export type { UtmpRecord } from "./utmp.ts";

/** Where glibc's `getutxent()` reads the login records (`_PATH_UTMP`). */
export const UTMP_PATH = "/var/run/utmp";

/** The file glibc's `getloadavg()` reads. */
export const LOADAVG_PATH = "/proc/loadavg";

/** How much of {@link LOADAVG_PATH} glibc's `getloadavg()` reads (one `read` into `char[65]`). */
export const LOADAVG_READ = 64;

/** The `uname()` fields guest-get-osinfo reports, as raw bytes (up to their NUL). */
export interface UnameFields {
  /** `release`, e.g. `6.1.0-13-amd64`. */
  readonly release: Uint8Array;
  /** `version`, e.g. `#1 SMP PREEMPT_DYNAMIC Debian 6.1.55-1 (2023-09-29)`. */
  readonly version: Uint8Array;
  /** `machine`, e.g. `x86_64`. */
  readonly machine: Uint8Array;
}

/** OS access of the host commands. Failures are `OsError`s. */
export interface Host {
  /**
   * `gethostname(buf, HOST_NAME_MAX)` as qemu-ga calls it: the name's bytes.
   *
   * @throws OsError `ENAMETOOLONG` for a 64-byte name (glibc needs room for the NUL).
   */
  hostName(): Uint8Array;
  /**
   * `uname()`.
   *
   * @throws OsError when it fails.
   */
  uname(): UnameFields;
  /** `$QGA_OS_RELEASE` (an os-release file to read instead of the system's); undefined if unset. */
  osReleaseVariable(): string | undefined;
  /** `$TZ` as libc sees it (raw bytes); undefined if unset. */
  timeZoneVariable(): Uint8Array | undefined;
  /**
   * A whole file (os-release, `/etc/timezone`), like GLib's `g_file_get_contents`.
   *
   * @throws OsError when it cannot be opened or read.
   */
  readFile(path: string): Uint8Array;
  /**
   * `readlink(path)`: a symbolic link's target.
   *
   * @throws OsError, `EINVAL` when `path` is not a symbolic link.
   */
  readLink(path: string): Uint8Array;
  /**
   * The file type bits (`mode & S_IFMT`) of `path` itself, like `lstat()`.
   *
   * @throws OsError when it does not exist or cannot be reached.
   */
  fileTypeOf(path: string): number;
  /**
   * glibc's view of the local zone now (`tzset` + `localtime_r`).
   *
   * @throws OsError when `localtime_r` fails.
   */
  localZone(): LibcZone;
  /**
   * The records of {@link UTMP_PATH}, whole ones in file order.
   *
   * @throws OsError when the file cannot be opened or read.
   */
  loginRecords(): UtmpRecord[];
  /**
   * One `read` of at most {@link LOADAVG_READ} bytes from {@link LOADAVG_PATH}.
   *
   * @throws OsError when it cannot be opened or read.
   */
  loadAverageText(): Uint8Array;
}

/** {@link Host} of the running Linux system, its fixed paths read under a root. */
export class LinuxHost implements Host {
  #root: string;
  #abi: ArchAbi;

  /**
   * Creates the domain.
   *
   * @param root Prefixes every absolute path (default `/`).
   * @param abi The utmp layout (default: the running architecture's).
   */
  constructor(root = "/", abi: ArchAbi = ABI) {
    this.#root = root;
    this.#abi = abi;
  }

  /** The root fixed paths are read under. */
  get root(): string {
    return this.#root;
  }

  #path(path: string): string {
    return path.startsWith("/") ? underRoot(this.#root, path) : path;
  }

  /** {@inheritDoc Host.hostName} */
  hostName(): Uint8Array {
    const buffer = new Uint8Array(HOST_NAME_MAX + 1);
    check("gethostname", libc().gethostname(buffer, BigInt(HOST_NAME_MAX)));
    const end = buffer.indexOf(0);
    return buffer.slice(0, end < 0 ? HOST_NAME_MAX : end);
  }

  /** {@inheritDoc Host.uname} */
  uname(): UnameFields {
    const buffer = new Uint8Array(Utsname.SIZE);
    check("uname", libc().uname(buffer));
    const field = (i: number) => {
      const bytes = buffer.subarray(i * Utsname.FIELD, (i + 1) * Utsname.FIELD);
      const end = bytes.indexOf(0);
      return bytes.slice(0, end < 0 ? bytes.length : end);
    };
    return { release: field(2), version: field(3), machine: field(4) };
  }

  /** {@inheritDoc Host.osReleaseVariable} */
  osReleaseVariable(): string | undefined {
    return Deno.env.get("QGA_OS_RELEASE");
  }

  /** {@inheritDoc Host.timeZoneVariable} */
  timeZoneVariable(): Uint8Array | undefined {
    for (const entry of environmentEntries()) {
      if (entry[0] === 0x54 && entry[1] === 0x5A && entry[2] === 0x3D) return entry.slice(3);
    }
    return undefined;
  }

  /** {@inheritDoc Host.readFile} */
  readFile(path: string): Uint8Array {
    return readSmallFile(this.#path(path), Number.MAX_SAFE_INTEGER);
  }

  /** {@inheritDoc Host.readLink} */
  readLink(path: string): Uint8Array {
    return readLinkPath(this.#path(path));
  }

  /** {@inheritDoc Host.fileTypeOf} */
  fileTypeOf(path: string): number {
    return statPath(this.#path(path), { follow: false }).mode & FileType.S_IFMT;
  }

  /** {@inheritDoc Host.localZone} */
  localZone(): LibcZone {
    return libcZoneAt(realTimeSeconds());
  }

  /** {@inheritDoc Host.loginRecords} */
  loginRecords(): UtmpRecord[] {
    return parseUtmp(readSmallFile(this.#path(UTMP_PATH), Number.MAX_SAFE_INTEGER), this.#abi);
  }

  /** {@inheritDoc Host.loadAverageText} */
  loadAverageText(): Uint8Array {
    const fd = openReadOnly(this.#path(LOADAVG_PATH));
    try {
      const buffer = new Uint8Array(LOADAVG_READ);
      const n = readFd(fd, buffer);
      if (n < 0) throw new OsError(-n, "read");
      return buffer.slice(0, n);
    } finally {
      closeFd(fd);
    }
  }
}
