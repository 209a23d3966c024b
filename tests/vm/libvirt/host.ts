/**
 * libvirt on the host, for the libvirt suite: installs the QEMU driver and `virsh` from Debian
 * when missing, configures the driver to run QEMU as root without confinement (what works on
 * these machines: /work/shared/notes/vm-guest.md), starts `libvirtd` when it is not answering,
 * and runs `virsh` commands.
 *
 * @module
 */

import { sleep } from "../../helpers/async.ts";
import { exists, haveProgram, runHost } from "../util.ts";

/** The libvirt connection URI. */
export const URI = "qemu:///system";

/** What the QEMU driver's `/etc/libvirt/qemu.conf` must say on these machines. */
const QEMU_CONF = [
  'user = "root"',
  'group = "root"',
  "dynamic_ownership = 0",
  'security_driver = "none"',
  "cgroup_controllers = [ ]",
  "namespaces = [ ]",
  'stdio_handler = "file"',
].join("\n") + "\n";

/** The output of a `virsh` command. */
export interface VirshResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `virsh -c qemu:///system <args>`.
 *
 * @param args The arguments.
 * @param check Throw (with the output) when virsh fails (default true).
 */
export async function virsh(args: readonly string[], check = true): Promise<VirshResult> {
  const r = await runHost("virsh", ["-c", URI, ...args], { check: false });
  if (check && r.code !== 0) {
    throw new Error(`virsh ${args.join(" ")} failed (${r.code}): ${r.stderr.trim() || r.stdout}`);
  }
  return r;
}

/**
 * Makes libvirt's QEMU driver usable: packages, configuration, users and directories, and a
 * running `libvirtd`.
 *
 * @param log Progress output.
 */
export async function ensureLibvirt(log: (line: string) => void): Promise<void> {
  if (!await haveProgram("virsh") || !await exists("/usr/sbin/libvirtd")) {
    log("installing libvirt (libvirt-daemon, libvirt-daemon-driver-qemu, libvirt-clients)");
    const env = { DEBIAN_FRONTEND: "noninteractive" };
    const pkgs = ["libvirt-daemon", "libvirt-daemon-driver-qemu", "libvirt-clients"];
    const args = ["install", "-y", "-q", "--no-install-recommends", ...pkgs];
    if ((await runHost("apt-get", args, { env, check: false })).code !== 0) {
      await runHost("apt-get", ["update", "-q"], { env });
      await runHost("apt-get", args, { env });
    }
  }
  const conf = "/etc/libvirt/qemu.conf";
  const current = await Deno.readTextFile(conf).catch(() => "");
  if (!current.includes(QEMU_CONF)) {
    await Deno.mkdir("/etc/libvirt", { recursive: true });
    await Deno.writeTextFile(conf, `${current}\n# qga-deno test harness\n${QEMU_CONF}`);
  }
  for (const group of ["kvm", "libvirt-qemu"]) {
    if ((await runHost("getent", ["group", group], { check: false })).code !== 0) {
      await runHost("groupadd", ["-r", group]);
    }
  }
  if ((await runHost("getent", ["passwd", "libvirt-qemu"], { check: false })).code !== 0) {
    await runHost("useradd", ["-r", "-g", "kvm", "-s", "/usr/sbin/nologin", "libvirt-qemu"]);
  }
  for (const dir of ["/var/log/libvirt", "/var/lib/libvirt/qemu", "/var/cache/libvirt/qemu"]) {
    await Deno.mkdir(dir, { recursive: true });
  }
  await Deno.mkdir("/run/libvirt", { recursive: true });
  if ((await virsh(["version"], false)).code === 0) return;
  log("starting libvirtd");
  await runHost("/usr/sbin/libvirtd", ["-d"]);
  for (let i = 0; i < 100; i++) {
    if ((await virsh(["version"], false)).code === 0) return;
    await sleep(100);
  }
  throw new Error(`libvirtd does not answer: ${(await virsh(["version"], false)).stderr}`);
}
