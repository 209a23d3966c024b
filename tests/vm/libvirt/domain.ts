/**
 * The VM suite's guest as a libvirt domain: the same kernel, initramfs and test disk, the agent
 * port `org.qemu.guest_agent.0` as libvirt's own agent channel (libvirt connects to it; `virsh`
 * is the only client), the reference qemu-ga's port and the harness's shell port as unix
 * channels the harness connects to.
 *
 * @module
 */

import type { GuestImage } from "../image.ts";
import { GUEST_NET, REF_PORT, SHELL_PORT, TEST_PORT } from "../image.ts";

/** The domain's name. */
export const DOMAIN = "qga-deno-vmtest";

/** Where the domain's sockets and files are. */
export interface DomainPaths {
  /** Run directory (sockets, console log). */
  readonly dir: string;
  /** The test disk image (raw ext4). */
  readonly disk: string;
}

/** The path of the harness's shell socket in `dir`. */
export function shellSocket(dir: string): string {
  return `${dir}/shell.sock`;
}

/** The path of the reference qemu-ga's socket in `dir`. */
export function refSocket(dir: string): string {
  return `${dir}/ref.sock`;
}

function escape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll("'", "&apos;");
}

/** The domain XML (TCG, 1 GiB, 2 vCPUs, S3 allowed, a restricted user-mode NIC). */
export function domainXml(image: GuestImage, paths: DomainPaths): string {
  const d = escape(paths.dir);
  const channel = (name: string, path: string) =>
    `<channel type='unix'><source mode='bind' path='${escape(path)}'/>` +
    `<target type='virtio' name='${name}'/></channel>`;
  return `<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>${DOMAIN}</name>
  <memory unit='MiB'>1024</memory>
  <vcpu>2</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>${escape(image.kernel)}</kernel>
    <initrd>${escape(image.initrd)}</initrd>
    <cmdline>console=ttyS0 panic=-1 quiet qga_vm.agent=deno</cmdline>
  </os>
  <features><acpi/></features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>destroy</on_reboot>
  <pm><suspend-to-mem enabled='yes'/></pm>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='raw' discard='unmap'/>
      <source file='${escape(paths.disk)}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <controller type='virtio-serial' index='0'/>
    <channel type='unix'><source mode='bind' path='${d}/agent.sock'/><target type='virtio' name='${TEST_PORT}'/></channel>
    ${channel(REF_PORT, refSocket(paths.dir))}
    ${channel(SHELL_PORT, shellSocket(paths.dir))}
    <serial type='file'><source path='${d}/console.log'/><target port='0'/></serial>
    <memballoon model='none'/>
  </devices>
  <qemu:commandline>
    <qemu:arg value='-netdev'/>
    <qemu:arg value='user,id=n0,restrict=on,ipv6=off'/>
    <qemu:arg value='-device'/>
    <qemu:arg value='virtio-net-pci,netdev=n0,mac=${GUEST_NET.mac},bus=pci.0,addr=0x10'/>
  </qemu:commandline>
</domain>
`;
}
