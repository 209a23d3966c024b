/**
 * The guest architectures of the VM suite and what differs between them: the QEMU binary and
 * machine, the console, Debian's architecture name for the kernel and packages, the libc path,
 * and where the built pieces are cached. x86_64 is the host's own architecture (its programs are
 * copied into the guest); aarch64 is downloaded from Debian and npm (`parts_aarch64.ts`).
 *
 * Pick one with `deno task test:vm --arch aarch64` or `QGA_VM_ARCH=aarch64` ({@linkcode vmArch}).
 *
 * @module
 */

import type { Arch } from "../../src/sys/structs.ts";

export type { Arch } from "../../src/sys/structs.ts";

/** Absolute path of the repository root. */
export const REPO_ROOT: string = decodeURIComponent(new URL("../../", import.meta.url).pathname)
  .replace(/\/$/, "");

/** The harness's cache directory (the x86_64 guest's; aarch64 has a subdirectory). */
export const CACHE_DIR = `${REPO_ROOT}/.cache/vm`;

/** What the harness needs to know about one guest architecture. */
export interface VmArch {
  /** The architecture. */
  arch: Arch;
  /** Debian's name for it (`dpkg --print-architecture`). */
  debArch: "amd64" | "arm64";
  /** Cache directory of its kernel, downloads and initramfs. */
  cacheDir: string;
  /** The QEMU system emulator. */
  qemu: string;
  /** The Debian package that provides {@link VmArch.qemu}. */
  qemuPackage: string;
  /** QEMU's machine (and CPU, and machine options). */
  machineArgs: readonly string[];
  /** The kernel's name for the serial console. */
  console: string;
  /** The kernel meta-package whose dependency is the current kernel. */
  kernelMeta: string;
  /** The guest's libc, which the agent's FFI layer opens by absolute path. */
  libc: string;
  /** The dynamic loader (program interpreter) of the guest's programs. */
  loader: string;
}

/** Both architectures. */
export const VM_ARCHES: Readonly<Record<Arch, VmArch>> = {
  x86_64: {
    arch: "x86_64",
    debArch: "amd64",
    cacheDir: CACHE_DIR,
    qemu: "qemu-system-x86_64",
    qemuPackage: "qemu-system-x86",
    // S3 is off by default on the i440FX's PIIX4; guest-suspend-ram needs it.
    machineArgs: ["-machine", "pc", "-global", "PIIX4_PM.disable_s3=0"],
    console: "ttyS0",
    kernelMeta: "linux-image-amd64",
    libc: "/lib/x86_64-linux-gnu/libc.so.6",
    loader: "/lib64/ld-linux-x86-64.so.2",
  },
  aarch64: {
    arch: "aarch64",
    debArch: "arm64",
    cacheDir: `${CACHE_DIR}/aarch64`,
    qemu: "qemu-system-aarch64",
    qemuPackage: "qemu-system-arm",
    // cortex-a57 runs as fast as the x86_64 guest under TCG (`-cpu max` is 3-4x slower); the
    // virt machine boots the Image directly (no firmware) and powers off through PSCI.
    machineArgs: ["-machine", "virt", "-cpu", "cortex-a57"],
    console: "ttyAMA0",
    kernelMeta: "linux-image-arm64:arm64",
    libc: "/lib/aarch64-linux-gnu/libc.so.6",
    loader: "/lib/ld-linux-aarch64.so.1",
  },
};

/**
 * The guest architecture asked for: `--arch NAME` (or `--arch=NAME`) in `args`, else
 * `QGA_VM_ARCH`, else x86_64.
 *
 * @param args Command-line arguments.
 * @param env The value of `QGA_VM_ARCH`, if set.
 * @returns The architecture.
 * @throws Error for an unknown name or a dangling `--arch`.
 */
export function vmArch(args: readonly string[], env: string | undefined): Arch {
  let name = env || "x86_64";
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === "--arch") {
      if (i + 1 >= args.length) throw new Error("--arch needs a value (x86_64 or aarch64)");
      name = args[++i]!;
    } else if (a.startsWith("--arch=")) {
      name = a.slice("--arch=".length);
    } else {
      throw new Error(`unknown argument ${a} (usage: run.ts [--arch x86_64|aarch64])`);
    }
  }
  if (name === "arm64") name = "aarch64";
  if (name === "amd64") name = "x86_64";
  if (name !== "x86_64" && name !== "aarch64") {
    throw new Error(`unknown guest architecture "${name}" (x86_64 or aarch64)`);
  }
  return name;
}
