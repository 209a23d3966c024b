/**
 * Builds the guest for the VM suite from Debian packages, cached in `.cache/vm/` (ignored by
 * git):
 *
 * - host tools, installed with apt-get when missing: `qemu-system-x86` (QEMU 7.2),
 *   `busybox-static`, `qemu-guest-agent` (the reference agent, copied into the guest with its
 *   libraries) and `e2fsprogs`;
 * - the kernel of the current `linux-image-*-amd64` package (the dependency of the meta-package
 *   `linux-image-amd64`), fetched with `apt-get download` and unpacked with `dpkg-deb -x` —
 *   never installed on the host. Only `vmlinuz` and the modules the guest loads are kept;
 * - an uncompressed initramfs: busybox (as init, with `guest/inittab` and `guest/rc.sh`), the
 *   modules in load order, the Deno binary and its libraries (`ldd`), qemu-ga 7.2 and its
 *   libraries, and the agent's sources (`main.ts`, `deno.json`, `src/`) at the same absolute
 *   path as on the host, with a `DENO_DIR` pre-filled on the host so the guest does not
 *   transpile anything and nothing is ever downloaded.
 *
 * The initramfs is rebuilt only when one of its inputs changed (a stamp of paths, sizes and
 * modification times).
 *
 * @module
 */

import { CpioWriter } from "./cpio.ts";
import { accountFiles, GUEST_ZONE, utmpFile } from "./guest_userland.ts";
import { exists, haveProgram, runHost } from "./util.ts";

/** Absolute path of the repository root. */
export const REPO_ROOT: string = decodeURIComponent(new URL("../../", import.meta.url).pathname)
  .replace(/\/$/, "");

/** The harness's cache directory. */
export const CACHE_DIR = `${REPO_ROOT}/.cache/vm`;

/** Directory of the guest-side scripts. */
const GUEST_DIR = decodeURIComponent(new URL("./guest/", import.meta.url).pathname);

/** Path of Debian's qemu-ga 7.2 on the host (copied into the guest). */
export const QEMU_GA = "/usr/sbin/qemu-ga";

/** Name of the virtio-serial port of the agent under test. */
export const TEST_PORT = "org.qemu.guest_agent.0";
/** Name of the virtio-serial port of the reference qemu-ga. */
export const REF_PORT = "org.qemu.guest_agent.1";
/** Name of the virtio-serial port of the command shell. */
export const SHELL_PORT = "org.qemu.vmtest.shell";

/** The guest's NIC: MAC address, IPv4 and IPv6 address with prefix length. */
export const GUEST_NET = {
  mac: "52:54:00:12:34:56",
  ipv4: "10.0.2.15",
  ipv4Prefix: 24,
  ipv6: "fd00:5eed::15",
  ipv6Prefix: 64,
} as const;

/** Modules the guest loads (their dependencies are added, in load order). */
const WANTED_MODULES = [
  "crc32c_generic", // ext4 and jbd2 need crc32c (a soft dependency, not in `depends=`)
  "virtio_pci",
  "virtio_console",
  "virtio_blk",
  "virtio_net",
  "ext4",
];

/** The built guest. */
export interface GuestImage {
  /** Path of the kernel (`vmlinuz`). */
  kernel: string;
  /** Path of the initramfs (uncompressed newc cpio). */
  initrd: string;
  /** Kernel release, e.g. `6.1.0-56-amd64`. */
  kernelRelease: string;
}

type Log = (line: string) => void;

async function isStaticBusybox(): Promise<boolean> {
  if (!await exists("/bin/busybox")) return false;
  // ldd fails ("not a dynamic executable") for a static binary.
  return (await runHost("ldd", ["/bin/busybox"], { check: false })).code !== 0;
}

/**
 * Installs the host packages the harness needs, when missing (apt-get, as root).
 *
 * @param log Progress output.
 */
