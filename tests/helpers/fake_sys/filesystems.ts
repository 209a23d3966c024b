/**
 * A fake of the filesystems domain ({@link Filesystems}): mount tables as text, `stat` results by path, and a small
 * model of the kernel's freeze state per superblock (bind mounts share one). Every call is
 * recorded as a line in {@link FakeFilesystems.calls}, e.g. `open /home`, `FIFREEZE /home`,
 * `FIFREEZE /srv: EBUSY`, `FITRIM /home start=0 len=18446744073709551615 minlen=0`, `close /home`.
 *
 * Kernel model: FIFREEZE on a frozen superblock fails with EBUSY, otherwise freezes it (depth 1);
 * FITHAW on a frozen superblock lowers the depth, on a thawed one fails with EINVAL. A preset
 * depth above 1 models nested freezes that need several FITHAWs.
 *
 * @module
 */

import { Errno, type ErrnoName } from "../../../src/sys/errno.ts";
import {
  FIFREEZE,
  type Filesystems,
  FITHAW,
  FITRIM,
} from "../../../src/sys/filesystems/filesystems.ts";
import type { DeviceStat } from "../../../src/sys/filesystems/mountinfo.ts";
import { OsError } from "../../../src/sys/os_error.ts";

/** Behaviour of one mount point. */
export interface FakeMountPoint {
  /** Superblock id; bind mounts of one filesystem share it (default: the path). */
  readonly sb?: string;
  /** `open` fails with this errno. */
  readonly openError?: ErrnoName;
  /** Every FIFREEZE fails with this errno. */
  readonly freezeError?: ErrnoName;
  /** Every FITRIM fails with this errno. */
  readonly trimError?: ErrnoName;
  /** Bytes reported trimmed (written to `range.len`; default 0). */
  readonly trimmed?: bigint;
  /** The kernel raises `range.minlen` to at least this (default 0). */
  readonly minimumFloor?: bigint;
}

/** Set-up of a {@link FakeFilesystems}. */
export interface FakeFilesystemsOptions {
  /** `/proc/self/mountinfo`; `null` = cannot be opened. */
  readonly mountinfo?: string | Uint8Array | null;
  /** `/proc/self/mounts`; `null` = cannot be opened (default). */
  readonly procMounts?: string | Uint8Array | null;
  /** `stat()` results by path (others fail with ENOENT). */
  readonly devices?: Readonly<Record<string, DeviceStat>>;
  /** Behaviour by mount point; unknown paths open fine and behave normally. */
  readonly mountPoints?: Readonly<Record<string, FakeMountPoint>>;
  /** Initial freeze depth by superblock id (e.g. after an agent crash while frozen). */
  readonly frozen?: Readonly<Record<string, number>>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const IOCTL_NAME: Record<number, string> = {
  [FIFREEZE]: "FIFREEZE",
  [FITHAW]: "FITHAW",
  [FITRIM]: "FITRIM",
};

function bytes(text: string | Uint8Array | null | undefined): Uint8Array | null {
  if (text === null || text === undefined) return null;
  return typeof text === "string" ? encoder.encode(text) : text;
}

/** The fake; see the module documentation. */
export class FakeFilesystems implements Filesystems {
  /** Every call, in order. */
  readonly calls: string[] = [];
  #options: FakeFilesystemsOptions;
  #depth = new Map<string, number>();
  #fds = new Map<number, string>();
  #nextFd = 3;

  /** Creates the fake. */
  constructor(options: FakeFilesystemsOptions = {}) {
    this.#options = options;
    for (const [sb, depth] of Object.entries(options.frozen ?? {})) this.#depth.set(sb, depth);
  }

  /** The freeze depth of a superblock id (0 = thawed). */
  depth(sb: string): number {
    return this.#depth.get(sb) ?? 0;
  }

  /** Number of descriptors opened and not closed (should be 0 after every command). */
  get openFds(): number {
    return this.#fds.size;
  }

  /** {@inheritDoc Filesystems.readMountinfo} */
  readMountinfo(): Uint8Array | null {
    this.calls.push("read /proc/self/mountinfo");
    return bytes(this.#options.mountinfo);
  }

  /** {@inheritDoc Filesystems.readProcMounts} */
  readProcMounts(): Uint8Array | null {
    this.calls.push("read /proc/self/mounts");
    return bytes(this.#options.procMounts);
  }

  /** {@inheritDoc Filesystems.statDevice} */
  statDevice(path: Uint8Array): DeviceStat {
    const p = decoder.decode(path);
    this.calls.push(`stat ${p}`);
    return this.#options.devices?.[p] ??
      { kind: "failed", errno: Errno.ENOENT, text: "No such file or directory" };
  }

  /** {@inheritDoc Filesystems.openReadOnly} */
  openReadOnly(path: Uint8Array): number {
    const p = decoder.decode(path);
    const error = this.#point(p).openError;
    if (error) {
      this.calls.push(`open ${p}: ${error}`);
      throw OsError.of(error);
    }
    this.calls.push(`open ${p}`);
    const fd = this.#nextFd++;
    this.#fds.set(fd, p);
    return fd;
  }

  /** {@inheritDoc Filesystems.ioctl} */
  ioctl(fd: number, request: number, arg?: Uint8Array): void {
    const path = this.#fds.get(fd);
    if (path === undefined) throw OsError.of("EBADF");
    const name = IOCTL_NAME[request] ?? `ioctl 0x${request.toString(16)}`;
    const point = this.#point(path);
    const sb = point.sb ?? path;
    let detail = "";
    if (request === FITRIM && arg) {
      const view = new DataView(arg.buffer, arg.byteOffset, arg.byteLength);
      const [start, len, minlen] = [0, 8, 16].map((o) => view.getBigUint64(o, true));
      detail = ` start=${start} len=${len} minlen=${minlen}`;
    }
    const fail = (errno: ErrnoName): never => {
      this.calls.push(`${name} ${path}${detail}: ${errno}`);
      throw OsError.of(errno);
    };
    const depth = this.depth(sb);
    if (request === FIFREEZE) {
      if (point.freezeError) fail(point.freezeError);
      if (depth > 0) fail("EBUSY");
      this.#depth.set(sb, 1);
    } else if (request === FITHAW) {
      if (depth === 0) fail("EINVAL");
      this.#depth.set(sb, depth - 1);
    } else if (request === FITRIM && arg) {
      if (point.trimError) fail(point.trimError);
      const view = new DataView(arg.buffer, arg.byteOffset, arg.byteLength);
      const floor = point.minimumFloor ?? 0n;
      if (view.getBigUint64(16, true) < floor) view.setBigUint64(16, floor, true);
      view.setBigUint64(8, point.trimmed ?? 0n, true);
    } else {
      fail("ENOTTY");
    }
    this.calls.push(`${name} ${path}${detail}`);
  }

  /** {@inheritDoc Filesystems.close} */
  close(fd: number): void {
    const path = this.#fds.get(fd);
    this.calls.push(`close ${path ?? fd}`);
    this.#fds.delete(fd);
  }

  #point(path: string): FakeMountPoint {
    return this.#options.mountPoints?.[path] ?? {};
  }
}
