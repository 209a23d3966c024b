/**
 * Builds the guest for the VM suite, per architecture ({@linkcode VM_ARCHES}), cached in
 * `.cache/vm/` (x86_64) and `.cache/vm/aarch64/` (ignored by git):
 *
 * - host tools, installed with apt-get when missing: the architecture's QEMU
 *   (`qemu-system-x86`, or `qemu-system-arm` for qemu-system-aarch64; QEMU 7.2) and `e2fsprogs`;
 *   for x86_64 also `busybox-static` and `qemu-guest-agent`, for aarch64 `binutils` (readelf);
 * - the kernel of the current Debian kernel package (`kernel.ts`), never installed on the host;
 * - the guest's programs ({@linkcode GuestParts}): the host's own for x86_64
 *   (`parts_x86_64.ts`), downloaded from Debian and npm for aarch64 (`parts_aarch64.ts`);
 * - an uncompressed initramfs: busybox (as init, with `guest/inittab` and `guest/rc.sh`), the
 *   modules in load order, Deno and its libraries, qemu-ga 7.2 and its libraries, a
 *   distribution's userland (`guest_userland.ts`), and the agent's sources (`main.ts`,
 *   `deno.json`, `src/`) at the same absolute path as on the host, with a `DENO_DIR` pre-filled
 *   on the host so the guest does not transpile anything and nothing is ever downloaded.
 *
 * The initramfs is rebuilt only when one of its inputs changed (a stamp of paths, sizes and
 * modification times).
 *
 * @module
 */

import { type Arch, CACHE_DIR, REPO_ROOT, VM_ARCHES, type VmArch } from "./arch.ts";
import { CpioWriter } from "./cpio.ts";
import { accountFiles, GUEST_ZONE, utmpFile } from "./guest_userland.ts";
import { ensureKernel } from "./kernel.ts";
import { arm64Parts } from "./parts_aarch64.ts";
import { type GuestParts, hostParts, QEMU_GA } from "./parts_x86_64.ts";
import { exists, haveProgram, runHost } from "./util.ts";
import { DEFAULT_FILE_ROOT } from "../../src/policy/profiles.ts";

export { CACHE_DIR, QEMU_GA, REPO_ROOT };

/** Directory of the guest-side scripts. */
const GUEST_DIR = decodeURIComponent(new URL("./guest/", import.meta.url).pathname);

/** The in-guest ABI probe (`checks_abi.ts`), at the same absolute path as on the host. */
export const ABI_PROBE = "tests/vm/guest/abi_probe.ts";
/** The in-guest probe of a confined profile's sandbox (`checks_profiles.ts`), likewise. */
export const SANDBOX_PROBE = "tests/vm/guest/sandbox_probe.ts";
/** The confined profiles' default file root, made (empty) in the image. */
export const FILE_ROOT: string = DEFAULT_FILE_ROOT;

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

