/**
 * Starts the test guest under QEMU (TCG); its QMP client is `qmp.ts` (re-exported here).
 *
 * The machine is the guest architecture's (`arch.ts`): `pc` with S3 enabled for x86_64, `virt`
 * with a cortex-a57 and the PL011 console for aarch64 (no firmware: the kernel boots directly).
 * Devices: a virtio-serial controller with three ports on unix chardev sockets (the agent under
 * test `org.qemu.guest_agent.0`, the reference qemu-ga `org.qemu.guest_agent.1`, the command
 * shell `org.qemu.vmtest.shell`), a QMP socket, the serial console in a file, an ext4 virtio
 * disk with `discard=unmap`, a virtio NIC on user networking with `restrict=on` (the guest
 * cannot reach anything, nothing leaves this machine) and the machine's RTC in UTC.
 *
 * @module
 */

import { VM_ARCHES } from "./arch.ts";
import { GUEST_NET, type GuestImage, REF_PORT, SHELL_PORT, TEST_PORT } from "./image.ts";
import { sleep, withTimeout } from "../helpers/async.ts";

export { QmpClient, QmpError } from "./qmp.ts";

/** Which agent runs on the port under test. */
export type AgentKind = "deno" | "qemu-ga";

/** Options of {@linkcode Vm.start}. */
export interface VmOptions {
  /** Kernel and initramfs. */
  image: GuestImage;
  /** Directory for sockets and logs (short path: unix socket paths are limited to 108 bytes). */
  dir: string;
  /** The ext4 disk image. */
  disk: string;
  /** The agent on `org.qemu.guest_agent.0`. */
  agent: AgentKind;
  /** Guest RAM in MiB (default 1024). */
  memoryMiB?: number;
  /** vCPUs (default 2). */
  cpus?: number;
}

/** A running (or exited) QEMU. */
export class Vm {
  #child: Deno.ChildProcess;
  #exit: Promise<Deno.CommandStatus>;
  #exited: Deno.CommandStatus | undefined;
  /** Socket of the agent under test. */
  readonly testSocket: string;
  /** Socket of the reference qemu-ga. */
  readonly refSocket: string;
  /** Socket of the command shell. */
  readonly shellSocket: string;
  /** QMP socket. */
  readonly qmpSocket: string;
  /** File receiving the guest's serial console. */
  readonly consoleLog: string;
  /** File receiving QEMU's own stdout/stderr. */
  readonly qemuLog: string;
  /** When QEMU was started (ms since the epoch). */
  readonly startedAt: number;

  private constructor(child: Deno.ChildProcess, dir: string, qemuLog: Deno.FsFile) {
    this.#child = child;
    this.testSocket = `${dir}/qga0.sock`;
    this.refSocket = `${dir}/qga1.sock`;
    this.shellSocket = `${dir}/shell.sock`;
    this.qmpSocket = `${dir}/qmp.sock`;
    this.consoleLog = `${dir}/console.log`;
    this.qemuLog = `${dir}/qemu.log`;
    this.startedAt = Date.now();
    const copy = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream) qemuLog.writeSync(chunk);
    };
    const out = Promise.all([copy(child.stdout), copy(child.stderr)]).catch(() => {});
    this.#exit = child.status.then(async (s) => {
      await out;
      qemuLog.close();
      this.#exited = s;
      return s;
    });
  }

  /**
   * Builds QEMU's command line.
   *
   * @param options The VM options.
   * @returns The arguments (without the program).
   */
  static args(options: VmOptions): string[] {
    const d = options.dir;
    const arch = VM_ARCHES[options.image.arch];
    const port = (id: string, name: string, sock: string) => [
      "-chardev",
      `socket,id=${id},path=${d}/${sock},server=on,wait=off`,
      "-device",
      `virtserialport,bus=vser0.0,chardev=${id},name=${name}`,
    ];
    return [
      "-accel",
      "tcg",
      ...arch.machineArgs,
      "-m",
      String(options.memoryMiB ?? 1024),
      "-smp",
      String(options.cpus ?? 2),
      "-nodefaults",
      "-display",
      "none",
      "-no-reboot",
      "-kernel",
      options.image.kernel,
      "-initrd",
      options.image.initrd,
      "-append",
      `console=${arch.console} panic=-1 quiet qga_vm.agent=${options.agent}`,
      "-serial",
      `file:${d}/console.log`,
      "-qmp",
      `unix:${d}/qmp.sock,server=on,wait=off`,
      "-device",
      "virtio-serial-pci,id=vser0",
      ...port("qga0", TEST_PORT, "qga0.sock"),
      ...port("qga1", REF_PORT, "qga1.sock"),
      ...port("sh0", SHELL_PORT, "shell.sock"),
      "-drive",
      `file=${options.disk},if=none,id=disk0,format=raw,discard=unmap`,
      "-device",
      "virtio-blk-pci,drive=disk0",
      "-netdev",
      "user,id=n0,restrict=on,ipv6=off",
      "-device",
      `virtio-net-pci,netdev=n0,mac=${GUEST_NET.mac}`,
      "-rtc",
      "base=utc",
    ];
  }

  /**
   * Starts QEMU and waits until its sockets exist.
   *
   * @param options The VM options.
   * @returns The VM.
   */
  static async start(options: VmOptions): Promise<Vm> {
    const child = new Deno.Command(VM_ARCHES[options.image.arch].qemu, {
      args: Vm.args(options),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const log = await Deno.open(`${options.dir}/qemu.log`, {
      write: true,
      create: true,
      truncate: true,
    });
    const vm = new Vm(child, options.dir, log);
    const deadline = Date.now() + 15_000;
    while (true) {
      if (vm.#exited) {
        throw new Error(`QEMU exited with status ${vm.#exited.code}:\n${await vm.qemuOutput()}`);
      }
      try {
        await Deno.stat(vm.qmpSocket);
        await Deno.stat(vm.shellSocket);
        return vm;
      } catch {
        // Not yet.
      }
      if (Date.now() > deadline) {
        await vm.kill();
        throw new Error(`QEMU did not create its sockets:\n${await vm.qemuOutput()}`);
      }
      await sleep(50);
    }
  }

  /** The exit status, once QEMU has exited. */
  get exitStatus(): Deno.CommandStatus | undefined {
    return this.#exited;
  }

  /**
   * Waits for QEMU to exit by itself.
   *
   * @param timeoutMs Timeout.
   * @returns The exit status.
   */
  waitExit(timeoutMs: number): Promise<Deno.CommandStatus> {
    return withTimeout(this.#exit, timeoutMs, "QEMU exit");
  }

  /** Kills QEMU (SIGKILL) if it is still running and waits for it. */
  async kill(): Promise<void> {
    if (!this.#exited) {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // Gone already.
      }
    }
    await this.#exit.catch(() => {});
  }

  /** The guest console output so far. */
  async console(): Promise<string> {
    return await Deno.readTextFile(this.consoleLog).catch(() => "(no console log)");
  }

  /** QEMU's own output so far. */
  async qemuOutput(): Promise<string> {
    return await Deno.readTextFile(this.qemuLog).catch(() => "");
  }
}
