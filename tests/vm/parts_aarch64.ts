/**
 * The aarch64 guest's programs, from the two registries and cached in `.cache/vm/aarch64/`:
 *
 * - Debian: `dpkg --add-architecture arm64` (kept: see the README) and `apt-get update` once,
 *   then `apt-get download` of busybox-static, libc6, libgcc-s1 and, for the differential,
 *   qemu-guest-agent (qemu-ga 7.2) with its libraries — all `:arm64`, unpacked with
 *   `dpkg-deb -x` into `root/`, never installed;
 * - npm: Deno for linux-arm64-glibc (`npm pack @deno/linux-arm64-glibc@<the host's version>`).
 *
 * There is no arm64 `ldd` on the host: the libraries of Deno and qemu-ga are found by walking
 * `readelf -d` NEEDED entries through the unpacked tree. The arm64 busybox cannot run on the host
 * to list its applets either: the guest links them itself (`busybox --install -s` in `rc.sh`).
 *
 * @module
 */

import type { VmArch } from "./arch.ts";
import type { GuestParts } from "./parts_x86_64.ts";
import { exists, haveProgram, runHost } from "./util.ts";

/** The arm64 packages unpacked for the guest (all `:arm64`). */
export const ARM64_PACKAGES: readonly string[] = [
  "busybox-static",
  "libc6",
  "libgcc-s1",
  "qemu-guest-agent",
  "libglib2.0-0",
  "libpcre2-8-0",
  "libudev1",
  "libnuma1",
  "liburing2",
];

/** Directories the guest's loader searches (Debian multiarch), relative to the root. */
const LIB_DIRS = ["lib/aarch64-linux-gnu", "usr/lib/aarch64-linux-gnu"];

const APT_ENV = { DEBIAN_FRONTEND: "noninteractive" };

type Log = (line: string) => void;

/** Adds Debian's arm64 architecture to dpkg when missing, and fetches its package lists. */
export async function ensureArm64Apt(log: Log): Promise<void> {
  const foreign = await runHost("dpkg", ["--print-foreign-architectures"]);
  if (foreign.stdout.split("\n").includes("arm64")) return;
  log("adding the arm64 architecture to dpkg (dpkg --add-architecture arm64; apt-get update)");
  await runHost("dpkg", ["--add-architecture", "arm64"]);
  await runHost("apt-get", ["update", "-q"], { env: APT_ENV });
}

/** `Package version` lines of the candidates, or undefined when apt does not know them. */
async function candidateVersions(): Promise<string | undefined> {
  const args = ["show", "--no-all-versions", ...ARM64_PACKAGES.map((p) => `${p}:arm64`)];
  const r = await runHost("apt-cache", args, { check: false });
  if (r.code !== 0) return undefined;
  const names = [...r.stdout.matchAll(/^Package: (\S+)$/gm)].map((m) => m[1]);
  const versions = [...r.stdout.matchAll(/^Version: (\S+)$/gm)].map((m) => m[1]);
  return names.map((n, i) => `${n} ${versions[i]}`).sort().join("\n") + "\n";
}

/** Downloads and unpacks {@link ARM64_PACKAGES} into `<cache>/root` (when not done yet). */
async function ensureRoot(a: VmArch, log: Log): Promise<string> {
  const root = `${a.cacheDir}/root`;
  const stampPath = `${a.cacheDir}/root.stamp`;
  let want = await candidateVersions();
  if (want === undefined) {
    await runHost("apt-get", ["update", "-q"], { env: APT_ENV, check: false });
    want = await candidateVersions();
  }
  const have = await Deno.readTextFile(stampPath).catch(() => undefined);
  // Offline apt: keep whatever is cached.
  if (have !== undefined && (want === undefined || want === have)) return root;
  if (want === undefined) throw new Error("apt knows no arm64 packages (apt-get update failed?)");
  log(`downloading ${ARM64_PACKAGES.length} arm64 packages (apt-get download)`);
  const work = `${a.cacheDir}/.work-root`;
  await Deno.remove(work, { recursive: true }).catch(() => {});
  await Deno.mkdir(`${work}/debs`, { recursive: true });
  await runHost("apt-get", ["download", "-q", ...ARM64_PACKAGES.map((p) => `${p}:arm64`)], {
    cwd: `${work}/debs`,
  });
  for (const e of [...Deno.readDirSync(`${work}/debs`)].sort((x, y) => x.name < y.name ? -1 : 1)) {
    await runHost("dpkg-deb", ["-x", `${work}/debs/${e.name}`, `${work}/root`]);
  }
  await Deno.remove(root, { recursive: true }).catch(() => {});
  await Deno.rename(`${work}/root`, root);
  await Deno.remove(work, { recursive: true });
  await Deno.writeTextFile(stampPath, want);
  return root;
}

