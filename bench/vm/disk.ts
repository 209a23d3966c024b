/**
 * The benchmark's extra files for the VM guest, on the guest's virtio disk (an ext4 image made
 * with `mkfs.ext4 -d`, which the guest mounts at `/mnt/disk`), so that the VM suite's initramfs
 * stays as it is: the qga-deno bundle under test, the minimal Deno ping server (the start-up
 * floor), and strace with the libraries `ldd` lists for it (the host's, as the x86_64 guest's
 * other programs are; installed here with apt-get when missing).
 *
 * @module
 */

import { haveProgram, runHost } from "../../tests/vm/util.ts";

/** Where the disk's `bench/` directory appears in the guest. */
export const GUEST_BENCH_DIR = "/mnt/disk/bench";
/** The bundle under test in the guest (copied from the disk to the rootfs at boot). */
export const GUEST_BUNDLE = `${GUEST_BENCH_DIR}/qga-deno.js`;
/** The minimal ping server in the guest. */
export const GUEST_FLOOR = `${GUEST_BENCH_DIR}/ping_floor.js`;
/** strace in the guest: run it as `LD_LIBRARY_PATH=<lib dir> <strace>`. */
export const GUEST_STRACE = {
  program: `${GUEST_BENCH_DIR}/strace`,
  libs: `${GUEST_BENCH_DIR}/lib`,
};

const FLOOR_SOURCE = new URL("./ping_floor.js", import.meta.url);

/** Installs strace on the host when missing (apt-get, as the VM harness installs its tools). */
async function ensureStrace(log: (line: string) => void): Promise<string> {
  if (await haveProgram("strace")) {
    return (await runHost("sh", ["-c", "command -v strace"])).stdout.trim();
  }
  log("installing strace on the host (copied into the guest's disk)");
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  const args = ["install", "-y", "-q", "--no-install-recommends", "strace"];
  if ((await runHost("apt-get", args, { env, check: false })).code !== 0) {
    await runHost("apt-get", ["update", "-q"], { env });
    await runHost("apt-get", args, { env });
  }
  return (await runHost("sh", ["-c", "command -v strace"])).stdout.trim();
}

/** Shared libraries `ldd` resolves for `binary` (paths after `=>`). */
async function libraries(binary: string): Promise<string[]> {
  const { stdout } = await runHost("ldd", [binary]);
  return [...stdout.matchAll(/=>\s*(\/\S+)/g)].map((m) => m[1]!);
}

/**
 * Makes the benchmark disk at `path`.
 *
 * @param path The image file (64 MiB, ext4).
 * @param options The bundle to copy (undefined: none, the agent runs from the initramfs), a
 *   scratch directory, and progress output.
 */
export async function makeBenchDisk(
  path: string,
  options: { bundle?: string; scratch: string; log: (line: string) => void },
): Promise<void> {
  const root = `${options.scratch}/disk-root`;
  const dir = `${root}/bench`;
  await Deno.mkdir(`${dir}/lib`, { recursive: true });
  if (options.bundle) await Deno.copyFile(options.bundle, `${dir}/qga-deno.js`);
  await Deno.copyFile(FLOOR_SOURCE, `${dir}/ping_floor.js`);
  const strace = await ensureStrace(options.log);
  await Deno.copyFile(await Deno.realPath(strace), `${dir}/strace`);
  await Deno.chmod(`${dir}/strace`, 0o755);
  for (const lib of await libraries(strace)) {
    await Deno.copyFile(await Deno.realPath(lib), `${dir}/lib/${lib.split("/").pop()}`);
  }
  await Deno.remove(path).catch(() => {});
  await runHost("mkfs.ext4", ["-q", "-F", "-L", "vmbench", "-d", root, path, "64M"]);
}
