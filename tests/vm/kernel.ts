/**
 * The guest's Linux kernel, per architecture: the current Debian kernel package (the dependency
 * of the meta-package `linux-image-amd64`, or `linux-image-arm64:arm64`), fetched with
 * `apt-get download` and unpacked with `dpkg-deb -x` — never installed on the host. Only
 * `vmlinuz` (on arm64 an uncompressed Image) and the modules the guest loads are kept, in the
 * architecture's cache directory.
 *
 * @module
 */

import type { VmArch } from "./arch.ts";
import { exists, runHost } from "./util.ts";

/**
 * Modules the guest loads (their dependencies are added, in load order). A module the kernel
 * has built in (`modules.builtin`: on arm64 `virtio` and `virtio_ring`) is skipped.
 */
export const WANTED_MODULES: readonly string[] = [
  "crc32c_generic", // ext4 and jbd2 need crc32c (a soft dependency, not in `depends=`)
  "virtio_pci",
  "virtio_console",
  "virtio_blk",
  "virtio_net",
  "ext4",
];

type Log = (line: string) => void;

const APT_ENV = { DEBIAN_FRONTEND: "noninteractive" };

/** Kernel package name from `apt-cache depends <meta-package>` (without `:arch`). */
async function currentKernelPackage(a: VmArch): Promise<string> {
  const { stdout } = await runHost("apt-cache", ["depends", a.kernelMeta]);
  const m = new RegExp(`Depends:\\s*(linux-image-[0-9]\\S*?-${a.debArch})\\b`).exec(stdout);
  if (!m) throw new Error(`cannot find the kernel package in:\n${stdout}`);
  return m[1]!;
}

/** Reads `depends=` from a module's `.modinfo` strings. */
function moduleDepends(bytes: Uint8Array): string[] {
  const text = new TextDecoder("latin1").decode(bytes);
  const m = /\0depends=([^\0]*)\0/.exec(text);
  if (!m || m[1] === "") return [];
  return m[1]!.split(",").map((d) => d.replaceAll("-", "_"));
}

async function walkModules(dir: string, out: Map<string, string>): Promise<void> {
  for await (const e of Deno.readDir(dir)) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory) await walkModules(path, out);
    else if (e.name.endsWith(".ko")) out.set(e.name.slice(0, -3).replaceAll("-", "_"), path);
  }
}

/** Names of the modules built into the kernel (`modules.builtin`). */
async function builtinModules(releaseDir: string): Promise<Set<string>> {
  const text = await Deno.readTextFile(`${releaseDir}/modules.builtin`).catch(() => "");
  return new Set(
    text.split("\n").filter(Boolean).map((p) =>
      p.slice(p.lastIndexOf("/") + 1).replace(/\.ko$/, "").replaceAll("-", "_")
    ),
  );
}

/** The wanted modules and their dependencies, dependencies first. */
async function moduleLoadOrder(
  releaseDir: string,
  wanted: readonly string[],
): Promise<[string, string][]> {
  const index = new Map<string, string>();
  await walkModules(`${releaseDir}/kernel`, index);
  const builtin = await builtinModules(releaseDir);
  const order: [string, string][] = [];
  const done = new Set<string>();
  const visit = async (name: string, chain: string[]) => {
    if (done.has(name)) return;
    if (chain.includes(name)) throw new Error(`module dependency cycle: ${chain.join(" > ")}`);
    const path = index.get(name);
    if (!path) {
      if (builtin.has(name)) return;
      throw new Error(`kernel module ${name} not found (built in?)`);
    }
    for (const dep of moduleDepends(await Deno.readFile(path))) {
      await visit(dep, [...chain, name]);
    }
    done.add(name);
    order.push([name, path]);
  };
  for (const name of wanted) await visit(name, []);
  return order;
}

/**
 * Makes sure the current Debian kernel of `a` is unpacked in its cache: `vmlinuz` plus the
 * wanted modules (flat, as `<name>.ko`) and `modules.order` (load order).
 *
 * @param a The guest architecture.
 * @param log Progress output.
 * @returns The kernel's directory and release.
 */
export async function ensureKernel(a: VmArch, log: Log): Promise<{ dir: string; release: string }> {
  const kernelsDir = `${a.cacheDir}/kernel`;
  let pkg: string | undefined;
  try {
    pkg = await currentKernelPackage(a).catch(async () => {
      // No package lists yet (fresh machine, or a foreign architecture just added): fetch them.
      await runHost("apt-get", ["update", "-q"], { env: APT_ENV });
      return await currentKernelPackage(a);
    });
  } catch (error) {
    // Offline apt: fall back to any kernel already in the cache.
    try {
      for await (const e of Deno.readDir(kernelsDir)) {
        if (e.isDirectory && await exists(`${kernelsDir}/${e.name}/ready`)) pkg = e.name;
      }
    } catch {
      // No cache either.
    }
    if (!pkg) throw error;
  }
  const release = pkg.replace(/^linux-image-/, "");
  const dir = `${kernelsDir}/${pkg}`;
  const stamp = WANTED_MODULES.join(",");
  const ready = `${dir}/ready`;
  if (await exists(ready) && (await Deno.readTextFile(ready)).trim() === stamp) {
    return { dir, release };
  }
  log(`fetching kernel package ${pkg} (${a.debArch})`);
  const work = `${kernelsDir}/.work-${pkg}`;
  await Deno.remove(work, { recursive: true }).catch(() => {});
  await Deno.mkdir(work, { recursive: true });
  await runHost("apt-get", ["download", "-q", `${pkg}:${a.debArch}`], { cwd: work });
  const deb = [...Deno.readDirSync(work)].find((e) => e.name.endsWith(".deb"))?.name;
  if (!deb) throw new Error(`apt-get download ${pkg} left no .deb in ${work}`);
  await runHost("dpkg-deb", ["-x", `${work}/${deb}`, `${work}/root`]);
  const vmlinuz = `${work}/root/boot/vmlinuz-${release}`;
  if (!await exists(vmlinuz)) throw new Error(`${deb} has no boot/vmlinuz-${release}`);
  const order = await moduleLoadOrder(`${work}/root/lib/modules/${release}`, WANTED_MODULES);
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(`${dir}/modules`, { recursive: true });
  await Deno.copyFile(vmlinuz, `${dir}/vmlinuz`);
  for (const [name, path] of order) await Deno.copyFile(path, `${dir}/modules/${name}.ko`);
  await Deno.writeTextFile(`${dir}/modules.order`, order.map(([n]) => `${n}.ko`).join("\n") + "\n");
  await Deno.remove(work, { recursive: true });
  await Deno.writeTextFile(ready, stamp + "\n");
  log(`kernel ${release} unpacked (${order.length} modules)`);
  return { dir, release };
}
