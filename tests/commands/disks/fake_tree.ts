/**
 * In-memory sysfs trees for `FakeDisks` (`tests/helpers/fake_sys/disks.ts`): the same shapes as
 * `./tree_builder.ts` writes to disk, with exact listing order.
 *
 * @module
 */

import type { FakeNode } from "../../helpers/fake_sys/disks.ts";

/** Entries of a fake tree, in listing order. */
export type Tree = Record<string, FakeNode>;

/** The relative link target from the directory of `from` to `to` (both absolute). */
export function relativeLink(from: string, to: string): string {
  const a = from.split("/").filter((c) => c !== "").slice(0, -1);
  const b = to.split("/").filter((c) => c !== "");
  let same = 0;
  while (same < a.length && same < b.length && a[same] === b[same]) same++;
  return [...Array(a.length - same).fill(".."), ...b.slice(same)].join("/") || ".";
}

/** Options of {@link block}. */
export interface FakeBlockOptions {
  /** Extra `uevent` lines. */
  readonly uevent?: readonly string[];
  /** The `size` content (default `"2048\n"`). */
  readonly size?: string;
  /** Slave device paths; null: no `slaves/`. */
  readonly slaves?: readonly string[] | null;
  /** A partition (no `/sys/block` link). */
  readonly partition?: boolean;
}

/** A block device at `path` with device number `major:minor`. */
export function block(path: string, major: number, minor: number, o: FakeBlockOptions = {}): Tree {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const tree: Tree = {
    [`${path}/uevent`]: [`MAJOR=${major}`, `MINOR=${minor}`, `DEVNAME=${name}`, ...(o.uevent ?? [])]
      .map((l) => `${l}\n`).join(""),
    [`${path}/size`]: o.size ?? "2048\n",
    [`${path}/subsystem`]: { link: relativeLink(`${path}/subsystem`, "/sys/class/block") },
    [`/sys/dev/block/${major}:${minor}`]: {
      link: relativeLink(`/sys/dev/block/${major}:${minor}`, path),
    },
  };
  if (!o.partition && o.slaves !== null) {
    tree[`${path}/slaves`] = { dir: true };
    for (const slave of o.slaves ?? []) {
      const link = `${path}/slaves/${slave.slice(slave.lastIndexOf("/") + 1)}`;
      tree[link] = { link: relativeLink(link, slave) };
    }
  }
  if (!o.partition) tree[`/sys/block/${name}`] = { link: relativeLink(`/sys/block/${name}`, path) };
  return tree;
}

/** A PCI device directory whose `driver` link names `driver`. */
export function pciDevice(path: string, driver: string): Tree {
  const target = `/sys/bus/pci/drivers/${driver}`;
  return {
    [target]: { dir: true },
    [`${path}/driver`]: { link: relativeLink(`${path}/driver`, target) },
  };
}
