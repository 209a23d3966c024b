/**
 * A fake of the disks domain ({@link Disks}): an in-memory file tree of directories, files and
 * symbolic links (resolved like the kernel does: relative targets against the link's directory,
 * `..`, at most 40 links → `ELOOP`, a file in the middle of a path → `ENOTDIR`), `statvfs`
 * results by mount point, `/proc/diskstats` as text, and failures injected by call and path
 * (`"opendir /sys/block"`, `"readdir /sys/block"`, `"realpath /sys/dev/block/8:0"`, `"read …"`,
 * `"readlink …"`, `"stat …"`, `"statvfs /mnt"`).
 *
 * Directories list their entries in the order the tree's paths were first given (parents are
 * implied by their children), so listing order is exact — unlike a fixture tree on disk, whose
 * `readdir()` order is the filesystem's.
 *
 * @module
 */

import type {
  DirectoryEntry,
  DirectoryListing,
  Disks,
  PartialRead,
  StatvfsFields,
} from "../../../src/sys/disks/disks.ts";
import { Errno, type ErrnoName } from "../../../src/sys/errno.ts";
import { OsError } from "../../../src/sys/os_error.ts";

/** A node of the tree: file content, `{ link: target }` or `{ dir: true }`. */
export type FakeNode = string | Uint8Array | { readonly link: string } | { readonly dir: true };

/** Set-up of a {@link FakeDisks}. */
export interface FakeDisksOptions {
  /** Nodes by absolute path, in listing order. */
  readonly tree?: Readonly<Record<string, FakeNode>>;
  /** Failures: `"<call> <path>"` → errno name. */
  readonly failures?: Readonly<Record<string, ErrnoName>>;
  /** `statvfs()` results by mount point (others fail with ENOENT). */
  readonly statvfs?: Readonly<Record<string, StatvfsFields>>;
  /** `/proc/diskstats` (absent: it cannot be opened). */
  readonly diskstats?: string | Uint8Array;
}

type Node = { kind: "dir"; children: string[] } | { kind: "file"; bytes: Uint8Array } | {
  kind: "link";
  target: string;
};

const DT_DIR = 4;
const DT_REG = 8;
const DT_LNK = 10;
const MAX_LINKS = 40;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function fail(name: ErrnoName, call: string): never {
  throw OsError.of(name, call);
}

function parentOf(path: string): string {
  const at = path.lastIndexOf("/");
  return at <= 0 ? "/" : path.slice(0, at);
}

/** The fake; see the module documentation. */
export class FakeDisks implements Disks {
  #nodes = new Map<string, Node>([["/", { kind: "dir", children: [] }]]);
  #options: FakeDisksOptions;

  /** Creates the fake. */
  constructor(options: FakeDisksOptions = {}) {
    this.#options = options;
    for (const [path, node] of Object.entries(options.tree ?? {})) this.#add(path, node);
  }

  #add(path: string, node: FakeNode): void {
    const parent = parentOf(path);
    if (!this.#nodes.has(parent)) this.#add(parent, { dir: true });
    const existing = this.#nodes.get(path);
    if (existing?.kind === "dir" && typeof node === "object" && "dir" in node) return;
    const dir = this.#nodes.get(parent)!;
    if (dir.kind !== "dir") throw new Error(`fake tree: ${parent} is not a directory`);
    if (!existing) dir.children.push(path.slice(path.lastIndexOf("/") + 1));
    if (typeof node === "string") {
      this.#nodes.set(path, { kind: "file", bytes: encoder.encode(node) });
    } else if (node instanceof Uint8Array) this.#nodes.set(path, { kind: "file", bytes: node });
    else if ("link" in node) this.#nodes.set(path, { kind: "link", target: node.link });
    else this.#nodes.set(path, { kind: "dir", children: [] });
  }

  #inject(call: string, path: string, as = call): void {
    const errno = this.#options.failures?.[`${call} ${path}`];
    if (errno) fail(errno, as);
  }

  /** Resolves a path; the last component's link is followed only when `followLast`. */
  #resolve(path: string, call: string, followLast = true): { path: string; node: Node } {
    const pending = path.split("/").filter((c) => c !== "" && c !== ".");
    let current = "/";
    let links = 0;
    while (pending.length > 0) {
      const component = pending.shift()!;
      if (component === "..") {
        current = parentOf(current);
        continue;
      }
      const here = this.#nodes.get(current)!;
      if (here.kind !== "dir") fail("ENOTDIR", call);
      const next = current === "/" ? `/${component}` : `${current}/${component}`;
      const node = this.#nodes.get(next);
      if (!node) fail("ENOENT", call);
      if (node.kind === "link" && (pending.length > 0 || followLast)) {
        if (++links > MAX_LINKS) fail("ELOOP", call);
        if (node.target.startsWith("/")) current = "/";
        pending.unshift(...node.target.split("/").filter((c) => c !== "" && c !== "."));
        continue;
      }
      current = next;
    }
    return { path: current, node: this.#nodes.get(current)! };
  }

  /** {@inheritDoc Disks.realpath} */
  realpath(path: string): string {
    this.#inject("realpath", path);
    return this.#resolve(path, "realpath").path;
  }

  /** {@inheritDoc Disks.readlink} */
  readlink(path: string): string {
    this.#inject("readlink", path);
    const { node } = this.#resolve(path, "readlink", false);
    if (node.kind !== "link") fail("EINVAL", "readlink");
    return node.target;
  }

  /** {@inheritDoc Disks.listDirectory} */
  listDirectory(path: string): DirectoryListing {
    this.#inject("opendir", path);
    const resolved = this.#resolve(path, "opendir");
    if (resolved.node.kind !== "dir") fail("ENOTDIR", "opendir");
    const entries: DirectoryEntry[] = resolved.node.children.map((name) => {
      const child = this.#nodes.get(
        resolved.path === "/" ? `/${name}` : `${resolved.path}/${name}`,
      )!;
      return {
        name,
        type: child.kind === "dir" ? DT_DIR : child.kind === "link" ? DT_LNK : DT_REG,
      };
    });
    const errno = this.#options.failures?.[`readdir ${path}`];
    return errno ? { entries, readError: OsError.of(errno, "readdir") } : { entries };
  }

  /** {@inheritDoc Disks.readFile} */
  readFile(path: string): Uint8Array {
    this.#inject("open", path);
    const { node } = this.#resolve(path, "open");
    this.#inject("read", path);
    if (node.kind !== "file") fail("EISDIR", "read");
    return node.bytes.slice();
  }

  /** {@inheritDoc Disks.isDirectory} */
  isDirectory(path: string): boolean {
    this.#inject("stat", path, "statx");
    return this.#resolve(path, "statx").node.kind === "dir";
  }

  /** {@inheritDoc Disks.statvfs} */
  statvfs(path: Uint8Array): StatvfsFields {
    const text = decoder.decode(path);
    this.#inject("statvfs", text);
    return this.#options.statvfs?.[text] ?? fail("ENOENT", "statvfs");
  }

  /** {@inheritDoc Disks.readDiskstats} */
  readDiskstats(): PartialRead {
    this.#inject("open", "/proc/diskstats");
    const content = this.#options.diskstats;
    if (content === undefined) fail("ENOENT", "open");
    const bytes = typeof content === "string" ? encoder.encode(content) : content;
    const errno = this.#options.failures?.["read /proc/diskstats"];
    return errno ? { bytes, error: new OsError(Errno[errno], "read") } : { bytes };
  }
}