export async function ensureHostPackages(log: Log): Promise<void> {
  const missing: string[] = [];
  if (!await haveProgram("qemu-system-x86_64")) missing.push("qemu-system-x86");
  if (!await isStaticBusybox()) missing.push("busybox-static");
  if (!await exists(QEMU_GA)) missing.push("qemu-guest-agent");
  if (!await haveProgram("mkfs.ext4")) missing.push("e2fsprogs");
  if (missing.length === 0) return;
  log(`installing host packages: ${missing.join(" ")}`);
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  const args = ["install", "-y", "-q", "--no-install-recommends", ...missing];
  const first = await runHost("apt-get", args, { env, check: false });
  if (first.code !== 0) {
    await runHost("apt-get", ["update", "-q"], { env });
    await runHost("apt-get", args, { env });
  }
}

/** Kernel package name from `apt-cache depends linux-image-amd64`. */
async function currentKernelPackage(): Promise<string> {
  const { stdout } = await runHost("apt-cache", ["depends", "linux-image-amd64"]);
  const m = /Depends:\s*(linux-image-[0-9][^\s]*-amd64)\b/.exec(stdout);
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

/** The wanted modules and their dependencies, dependencies first. */
async function moduleLoadOrder(treeDir: string, wanted: string[]): Promise<[string, string][]> {
  const index = new Map<string, string>();
  await walkModules(treeDir, index);
  const order: [string, string][] = [];
  const done = new Set<string>();
  const visit = async (name: string, chain: string[]) => {
    if (done.has(name)) return;
    if (chain.includes(name)) throw new Error(`module dependency cycle: ${chain.join(" > ")}`);
    const path = index.get(name);
    if (!path) throw new Error(`kernel module ${name} not found (built in?)`);
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
 * Makes sure the current Debian kernel is unpacked in the cache: `vmlinuz` plus the wanted
 * modules (flat, as `<name>.ko`) and `modules.order` (load order).
 *
 * @param log Progress output.
 * @returns The kernel's directory and release.
 */
export async function ensureKernel(log: Log): Promise<{ dir: string; release: string }> {
  const kernelsDir = `${CACHE_DIR}/kernel`;
  let pkg: string | undefined;
  try {
    pkg = await currentKernelPackage().catch(async () => {
      // No package lists yet (fresh machine): fetch them once.
      await runHost("apt-get", ["update", "-q"], { env: { DEBIAN_FRONTEND: "noninteractive" } });
      return await currentKernelPackage();
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
  log(`fetching kernel package ${pkg}`);
  const work = `${kernelsDir}/.work-${pkg}`;
  await Deno.remove(work, { recursive: true }).catch(() => {});
  await Deno.mkdir(work, { recursive: true });
  await runHost("apt-get", ["download", "-q", pkg], { cwd: work });
  const deb = [...Deno.readDirSync(work)].find((e) => e.name.endsWith(".deb"))?.name;
  if (!deb) throw new Error(`apt-get download ${pkg} left no .deb in ${work}`);
  await runHost("dpkg-deb", ["-x", `${work}/${deb}`, `${work}/root`]);
  const vmlinuz = `${work}/root/boot/vmlinuz-${release}`;
  if (!await exists(vmlinuz)) throw new Error(`${deb} has no boot/vmlinuz-${release}`);
  const order = await moduleLoadOrder(`${work}/root/lib/modules/${release}/kernel`, WANTED_MODULES);
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

/** The real Deno executable (not an npm launcher script). */
async function denoBinary(): Promise<string> {
  const candidates = [Deno.execPath()];
  const which = await runHost("sh", ["-c", "command -v deno"], { check: false });
  if (which.code === 0) candidates.push(await Deno.realPath(which.stdout.trim()));
  for (const path of candidates) {
    using f = await Deno.open(path);
    const head = new Uint8Array(4);
    await f.read(head);
    if (head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46) return path;
  }
  throw new Error(`no Deno ELF binary among ${candidates.join(", ")}`);
}

/** Shared libraries of a dynamic executable, as `ldd` names them (including the loader). */
async function sharedLibraries(binary: string): Promise<string[]> {
  const { stdout } = await runHost("ldd", [binary]);
  const libs: string[] = [];
  for (const line of stdout.split("\n")) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.push(m[1]!);
  }
  return libs;
}

async function listFiles(dir: string, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(dir)) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory) out.push(...await listFiles(`${dir}/${e.name}`, rel));
    else if (e.isFile) out.push(rel);
  }
  return out.sort();
}

/** Fills a DENO_DIR on the host by starting the agent once (`-V`), so the guest reuses it. */
async function prewarmDenoDir(deno: string, denoDir: string): Promise<void> {
  await Deno.remove(denoDir, { recursive: true }).catch(() => {});
  await Deno.mkdir(denoDir, { recursive: true });
  await runHost(deno, ["run", "-q", "-P", "main.ts", "-V"], {
    cwd: REPO_ROOT,
    env: { DENO_DIR: denoDir, DENO_NO_UPDATE_CHECK: "1", NO_COLOR: "1" },
  });
}

/**
 * Builds (or reuses) everything needed to boot the guest.
 *
 * @param log Progress output.
 * @returns Kernel and initramfs paths.
 */
export async function ensureImage(log: Log): Promise<GuestImage> {
  await ensureHostPackages(log);
  await Deno.mkdir(CACHE_DIR, { recursive: true });
  const kernel = await ensureKernel(log);
  const deno = await denoBinary();

  // Everything copied from the host: [archive path, host path].
  const copies: [string, string][] = [];
  const libs = new Set<string>();
  for (const lib of [...await sharedLibraries(deno), ...await sharedLibraries(QEMU_GA)]) {
    libs.add(lib);
  }
  // The agent's FFI layer dlopens libc by absolute path; ldd lists it already, keep it explicit.
  libs.add("/lib/x86_64-linux-gnu/libc.so.6");
  for (const lib of libs) copies.push([lib, await Deno.realPath(lib)]);
  copies.push(["/usr/bin/deno", deno], [QEMU_GA, QEMU_GA], ["/bin/busybox", "/bin/busybox"]);
  const agentFiles = [
    "main.ts",
    "deno.json",
    ...(await listFiles(`${REPO_ROOT}/src`)).map((f) => `src/${f}`),
  ];
  if (await exists(`${REPO_ROOT}/deno.lock`)) agentFiles.push("deno.lock");
  for (const f of agentFiles) copies.push([`${REPO_ROOT}/${f}`, `${REPO_ROOT}/${f}`]);
  const guestFiles = ["inittab", "rc.sh", "shell.sh", "start_agent.sh", "poweroff.sh"];
  for (const f of guestFiles) {
    copies.push([f === "inittab" ? "/etc/inittab" : `/etc/vm/${f}`, `${GUEST_DIR}${f}`]);
  }
  // A distribution's userland for the newer commands (guest_userland.ts).
  copies.push(["/usr/sbin/chpasswd", `${GUEST_DIR}chpasswd.sh`]);
  copies.push(["/etc/os-release", await Deno.realPath("/etc/os-release")]);
  copies.push([`/usr/share/zoneinfo/${GUEST_ZONE}`, `/usr/share/zoneinfo/${GUEST_ZONE}`]);
  const moduleOrder = (await Deno.readTextFile(`${kernel.dir}/modules.order`)).trim().split("\n");

  const stampParts = [`kernel ${kernel.release}`, `modules ${moduleOrder.join(",")}`];
  for (const [, host] of copies) {
    const info = await Deno.stat(host);
    stampParts.push(`${host} ${info.size} ${info.mtime?.getTime()}`);
  }
  const accounts = accountFiles();
  const utmp = utmpFile("x86_64");
  stampParts.push(
    `net ${JSON.stringify(GUEST_NET)}`,
    `cpio-format 1`,
    `accounts ${JSON.stringify(accounts)}`,
    `utmp ${utmp.toBase64()}`,
  );
  const stamp = stampParts.join("\n") + "\n";
  const initrd = `${CACHE_DIR}/initrd.cpio`;
  const stampPath = `${CACHE_DIR}/initrd.stamp`;
  const image = { kernel: `${kernel.dir}/vmlinuz`, initrd, kernelRelease: kernel.release };
  if (await exists(initrd) && await Deno.readTextFile(stampPath).catch(() => "") === stamp) {
    return image;
  }

  log("building the initramfs");
  const denoDir = `${CACHE_DIR}/deno-dir`;
  await prewarmDenoDir(deno, denoDir);
  await Deno.remove(stampPath).catch(() => {});
  const tmp = `${initrd}.tmp`;
  const w = await CpioWriter.create(tmp);
  const dirsAdded = new Set<string>();
  const addParents = async (path: string) => {
    const parts = path.replace(/^\/+/, "").split("/").slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const d = parts.slice(0, i).join("/");
      if (dirsAdded.has(d)) continue;
      dirsAdded.add(d);
      await w.add({ kind: "dir", path: d });
    }
  };
  for (const d of ["dev", "proc", "sys", "tmp", "run", "root", "mnt", "var", "etc/vm", "lib"]) {
    await addParents(`${d}/x`);
  }
  await w.add({ kind: "symlink", path: "var/run", target: "../run" });
  await w.add({ kind: "chardev", path: "dev/console", mode: 0o600, major: 5, minor: 1 });
  await w.add({ kind: "chardev", path: "dev/null", mode: 0o666, major: 1, minor: 3 });
  await w.add({ kind: "symlink", path: "init", target: "bin/busybox" });
  await w.add({
    kind: "symlink",
    path: "etc/localtime",
    target: `/usr/share/zoneinfo/${GUEST_ZONE}`,
  });
  await w.add({ kind: "file", path: "etc/vm/utmp", data: utmp, mode: 0o644 });

  const text = (s: string) => new TextEncoder().encode(s);
  const etc: [string, string, number?][] = [
    ["etc/passwd", accounts.passwd],
    ["etc/group", accounts.group],
    ["etc/shadow", accounts.shadow, 0o600],
    ["etc/hostname", "vm\n"],
    ["etc/timezone", `${GUEST_ZONE}\n`],
    ["etc/vm/modules", moduleOrder.join("\n") + "\n"],
    ["etc/vm/ports", "3\n"],
    ["etc/vm/ipv4", `${GUEST_NET.ipv4}/${GUEST_NET.ipv4Prefix}\n`],
    ["etc/vm/ipv6", `${GUEST_NET.ipv6}/${GUEST_NET.ipv6Prefix}\n`],
    ["etc/vm/agent-dir", `${REPO_ROOT}\n`],
  ];
  for (const [path, content, mode] of etc) {
    await addParents(path);
    await w.add({ kind: "file", path, data: text(content), mode: mode ?? 0o644 });
  }
  for (const [path, host] of copies) {
    await addParents(path);
    await w.add({ kind: "copy", path, source: host });
  }
  for (const name of ["shutdown", "poweroff"]) {
    await addParents(`sbin/${name}`);
    await w.add({ kind: "copy", path: `sbin/${name}`, source: `${GUEST_DIR}poweroff.sh` });
  }
  for (const m of moduleOrder) {
    await addParents(`lib/modules/${m}`);
    await w.add({ kind: "copy", path: `lib/modules/${m}`, source: `${kernel.dir}/modules/${m}` });
  }
  for (const f of await listFiles(denoDir)) {
    await addParents(`var/cache/deno/${f}`);
    await w.add({ kind: "copy", path: `var/cache/deno/${f}`, source: `${denoDir}/${f}` });
  }
  // busybox applets, at the paths busybox itself suggests (existing entries win).
  const applets = (await runHost("/bin/busybox", ["--list-full"])).stdout.trim().split("\n");
  for (const applet of applets) {
    if (applet === "linuxrc" || applet === "bin/busybox") continue;
    await addParents(applet);
    const depth = applet.split("/").length - 1;
    await w.add({ kind: "symlink", path: applet, target: `${"../".repeat(depth)}bin/busybox` });
  }
  await w.close();
  await Deno.rename(tmp, initrd);
  await Deno.writeTextFile(stampPath, stamp);
  return image;
}

/**
 * Creates a fresh 64 MiB ext4 image on a plain file (`mkfs.ext4 -F`).
 *
 * @param path The image file.
 */
export async function makeDisk(path: string): Promise<void> {
  await Deno.remove(path).catch(() => {});
  await runHost("mkfs.ext4", ["-q", "-F", "-L", "vmtest", path, "64M"]);
}
