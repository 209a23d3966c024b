/**
 * A fake of the host domain ({@link Host}): every fact is a settable field (a value, or an errno
 * name to fail with), and every call is recorded, e.g. `gethostname`, `read /etc/os-release`,
 * `readlink /etc/localtime`, `lstat /usr/share/zoneinfo/Europe/Berlin`.
 *
 * @module
 */

import type { Host, LibcZone, UnameFields, UtmpRecord } from "../../../src/sys/host.ts";
import type { ErrnoName } from "../../../src/sys/errno.ts";
import { OsError } from "../../../src/sys/os_error.ts";
import { FileType } from "../../../src/sys/structs.ts";

const encoder = new TextEncoder();

/** A fact, or the errno its call fails with. */
export type Fallible<T> = T | { readonly error: ErrnoName };

function answer<T>(fact: Fallible<T>, call: string): T {
  if (typeof fact === "object" && fact !== null && "error" in fact) {
    throw OsError.of(fact.error, call);
  }
  return fact as T;
}

const bytes = (text: string | Uint8Array) => typeof text === "string" ? encoder.encode(text) : text;

/** The fake; a fresh one describes a UTC Debian machine named `vm` with nobody logged in. */
export class FakeHost implements Host {
  /** Every call, in order. */
  readonly calls: string[] = [];
  /** What `gethostname` gives. */
  hostNameFact: Fallible<string | Uint8Array> = "vm";
  /** What `uname` gives. */
  unameFact: Fallible<UnameFields> = {
    release: encoder.encode("6.1.0-13-amd64"),
    version: encoder.encode("#1 SMP PREEMPT_DYNAMIC Debian 6.1.55-1 (2023-09-29)"),
    machine: encoder.encode("x86_64"),
  };
  /** `$QGA_OS_RELEASE`. */
  osRelease: string | undefined = undefined;
  /** `$TZ`. */
  tz: string | Uint8Array | undefined = undefined;
  /** Files by path (a missing path fails with `ENOENT`). */
  files: Record<string, Fallible<string | Uint8Array>> = {};
  /** Symbolic links by path, to their targets (a path that is no link fails with `EINVAL`). */
  links: Record<string, string> = {};
  /** File types of paths that are neither in {@link files} nor in {@link links}. */
  types: Record<string, number> = {};
  /** What glibc says about the local zone. */
  zone: Fallible<LibcZone> = {
    zone: encoder.encode("UTC"),
    offset: 0n,
    daylightName: encoder.encode("UTC"),
  };
  /** The utmp records. */
  records: Fallible<UtmpRecord[]> = { error: "ENOENT" };
  /** What one read of `/proc/loadavg` gives. */
  loadAverage: Fallible<string> = "0.08 0.03 0.01 1/123 4567\n";

  /** {@inheritDoc Host.hostName} */
  hostName(): Uint8Array {
    this.calls.push("gethostname");
    return bytes(answer(this.hostNameFact, "gethostname"));
  }

  /** {@inheritDoc Host.uname} */
  uname(): UnameFields {
    this.calls.push("uname");
    return answer(this.unameFact, "uname");
  }

  /** {@inheritDoc Host.osReleaseVariable} */
  osReleaseVariable(): string | undefined {
    return this.osRelease;
  }

  /** {@inheritDoc Host.timeZoneVariable} */
  timeZoneVariable(): Uint8Array | undefined {
    return this.tz === undefined ? undefined : bytes(this.tz);
  }

  /** {@inheritDoc Host.readFile} */
  readFile(path: string): Uint8Array {
    this.calls.push(`read ${path}`);
    const file = this.files[path];
    if (file === undefined) throw OsError.of(path in this.types ? "EISDIR" : "ENOENT", "open");
    return bytes(answer(file, "read"));
  }

  /** {@inheritDoc Host.readLink} */
  readLink(path: string): Uint8Array {
    this.calls.push(`readlink ${path}`);
    const target = this.links[path];
    if (target !== undefined) return encoder.encode(target);
    throw OsError.of(path in this.files || path in this.types ? "EINVAL" : "ENOENT", "readlink");
  }

  /** {@inheritDoc Host.fileTypeOf} */
  fileTypeOf(path: string): number {
    this.calls.push(`lstat ${path}`);
    if (path in this.links) return 0o120000;
    if (path in this.files) return FileType.S_IFREG;
    const type = this.types[path];
    if (type === undefined) throw OsError.of("ENOENT", "statx");
    return type;
  }

  /** {@inheritDoc Host.localZone} */
  localZone(): LibcZone {
    this.calls.push("localtime_r");
    return answer(this.zone, "localtime_r");
  }

  /** {@inheritDoc Host.loginRecords} */
  loginRecords(): UtmpRecord[] {
    this.calls.push("read /var/run/utmp");
    return answer(this.records, "open");
  }

  /** {@inheritDoc Host.loadAverageText} */
  loadAverageText(): Uint8Array {
    this.calls.push("read /proc/loadavg");
    return encoder.encode(answer(this.loadAverage, "open")).slice(0, 64);
  }
}
