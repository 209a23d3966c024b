/**
 * Builds sysfs fixture trees for the disks commands (`./fixture_trees.ts` describes them): block
 * devices with their `uevent`, `size`, `subsystem` link, `slaves/`, partitions and the
 * `/sys/block` and `/sys/dev/block` links, PCI devices with a `driver` link, udev database files
 * and a mount table. Every link is relative, so the tree works under any root (and bind-mounted
 * over `/sys` for the oracle).
 *
 * @module
 */

import { dirname, relative } from "node:path";

/** One block device to create. */
export interface BlockDevice {
  /** Its directory, e.g. `/sys/devices/pci0000:00/0000:00:02.0/virtio1/block/vda`. */
  readonly path: string;
  /** `MAJOR`/`MINOR`; omitted from `uevent` when null. */
  readonly devnum?: readonly [number, number] | null;
  /** `DEVNAME` (default: the directory's name); null leaves it out. */
  readonly devname?: string | null;
  /** Extra `uevent` lines. */
  readonly ueventExtra?: readonly string[];
  /** No `uevent` file at all. */
  readonly noUevent?: boolean;
  /** The `size` file's content (default `"2048\n"`); null: no file. */
  readonly size?: string | null;
  /** No `subsystem` link. */
  readonly noSubsystem?: boolean;
  /** Slaves: paths of the devices (become `slaves/<name>` links); null: no `slaves/`. */
  readonly slaves?: readonly string[] | null;
  /** A partition: no `/sys/block` link, `DEVTYPE=partition`. */
  readonly partition?: boolean;
  /** Not linked from `/sys/block` (for whole disks). */
  readonly unlisted?: boolean;
}

/** Writes a fixture tree under a root directory. */
export class TreeBuilder {
  readonly #root: string;

  /** Starts a tree at `root` (which must not exist yet). */
  constructor(root: string) {
    this.#root = root;
    Deno.mkdirSync(root, { recursive: true });
    // The cpu differential test bind-mounts every tree's sys/devices/system.
    this.file("/sys/devices/system/README", "No CPUs here: a disks fixture tree.\n");
  }

  #at(path: string): string {
    return this.#root + path;
  }

  /** Creates a directory (and its parents). */
  dir(path: string): this {
    Deno.mkdirSync(this.#at(path), { recursive: true });
    return this;
  }

  /** Writes a file (creating its directory). */
  file(path: string, content: string | Uint8Array): this {
    this.dir(dirname(path));
    if (typeof content === "string") Deno.writeTextFileSync(this.#at(path), content);
    else Deno.writeFileSync(this.#at(path), content);
    return this;
  }

  /** Creates a symbolic link at `path` to the in-tree absolute `target`, stored relative. */
  link(path: string, target: string): this {
    this.dir(dirname(path));
    Deno.symlinkSync(relative(dirname(path), target), this.#at(path));
    return this;
  }

  /** Creates a symbolic link with a literal target (loops, dangling links). */
  rawLink(path: string, target: string): this {
    this.dir(dirname(path));
    Deno.symlinkSync(target, this.#at(path));
    return this;
  }

  /** A PCI (or other bus) device directory whose `driver` link names `driver`. */
  device(path: string, driver?: string): this {
    this.file(`${path}/uevent`, driver ? `DRIVER=${driver}\n` : "");
    if (driver) {
      const bus = path.includes("/usb") ? "usb" : "pci";
      this.dir(`/sys/bus/${bus}/drivers/${driver}`);
      this.link(`${path}/driver`, `/sys/bus/${bus}/drivers/${driver}`);
    }
    return this;
  }

  /** A block device; see {@link BlockDevice}. */
  block(d: BlockDevice): this {
    const name = d.path.slice(d.path.lastIndexOf("/") + 1);
    const devnum = d.devnum === undefined ? null : d.devnum;
    this.dir(d.path);
    if (!d.noUevent) {
      const lines: string[] = [];
      if (devnum) lines.push(`MAJOR=${devnum[0]}`, `MINOR=${devnum[1]}`);
      const devname = d.devname === undefined ? name : d.devname;
      if (devname !== null) lines.push(`DEVNAME=${devname}`);
      lines.push(`DEVTYPE=${d.partition ? "partition" : "disk"}`, ...(d.ueventExtra ?? []));
      this.file(`${d.path}/uevent`, lines.map((l) => `${l}\n`).join(""));
    }
    if (d.size !== null) this.file(`${d.path}/size`, d.size ?? "2048\n");
    if (!d.noSubsystem) {
      this.dir("/sys/class/block");
      this.link(`${d.path}/subsystem`, "/sys/class/block");
    }
    if (!d.partition && d.slaves !== null) {
      this.dir(`${d.path}/slaves`);
      for (const slave of d.slaves ?? []) {
        this.link(`${d.path}/slaves/${slave.slice(slave.lastIndexOf("/") + 1)}`, slave);
      }
    }
    if (devnum) this.link(`/sys/dev/block/${devnum[0]}:${devnum[1]}`, d.path);
    if (!d.partition && !d.unlisted) this.link(`/sys/block/${name}`, d.path);
    return this;
  }

  /** A udev database file `/run/udev/data/<id>`. */
  udev(id: string, lines: readonly string[]): this {
    return this.file(`/run/udev/data/${id}`, lines.map((l) => `${l}\n`).join(""));
  }

  /**
   * Puts a `.keep` file into every empty directory, so git keeps it (an empty `slaves/` is what
   * makes `dependencies: []`). The commands never see it: guest-get-fsinfo walks only the links
   * of `slaves/`, and a file there has no udev device node for guest-get-disks.
   */
  finish(dir = this.#root): void {
    let empty = true;
    for (const entry of Deno.readDirSync(dir)) {
      empty = false;
      if (entry.isDirectory) this.finish(`${dir}/${entry.name}`);
    }
    if (empty) Deno.writeTextFileSync(`${dir}/.keep`, "");
  }

  /** `/proc/self/mountinfo` with one line per `[major:minor, mount point, type]`. */
  mounts(entries: readonly (readonly [string, string, string])[]): this {
    const lines = entries.map(([devnum, mountpoint, type], i) =>
      `${30 + i} 1 ${devnum} / ${mountpoint} rw,relatime - ${type} /dev/x${i} rw\n`
    );
    return this.file("/proc/self/mountinfo", lines.join(""));
  }
}