/** Fetches Deno for linux-arm64-glibc from npm (same version as the host's Deno). */
async function ensureDeno(a: VmArch, log: Log): Promise<string> {
  const version = Deno.version.deno;
  const dir = `${a.cacheDir}/deno-${version}`;
  const binary = `${dir}/package/deno`;
  if (await exists(binary)) return binary;
  if (!await haveProgram("npm")) throw new Error("npm is needed to fetch Deno for arm64");
  log(`fetching Deno ${version} for arm64 (npm pack @deno/linux-arm64-glibc@${version})`);
  const work = `${dir}.work`;
  await Deno.remove(work, { recursive: true }).catch(() => {});
  await Deno.mkdir(work, { recursive: true });
  const pack = await runHost("npm", [
    "pack",
    "--silent",
    "--cache",
    `${a.cacheDir}/npm-cache`,
    `@deno/linux-arm64-glibc@${version}`,
  ], { cwd: work });
  const tgz = pack.stdout.trim().split("\n").pop()!;
  await runHost("tar", ["-xzf", tgz], { cwd: work });
  await Deno.remove(`${work}/${tgz}`);
  await Deno.remove(dir, { recursive: true }).catch(() => {});
  await Deno.rename(work, dir);
  return binary;
}

/** Resolves `path` (absolute, in the guest's terms) inside `root`, following symbolic links. */
async function resolveIn(root: string, path: string, depth = 0): Promise<string> {
  if (depth > 20) throw new Error(`too many symbolic links at ${path}`);
  const parts = path.split("/").filter(Boolean);
  let at = "";
  for (let i = 0; i < parts.length; i++) {
    const next = `${at}/${parts[i]}`;
    const info = await Deno.lstat(`${root}${next}`);
    if (info.isSymlink) {
      const target = await Deno.readLink(`${root}${next}`);
      const base = target.startsWith("/") ? target : `${at}/${target}`;
      const rest = parts.slice(i + 1).join("/");
      return resolveIn(root, normalise(rest ? `${base}/${rest}` : base), depth + 1);
    }
    at = next;
  }
  return `${root}${at}`;
}

function normalise(path: string): string {
  const out: string[] = [];
  for (const p of path.split("/")) {
    if (p === "" || p === ".") continue;
    if (p === "..") out.pop();
    else out.push(p);
  }
  return `/${out.join("/")}`;
}

/** NEEDED entries of an ELF file (`readelf -d`). */
async function needed(file: string): Promise<string[]> {
  const { stdout } = await runHost("readelf", ["-d", "-W", file]);
  return [...stdout.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]!);
}

/**
 * The shared libraries `programs` load, found in `root` by walking NEEDED recursively.
 *
 * @returns `[guest path, host file]` pairs.
 */
async function libraryClosure(root: string, programs: string[]): Promise<[string, string][]> {
  const found = new Map<string, string>();
  const queue = [...programs];
  while (queue.length > 0) {
    for (const soname of await needed(queue.shift()!)) {
      if ([...found.keys()].some((g) => g.endsWith(`/${soname}`))) continue;
      let guestPath: string | undefined;
      for (const d of LIB_DIRS) {
        if (await exists(`${root}/${d}/${soname}`)) guestPath = `/${d}/${soname}`;
        if (guestPath) break;
      }
      if (!guestPath) throw new Error(`arm64 library ${soname} not in ${ARM64_PACKAGES.join(" ")}`);
      const file = await resolveIn(root, guestPath);
      found.set(guestPath, file);
      queue.push(file);
    }
  }
  return [...found];
}

/**
 * Everything the aarch64 guest runs, downloaded and unpacked when missing.
 *
 * @param a The aarch64 entry of `VM_ARCHES`.
 * @param log Progress output.
 * @returns The parts for the initramfs.
 */
export async function arm64Parts(a: VmArch, log: Log): Promise<GuestParts> {
  await ensureArm64Apt(log);
  await Deno.mkdir(a.cacheDir, { recursive: true });
  const root = await ensureRoot(a, log);
  const deno = await ensureDeno(a, log);
  const qemuGa = `${root}/usr/sbin/qemu-ga`;
  const libs = await libraryClosure(root, [deno, qemuGa]);
  for (const path of [a.loader, a.libc]) libs.push([path, await resolveIn(root, path)]);
  return {
    deno,
    qemuGa,
    busybox: `${root}/bin/busybox`,
    libs,
    applets: undefined,
  };
}
