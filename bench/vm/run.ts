/**
 * `deno task bench --vm` (or `deno task bench:vm`): qga-deno against Debian's qemu-ga 7.2 over
 * the real channel — the VM suite's x86_64 guest under QEMU (TCG), each agent on its
 * virtio-serial port, the client on QEMU's chardev socket. Prints the host benchmark's table
 * (ratios, the issue's targets, met or not) and where the time goes in the guest.
 *
 * Usage: `deno run -A bench/run.ts --vm [--quick] [--out FILE] [--deno-flag FLAG]...
 * [--entry FILE]`
 *
 * qga-deno runs as it ships, as `deno task bench` runs it: the bundle (`deno task bundle`,
 * dist/qga-deno.js) under `deno run` with the flags of `deno task start`, in the guest at the
 * same path, from the guest's checkout (its deno.json's permission set). `--entry FILE` runs
 * another bundle (a `.js` file, e.g. one built from another commit) or a module of the checkout
 * as the guest's initramfs has it (e.g. `main.ts`). Holds the machine-wide VM lock for the whole
 * run. `QGA_VM_KEEP=1` keeps the run directory (consoles, QEMU logs).
 *
 * @module
 */

import { agentArgv, REPO_ROOT } from "../../tests/helpers/agent_process.ts";
import { ensureImage } from "../../tests/vm/image.ts";
import { withVmLock } from "../../tests/vm/util.ts";
import { QEMU_GA } from "../agents.ts";
import { describeMachine, renderReport } from "../report.ts";
import { parseBenchArgs, progress } from "../_util.ts";
import { makeBenchDisk } from "./disk.ts";
import { GUEST_ENTRY } from "./guest.ts";
import { VM_FULL_PLAN, VM_QUICK_PLAN } from "./plan.ts";
import { runVmSuite } from "./suite.ts";

const USAGE = "Usage: deno run -A bench/run.ts --vm [--quick] [--out FILE] " +
  "[--deno-flag FLAG]... [--entry FILE]";

/** Builds the bundle as `deno task bench` does; returns its path. */
async function bundle(): Promise<string> {
  const built = await new Deno.Command(Deno.execPath(), {
    args: ["task", "-q", "bundle"],
    cwd: REPO_ROOT,
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (!built.success) throw new Error("deno task bundle failed");
  return `${REPO_ROOT}/dist/qga-deno.js`;
}

/**
 * Runs the virtio-serial benchmark and prints the report.
 *
 * @param args Command-line arguments (without `--vm`).
 * @returns The exit status.
 */
export async function vmMain(args: string[]): Promise<number> {
  const values = parseBenchArgs(args, USAGE);
  if (typeof values === "number") return values;
  const entry = values.entry ? await Deno.realPath(values.entry) : await bundle();
  const isBundle = entry.endsWith(".js");
  if (!isBundle && !entry.startsWith(`${REPO_ROOT}/`)) {
    console.error(`--entry: ${entry} is neither a bundle (.js) nor in the checkout`);
    return 2;
  }
  const guestEntry = isBundle ? GUEST_ENTRY : entry;
  const [, ...run] = agentArgv([], { entry: guestEntry, denoFlags: values["deno-flag"] ?? [] });
  const argv = ["/usr/bin/deno", ...run];
  const machine = await describeMachine(QEMU_GA);
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix: "qga-vmb-" });
  const t0 = performance.now();
  try {
    const result = await withVmLock(progress, async () => {
      const image = await ensureImage(progress, "x86_64");
      const disk = `${dir}/bench-disk.img`;
      await makeBenchDisk(disk, {
        bundle: isBundle ? entry : undefined,
        scratch: dir,
        log: progress,
      });
      const plan = values.quick ? VM_QUICK_PLAN : VM_FULL_PLAN;
      return { image, ...await runVmSuite(plan, { image, dir, argv, disk }) };
    });
    const variant = run.map((word) => word.replace(/^\/.*\//, "")).join(" ");
    const source = isBundle && !values.entry ? "" : ` (${entry.replace(`${REPO_ROOT}/`, "")})`;
    const report = renderReport(machine, {
      rows: result.rows,
      notes: [`guest kernel ${result.image.kernelRelease}.`, ...result.notes],
      seconds: (performance.now() - t0) / 1000,
      mode: `over virtio-serial, ${values.quick ? "quick" : "full"}; ` +
        `qga-deno: deno ${variant}${source}`,
    }) + "\n" + result.profile;
    console.log(report);
    if (values.out) await Deno.writeTextFile(values.out, report);
    return 0;
  } finally {
    if (Deno.env.get("QGA_VM_KEEP") === "1") progress(`run directory kept: ${dir}`);
    else await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}
