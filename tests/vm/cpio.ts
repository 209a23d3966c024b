/**
 * A writer for cpio archives in the "newc" format (the format of a Linux initramfs), so the
 * harness needs neither `cpio` nor root to build one: device nodes such as `/dev/console`
 * are plain archive entries.
 *
 * The archive is left uncompressed on purpose: under TCG, unpacking a gzip initramfs of
 * 150 MB costs the guest more time than reading the bigger file costs QEMU.
 *
 * @module
 */

/** One archive entry. */
export type CpioEntry =
  | { kind: "dir"; path: string; mode?: number }
  | { kind: "file"; path: string; mode?: number; data: Uint8Array }
  | { kind: "copy"; path: string; mode?: number; source: string }
  | { kind: "symlink"; path: string; target: string }
  | { kind: "chardev"; path: string; mode?: number; major: number; minor: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

const encoder = new TextEncoder();

function hex8(n: number): string {
  return n.toString(16).padStart(8, "0");
}

/** Writes a newc cpio archive entry by entry. */
export class CpioWriter {
  #file: Deno.FsFile;
  #offset = 0;
  #ino = 1;
  #seen = new Set<string>();

  private constructor(file: Deno.FsFile) {
    this.#file = file;
  }

  /**
   * Creates (truncates) the archive file.
   *
   * @param path Output path.
   * @returns The writer.
   */
  static async create(path: string): Promise<CpioWriter> {
    return new CpioWriter(
      await Deno.open(path, { write: true, create: true, truncate: true }),
    );
  }

  /** Whether an entry with this archive path was added already. */
  has(path: string): boolean {
    return this.#seen.has(path.replace(/^\/+/, ""));
  }

  async #write(bytes: Uint8Array): Promise<void> {
    let at = 0;
    while (at < bytes.length) at += await this.#file.write(bytes.subarray(at));
    this.#offset += bytes.length;
  }

  async #pad(): Promise<void> {
    const rem = this.#offset % 4;
    if (rem !== 0) await this.#write(new Uint8Array(4 - rem));
  }

  async #header(
    name: string,
    mode: number,
    size: number,
    rdev: { major: number; minor: number } = { major: 0, minor: 0 },
  ): Promise<void> {
    const nameBytes = encoder.encode(name + "\0");
    const fields = [
      this.#ino++,
      mode,
      0, // uid
      0, // gid
      mode & S_IFDIR ? 2 : 1, // nlink
      0, // mtime: fixed, so identical inputs give identical archives
      size,
      0, // devmajor
      0, // devminor
      rdev.major,
      rdev.minor,
      nameBytes.length,
      0, // check
    ];
    await this.#write(encoder.encode("070701" + fields.map(hex8).join("")));
    await this.#write(nameBytes);
    await this.#pad();
  }

  /**
   * Adds one entry. Parent directories are not implied: add them first. Adding the same path
   * twice is ignored (the first entry wins).
   */
  async add(entry: CpioEntry): Promise<void> {
    const name = entry.path.replace(/^\/+/, "");
    if (name === "" || this.#seen.has(name)) return;
    this.#seen.add(name);
    switch (entry.kind) {
      case "dir":
        await this.#header(name, S_IFDIR | (entry.mode ?? 0o755), 0);
        return;
      case "symlink": {
        const target = encoder.encode(entry.target);
        await this.#header(name, S_IFLNK | 0o777, target.length);
        await this.#write(target);
        await this.#pad();
        return;
      }
      case "chardev":
        await this.#header(name, S_IFCHR | (entry.mode ?? 0o600), 0, entry);
        return;
      case "file":
        await this.#header(name, S_IFREG | (entry.mode ?? 0o644), entry.data.length);
        await this.#write(entry.data);
        await this.#pad();
        return;
      case "copy": {
        const info = await Deno.stat(entry.source);
        const mode = entry.mode ?? (info.mode ?? 0o644) & 0o7777;
        await this.#header(name, S_IFREG | mode, info.size);
        using src = await Deno.open(entry.source);
        const chunk = new Uint8Array(1 << 20);
        let left = info.size;
        while (left > 0) {
          const n = await src.read(chunk.subarray(0, Math.min(chunk.length, left)));
          if (n === null) throw new Error(`${entry.source} shrank while being archived`);
          await this.#write(chunk.subarray(0, n));
          left -= n;
        }
        await this.#pad();
        return;
      }
    }
  }

  /** Writes the trailer and closes the file. */
  async close(): Promise<void> {
    await this.#header("TRAILER!!!", 0, 0);
    // Round the archive up to 512 bytes, as cpio(1) does.
    const rem = this.#offset % 512;
    if (rem !== 0) await this.#write(new Uint8Array(512 - rem));
    this.#file.close();
  }
}
