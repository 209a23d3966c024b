/**
 * Starts the test guest under QEMU (TCG) and talks QMP to it.
 *
 * Devices: a virtio-serial controller with three ports on unix chardev sockets (the agent under
 * test `org.qemu.guest_agent.0`, the reference qemu-ga `org.qemu.guest_agent.1`, the command
 * shell `org.qemu.vmtest.shell`), a QMP socket, the serial console in a file, an ext4 virtio
 * disk with `discard=unmap`, a virtio NIC on user networking with `restrict=on` (the guest
 * cannot reach anything, nothing leaves this machine) and S3 enabled.
 *
 * @module
 */

import { GUEST_NET, type GuestImage, REF_PORT, SHELL_PORT, TEST_PORT } from "./image.ts";
import { sleep, withTimeout } from "../helpers/async.ts";
import { ByteQueue, pumpInto, writeAll } from "./util.ts";

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
    const port = (id: string, name: string, sock: string) => [
      "-chardev",
      `socket,id=${id},path=${d}/${sock},server=on,wait=off`,
      "-device",
      `virtserialport,bus=vser0.0,chardev=${id},name=${name}`,
    ];
    return [
      "-accel",
      "tcg",
      "-machine",
      "pc",
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
      `console=ttyS0 panic=-1 quiet qga_vm.agent=${options.agent}`,
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
      "-global",
      "PIIX4_PM.disable_s3=0",
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
    const child = new Deno.Command("qemu-system-x86_64", {
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

/** A QMP error reply. */
export class QmpError extends Error {}

/** A minimal QMP client: commands in order, events collected. */
export class QmpClient {
  #conn: Deno.UnixConn;
  #queue: ByteQueue;
  #done: Promise<void>;
  /** Every event received so far, oldest first. */
  readonly events: { event: string; data?: unknown; timestamp?: unknown }[] = [];
  #replies: Record<string, unknown>[] = [];

  private constructor(conn: Deno.UnixConn) {
    this.#conn = conn;
    const { queue, done } = pumpInto(conn);
    this.#queue = queue;
    this.#done = done;
  }

  /**
   * Connects, reads the greeting and negotiates capabilities.
   *
   * @param path QMP socket path.
   * @returns The client.
   */
  static async connect(path: string): Promise<QmpClient> {
    const conn = await withTimeout(
      Deno.connect({ transport: "unix", path }),
      5000,
      "QMP connect",
    );
    const client = new QmpClient(conn);
    await client.#next((m) => "QMP" in m, 10_000, "QMP greeting");
    await client.execute("qmp_capabilities");
    return client;
  }

  #drain(): void {
    while (true) {
      const bytes = this.#queue.bytes;
      const nl = bytes.indexOf(0x0a);
      if (nl < 0) return;
      const line = new TextDecoder().decode(bytes.subarray(0, nl)).trim();
      this.#queue.consume(nl + 1);
      if (!line) continue;
      const msg = JSON.parse(line) as Record<string, unknown>;
      if (typeof msg.event === "string") {
        this.events.push(msg as { event: string });
      } else {
        this.#replies.push(msg);
      }
    }
  }

  async #next(
    match: (m: Record<string, unknown>) => boolean,
    timeoutMs: number,
    what: string,
  ): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      this.#drain();
      const i = this.#replies.findIndex(match);
      if (i >= 0) return this.#replies.splice(i, 1)[0]!;
      if (this.#queue.ended) throw new Error(`QMP connection ended while waiting for ${what}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`QMP: no ${what} within ${timeoutMs} ms`);
      await this.#queue.waitForData(left);
    }
  }

  /**
   * Runs a QMP command.
   *
   * @param command Command name.
   * @param args Arguments.
   * @param timeoutMs Timeout.
   * @returns The command's `return` value.
   * @throws QmpError on an error reply.
   */
  async execute(command: string, args?: unknown, timeoutMs = 10_000): Promise<unknown> {
    const id = `c${Math.floor(Math.random() * 1e9)}`;
    const req = { execute: command, id, ...(args === undefined ? {} : { arguments: args }) };
    await writeAll(this.#conn, new TextEncoder().encode(JSON.stringify(req) + "\n"), 5000);
    const reply = await this.#next((m) => m.id === id, timeoutMs, `reply to ${command}`);
    if ("error" in reply) throw new QmpError(`${command}: ${JSON.stringify(reply.error)}`);
    return reply.return;
  }

  /** `query-status`'s `status` field (`running`, `suspended`, ...). */
  async status(): Promise<string> {
    const r = await this.execute("query-status") as { status: string };
    return r.status;
  }

  /**
   * Returns an event received so far (at index `from` or later), without waiting.
   *
   * @param name Event name.
   * @param from Index in {@linkcode QmpClient.events} to start searching at.
   * @returns The event, if received.
   */
  findEvent(name: string, from = 0): { event: string; data?: unknown } | undefined {
    this.#drain();
    return this.events.slice(from).find((x) => x.event === name);
  }

  /**
   * Waits for an event (also one received earlier, at index `from` or later).
   *
   * @param name Event name.
   * @param timeoutMs Timeout.
   * @param from Index in {@linkcode QmpClient.events} to start searching at.
   * @returns The event.
   */
  async waitEvent(
    name: string,
    timeoutMs: number,
    from = 0,
  ): Promise<{ event: string; data?: unknown }> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      this.#drain();
      const e = this.events.slice(from).find((x) => x.event === name);
      if (e) return e;
      if (this.#queue.ended) throw new Error(`QMP connection ended while waiting for ${name}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`QMP: no ${name} event within ${timeoutMs} ms`);
      await this.#queue.waitForData(left);
    }
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    try {
      this.#conn.close();
    } catch {
      // Closed already.
    }
    await this.#done;
  }
}
