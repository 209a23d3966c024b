/**
 * One booted VM guest for the virtio-serial benchmark: the VM suite's x86_64 guest
 * (`tests/vm/image.ts`, `tests/vm/qemu.ts`) with the benchmark disk (`disk.ts`), the guest
 * shell, the reference qemu-ga (`org.qemu.guest_agent.1`, the clock) and the port under test
 * (`org.qemu.guest_agent.0`), all through blocking clients. The agent the guest starts on the
 * port under test at boot is stopped; the benchmark starts its own there ({@linkcode
 * BenchGuest.launch}), timing each start from the guest's clock just before `exec` to the first
 * reply seen on the host.
 *
 * @module
 */

import { REPO_ROOT } from "../../tests/vm/arch.ts";
import type { GuestImage } from "../../tests/vm/image.ts";
import { Vm } from "../../tests/vm/qemu.ts";
import type { SyncClient } from "../sync_client.ts";
import { GUEST_BUNDLE, GUEST_FLOOR } from "./disk.ts";
import { adjtimexMs, clockOffset, connectPort, hostNowMs, resync } from "./port.ts";
import { SyncShell } from "./shell.ts";

/** What runs on the port under test: qga-deno, qemu-ga 7.2, or the minimal Deno ping server. */
export type VmAgentKind = "ours" | "qemu" | "floor";

/** Where qga-deno's bundle is run from in the guest (as on the host: `dist/` of the checkout). */
export const GUEST_ENTRY = `${REPO_ROOT}/dist/qga-deno.js`;

const PORT = "/dev/virtio-ports/org.qemu.guest_agent.0";
const PING = new TextEncoder().encode(`{"execute":"guest-ping"}`);
const DENO_ENV = "env DENO_DIR=/var/cache/deno DENO_NO_UPDATE_CHECK=1 NO_COLOR=1";

