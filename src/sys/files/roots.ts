/**
 * Guest files beneath file roots (profiles `files` and `readonly`): each root is opened once,
 * at start-up, as an `O_PATH` directory descriptor (its own path is the operator's and may go
 * through symbolic links); a guest path must be absolute and lexically inside a root
 * (`./root_paths.ts`), and the rest is opened beneath that root's descriptor (`./beneath.ts`).
 *
 * Refusals are {@link GuestFileRefusal}s: `EACCES` for a relative path, a path outside every
 * root and everything `./beneath.ts` refuses; `EROFS` for a write mode on a read-only root,
 * without opening anything.
 *
 * @module
 */

import { cString, errno, libc } from "../libc.ts";
import { OsError } from "../os_error.ts";
import { At, OpenFlags } from "../structs.ts";
import { openBeneath } from "./beneath.ts";
import { FdFileIo } from "./fd_file_io.ts";
import type { FileAccess, FileIo, FileRoot, GuestFiles } from "./files.ts";
import { GuestFileRefusal } from "./refusal.ts";
import { matchRoot, rootComponents } from "./root_paths.ts";

/** A root opened at start-up. */
interface OpenRoot {
  readonly root: FileRoot;
  readonly fd: number;
}

/** A root that could not be opened, with why (strerror text, or a path problem). */
export interface UnusableRoot {
  /** The root. */
  readonly root: FileRoot;
  /** Why it cannot be used. */
  readonly error: string;
}

/** Opens each root `O_PATH | O_DIRECTORY`; the descriptors live as long as the process. */
export function openRoots(
  roots: readonly FileRoot[],
): { open: OpenRoot[]; components: string[][]; unusable: UnusableRoot[] } {
  const open: OpenRoot[] = [];
  const components: string[][] = [];
  const unusable: UnusableRoot[] = [];
  const flags = OpenFlags.O_PATH | OpenFlags.O_DIRECTORY | OpenFlags.O_CLOEXEC;
  for (const root of roots) {
    const parts = rootComponents(root.path);
    if (typeof parts === "string") {
      unusable.push({ root, error: parts });
      continue;
    }
    const fd = libc().openat(At.AT_FDCWD, cString(root.path), flags, 0);
    if (fd < 0) {
      unusable.push({ root, error: new OsError(errno(), "open").message });
      continue;
    }
    open.push({ root, fd });
    components.push(parts);
  }
  return { open, components, unusable };
}

/** {@link GuestFiles} beneath opened roots. */
export class RootFiles implements GuestFiles {
  #roots: readonly OpenRoot[];
  #components: readonly (readonly string[])[];
  #ownFiles: readonly string[];

  /**
   * @param roots The opened roots ({@link openRoots}).
   * @param components Each root's path components, in the same order.
   * @param ownFiles Paths of the agent's own files (refused by device and inode).
   */
  constructor(
    roots: readonly OpenRoot[],
    components: readonly (readonly string[])[],
    ownFiles: readonly string[],
  ) {
    this.#roots = roots;
    this.#components = components;
    this.#ownFiles = ownFiles;
  }

  /**
   * Opens `path` beneath the root it names.
   *
   * @throws GuestFileRefusal when the agent refuses; OsError when the kernel does.
   */
  open(path: string, access: FileAccess): Promise<FileIo> {
    try {
      return Promise.resolve(new FdFileIo(this.openFd(path, access)));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** {@link open}, returning the descriptor. */
  openFd(path: string, access: FileAccess): number {
    // The kernel reads a C string: whatever follows a NUL is not part of the path.
    const nul = path.indexOf("\0");
    const cPath = nul < 0 ? path : path.slice(0, nul);
    if (!cPath.startsWith("/")) throw new GuestFileRefusal("EACCES", "a relative path");
    const match = matchRoot(cPath, this.#components);
    if (match === undefined) throw new GuestFileRefusal("EACCES", "outside every file root");
    const { root, fd } = this.#roots[match.index]!;
    if (access.write && !root.writable) {
      throw new GuestFileRefusal("EROFS", `write mode on the read-only file root ${root.path}`);
    }
    return openBeneath(fd, match.relative, access, this.#ownFiles);
  }
}