/** The built guest. */
export interface GuestImage {
  /** The guest's architecture. */
  arch: Arch;
  /** Path of the kernel (`vmlinuz`; on arm64 an uncompressed Image). */
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
 * Installs the host packages the harness needs for guests of `a`, when missing (apt-get, as
 * root).
 *
 * @param log Progress output.
 * @param a The guest architecture (default x86_64).
 */
export async function ensureHostPackages(log: Log, a: VmArch = VM_ARCHES.x86_64): Promise<void> {
  const missing: string[] = [];
  if (!await haveProgram(a.qemu)) missing.push(a.qemuPackage);
  if (!await haveProgram("mkfs.ext4")) missing.push("e2fsprogs");
  if (a.arch === "x86_64") {
    if (!await isStaticBusybox()) missing.push("busybox-static");
    if (!await exists(QEMU_GA)) missing.push("qemu-guest-agent");
  } else if (!await haveProgram("readelf")) {
    missing.push("binutils");
  }
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
 * Builds (or reuses) everything needed to boot a guest of `arch`.
 *
 * @param log Progress output.
 * @param arch The guest architecture (default x86_64).
 * @returns Kernel and initramfs paths.
 */
export async function ensureImage(log: Log, arch: Arch = "x86_64"): Promise<GuestImage> {
  const a = VM_ARCHES[arch];
  await ensureHostPackages(log, a);
  await Deno.mkdir(a.cacheDir, { recursive: true });
  // The parts first: for aarch64 they add Debian's arm64 architecture, which the kernel needs.
  const parts: GuestParts = arch === "x86_64" ? await hostParts(a) : await arm64Parts(a, log);
  const kernel = await ensureKernel(a, log);

  // Everything copied from the host: [archive path, host path].
  const libs = new Map(parts.libs);
  const copies: [string, string][] = [...libs];
  copies.push(["/usr/bin/deno", parts.deno], [QEMU_GA, parts.qemuGa]);
  copies.push(["/bin/busybox", parts.busybox]);
  const agentFiles = [
    "main.ts",
    "deno.json",
    ...(await listFiles(`${REPO_ROOT}/src`)).map((f) => `src/${f}`),
  ];
  if (await exists(`${REPO_ROOT}/deno.lock`)) agentFiles.push("deno.lock");
  agentFiles.push(ABI_PROBE, SANDBOX_PROBE); // checks_abi.ts, checks_profiles.ts run them
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

  const stampParts = [`arch ${arch}`, `applets ${parts.applets?.length ?? "guest"}`];
  stampParts.push(`kernel ${kernel.release}`, `modules ${moduleOrder.join(",")}`);
  for (const [, host] of copies) {
    const info = await Deno.stat(host);
    stampParts.push(`${host} ${info.size} ${info.mtime?.getTime()}`);
  }
  const accounts = accountFiles();
  const utmp = utmpFile(arch);
  stampParts.push(
    `net ${JSON.stringify(GUEST_NET)}`,
    `cpio-format 1`,
    `file-root ${FILE_ROOT}`,
    `accounts ${JSON.stringify(accounts)}`,
    `utmp ${utmp.toBase64()}`,
  );
  const stamp = stampParts.join("\n") + "\n";
  const initrd = `${a.cacheDir}/initrd.cpio`;
  const stampPath = `${a.cacheDir}/initrd.stamp`;
  const image = { arch, kernel: `${kernel.dir}/vmlinuz`, initrd, kernelRelease: kernel.release };
  if (await exists(initrd) && await Deno.readTextFile(stampPath).catch(() => "") === stamp) {
    return image;
  }

  log(`building the ${arch} initramfs`);
  // Filled by the host's Deno (the same version as the guest's): transpiled sources, module
  // graph; the guest reuses them whatever its architecture.
  const denoDir = `${a.cacheDir}/deno-dir`;
  await prewarmDenoDir(Deno.execPath(), denoDir);
  await Deno.remove(stampPath).catch(() => {});
  const tmp = `${initrd}.tmp`;
  const w = await CpioWriter.create(tmp);
  const dirsAdded = new Set<string>();
  const addParents = async (path: string) => {
    const segments = path.replace(/^\/+/, "").split("/").slice(0, -1);
    for (let i = 1; i <= segments.length; i++) {
      const d = segments.slice(0, i).join("/");
      if (dirsAdded.has(d)) continue;
      dirsAdded.add(d);
      await w.add({ kind: "dir", path: d });
    }
  };
  const dirs = ["dev", "proc", "sys", "tmp", "run", "root", "mnt", "var", "etc/vm", "lib"];
  dirs.push(FILE_ROOT.slice(1));
  // busybox --install -s (aarch64) links into these and creates no directory.
  for (const d of [...dirs, "bin", "sbin", "usr/bin", "usr/sbin"]) {
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
  // busybox has no `shutdown` (qemu-ga 7.2 runs it). Where the harness links the applets, the
  // script also stands in for `poweroff`; where the guest links them (aarch64), `/sbin/poweroff`
  // is busybox's own applet, as in a busybox distribution: it only signals PID 1 (busybox init),
  // which powers off.
  for (const name of parts.applets ? ["shutdown", "poweroff"] : ["shutdown"]) {
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
  // busybox applets, at the paths busybox itself suggests (existing entries win); without a
  // list only the shell that runs rc.sh, which links the rest.
  for (const applet of parts.applets ?? ["bin/sh"]) {
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