/** `text` quoted for the guest's sh. */
function quote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`;
}

/** Memory of a guest process from `/proc/<pid>/status`, in bytes. */
export interface GuestMemory {
  /** `VmRSS`. */
  rss: number;
  /** `RssAnon`. */
  anon: number;
}

/** Counters of one thread of a guest process. */
export interface ThreadCounters {
  /** `comm`: the thread's name. */
  name: string;
  /** Voluntary plus involuntary context switches (each one a sleep or preemption). */
  switches: number;
  /** Time on a CPU, nanoseconds (the first field of `/proc/<pid>/task/<tid>/schedstat`). */
  runNs: number;
}

/** How a launch went. */
export interface Launch {
  /** The process id in the guest. */
  pid: number;
  /** Guest `exec` to the first reply arriving on the host, milliseconds. */
  startMs: number;
  /** How far the two clock-offset estimates around the launch disagreed, milliseconds. */
  clockDriftMs: number;
}

/** A booted benchmark guest. */
export class BenchGuest {
  /** The guest shell. */
  readonly shell: SyncShell;
  /** The port under test. */
  readonly port: SyncClient;
  readonly #vm: Vm;
  readonly #ref: SyncClient;
  readonly #argv: string[];
  #pid = 0;
  /** The guest kernel's clock source (`tsc`, `hpet`, …): whether clock reads are system calls. */
  clocksource = "";
  /** The guest kernel's transparent huge page mode (`always`, `madvise`, `never`). */
  hugepages = "";

  private constructor(vm: Vm, parts: { shell: SyncShell; ref: SyncClient; port: SyncClient }) {
    this.#vm = vm;
    this.shell = parts.shell;
    this.#ref = parts.ref;
    this.port = parts.port;
    this.#argv = [];
  }

  /**
   * Boots the guest and stops the agent it started on the port under test.
   *
   * @param options The image, a run directory (short: socket paths), the disk, qga-deno's
   *   argv in the guest (program first), and progress output.
   * @returns The guest, with nothing on the port under test.
   */
  static async boot(
    options: { image: GuestImage; dir: string; disk: string; argv: string[] },
  ): Promise<BenchGuest> {
    await Deno.mkdir(options.dir, { recursive: true });
    const vm = await Vm.start({ ...options, agent: "qemu-ga" });
    try {
      const shell = SyncShell.connect(vm.shellSocket);
      shell.waitReady(180_000);
      const ref = connectPort(vm.refSocket);
      resync(ref);
      const port = connectPort(vm.testSocket);
      const guest = new BenchGuest(vm, { shell, ref, port });
      guest.#argv.push(...options.argv);
      guest.#pid = Number(shell.check("cat /run/agent-test.pid").trim());
      guest.stop();
      guest.clocksource = shell.check(
        "cat /sys/devices/system/clocksource/clocksource0/current_clocksource",
      ).trim();
      const thp = shell.check("cat /sys/kernel/mm/transparent_hugepage/enabled");
      guest.hugepages = /\[(\w+)\]/.exec(thp)?.[1] ?? thp.trim();
      shell.check(
        `mkdir -p ${quote(REPO_ROOT)}/dist && ` +
          `{ [ ! -e ${GUEST_BUNDLE} ] || cp ${GUEST_BUNDLE} ${quote(GUEST_ENTRY)}; }`,
      );
      return guest;
    } catch (error) {
      await vm.kill();
      throw error;
    }
  }

  /** Milliseconds since QEMU started. */
  get uptimeMs(): number {
    return Date.now() - this.#vm.startedAt;
  }

  /** The process on the port under test (0: none). */
  get pid(): number {
    return this.#pid;
  }

  #command(kind: VmAgentKind): string {
    if (kind === "qemu") return "exec /usr/sbin/qemu-ga";
    const v8 = this.#argv.find((word) => word.startsWith("--v8-flags=")) ?? "";
    const argv = kind === "ours"
      ? this.#argv
      : ["/usr/bin/deno", "run", "-q", "-A", "--no-prompt", v8, GUEST_FLOOR, PORT];
    return `cd ${quote(REPO_ROOT)} && exec ${DENO_ENV} ${
      argv.filter((w) => w).map(quote).join(" ")
    }`;
  }

  /**
   * Starts `kind` on the port under test and times it: a guest-ping is queued on the port
   * first (QEMU holds it until a process opens the port), the guest reads its clock with
   * `adjtimex` and `exec`s the agent, and the host takes the time the reply arrives; the guest
   * clock's offset is estimated before and after (through the reference qemu-ga).
   *
   * @param kind What to start (nothing else may be running on the port).
   * @returns The pid and the start time.
   */
  launch(kind: VmAgentKind): Launch {
    if (this.#pid !== 0) throw new Error(`process ${this.#pid} still runs on the port`);
    const before = clockOffset(this.#ref);
    this.port.send(PING);
    const id = this.shell.start(
      `( adjtimex > /run/bench-t0 2>&1; ${this.#command(kind)} ) ` +
        "</dev/null >/dev/console 2>&1 &\necho $!",
    );
    const reply = new TextDecoder().decode(this.port.readLine());
    const arrived = hostNowMs();
    const launched = this.shell.finish(id);
    if (launched.code !== 0) throw new Error(`launching ${kind} failed: ${launched.output}`);
    this.#pid = Number(launched.output.trim());
    if (reply !== `{"return": {}}`) throw new Error(`${kind} answered the first ping: ${reply}`);
    const t0 = adjtimexMs(this.shell.check("cat /run/bench-t0"));
    const after = clockOffset(this.#ref);
    const offset = (before.offsetMs + after.offsetMs) / 2;
    return {
      pid: this.#pid,
      startMs: arrived + offset - t0,
      clockDriftMs: Math.abs(after.offsetMs - before.offsetMs),
    };
  }

  /** Kills (SIGKILL) the process on the port under test and waits until it is gone. */
  stop(): void {
    const pid = this.#pid;
    if (pid === 0) return;
    this.shell.check(
      `kill -9 ${pid} 2>/dev/null; i=0; ` +
        `while [ -e /proc/${pid} ] && [ $i -lt 250 ]; do usleep 20000; i=$((i+1)); done; ` +
        `[ ! -e /proc/${pid} ]`,
    );
    this.#pid = 0;
  }

  /** `VmRSS` and `RssAnon` of the process on the port under test. */
  memory(): GuestMemory {
    const status = this.shell.check(`cat /proc/${this.#pid}/status`);
    const kib = (field: string) => {
      const m = new RegExp(`^${field}:\\s*(\\d+) kB`, "m").exec(status);
      if (!m) throw new Error(`no ${field} in /proc/${this.#pid}/status`);
      return Number(m[1]) * 1024;
    };
    return { rss: kib("VmRSS"), anon: kib("RssAnon") };
  }

  /**
   * Per-thread counters of the process on the port under test (read with shell built-ins
   * only, so the reading forks nothing per thread).
   *
   * @returns Counters by thread id.
   */
  threads(): Map<number, ThreadCounters> {
    const text = this.shell.check(
      `cd /proc/${this.#pid}/task || exit 1\n` +
        "for t in *; do\n  read -r c < $t/comm; read -r r x < $t/schedstat; v=0; n=0\n" +
        "  while read -r k x; do case $k in voluntary_ctxt_switches:) v=$x;; " +
        "nonvoluntary_ctxt_switches:) n=$x;; esac; done < $t/status\n" +
        '  echo "$t|$v|$n|$r|$c"\ndone',
    );
    const threads = new Map<number, ThreadCounters>();
    for (const line of text.trim().split("\n")) {
      const [tid, vol, nonvol, run, ...name] = line.split("|");
      threads.set(Number(tid), {
        name: name.join("|"),
        switches: Number(vol) + Number(nonvol),
        runNs: Number(run),
      });
    }
    return threads;
  }

  /** Stops QEMU (SIGKILL: nothing in the guest needs saving) and closes the connections. */
  async shutDown(): Promise<void> {
    for (const c of [this.port, this.#ref, this.shell]) {
      try {
        c.close();
      } catch {
        // Closed already.
      }
    }
    await this.#vm.kill();
  }
}
