/**
 * What goes into a guest's initramfs besides the kernel and the agent's sources
 * ({@linkcode GuestParts}), and where the x86_64 guest gets it: from the host itself — the Deno
 * that runs the harness, Debian's qemu-ga 7.2 and `busybox-static` as installed here, their
 * libraries as `ldd` lists them, and busybox's applets at the paths `busybox --list-full` names.
 * (The aarch64 guest downloads its parts: `parts_aarch64.ts`.)
 *
 * @module
 */

import type { VmArch } from "./arch.ts";
import { runHost } from "./util.ts";

/** Path of Debian's qemu-ga 7.2 on the host, and in every guest. */
export const QEMU_GA = "/usr/sbin/qemu-ga";

/** The programs of a guest and where their files are on the host. */
export interface GuestParts {
  /** Host file of the guest's Deno (installed as `/usr/bin/deno`). */
  deno: string;
  /** Host file of the guest's qemu-ga 7.2 (installed as {@link QEMU_GA}). */
  qemuGa: string;
  /** Host file of the guest's static busybox (installed as `/bin/busybox`, and as init). */
  busybox: string;
  /** Shared libraries, the loader and libc: `[guest path, host file]`. */
  libs: [string, string][];
  /**
   * busybox applets to link to `/bin/busybox` in the image (paths relative to `/`), or undefined
   * when busybox cannot run here to list them: the guest then links them itself at boot
   * (`busybox --install -s` in `guest/rc.sh`), which also makes `/sbin/poweroff` busybox's own
   * applet.
   */
  applets: string[] | undefined;
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

/**
 * The x86_64 guest's parts, taken from the host (whose packages `ensureHostPackages` installed).
 *
 * @param a The x86_64 entry of `VM_ARCHES`.
 * @returns The parts.
 */
export async function hostParts(a: VmArch): Promise<GuestParts> {
  const deno = await denoBinary();
  const libs = new Set<string>();
  for (const lib of [...await sharedLibraries(deno), ...await sharedLibraries(QEMU_GA)]) {
    libs.add(lib);
  }
  // The agent's FFI layer dlopens libc by absolute path; ldd lists it already, keep it explicit.
  libs.add(a.libc);
  const pairs: [string, string][] = [];
  for (const lib of libs) pairs.push([lib, await Deno.realPath(lib)]);
  const applets = (await runHost("/bin/busybox", ["--list-full"])).stdout.trim().split("\n");
  return { deno, qemuGa: QEMU_GA, busybox: "/bin/busybox", libs: pairs, applets };
}
