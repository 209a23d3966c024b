/**
 * The libvirt suite: `deno task test:libvirt` (`deno run -A tests/vm/libvirt/run.ts`).
 *
 * Boots the VM suite's guest (same kernel, initramfs and userland) under libvirt's QEMU driver
 * with qga-deno on libvirt's agent channel, drives it through `virsh` (`checks.ts`), and ends with
 * `N passed, M failed`. Needs root; installs and starts libvirt when missing (`host.ts`).
 * `QGA_LIBVIRT_KEEP=1` keeps the run directory and leaves the domain running.
 *
 * @module
 */

import { withTimeout } from "../../helpers/async.ts";
import { GuestShell } from "../guest_shell.ts";
import { ensureImage, makeDisk } from "../image.ts";
import { exists, withVmLock } from "../util.ts";
import { LIBVIRT_CHECKS, type LibvirtContext, waitForAgent } from "./checks.ts";
import { DOMAIN, domainXml, shellSocket } from "./domain.ts";
import { ensureLibvirt, virsh } from "./host.ts";

const CHECK_TIMEOUT_MS = 120_000;

async function main(): Promise<number> {
  const started = Date.now();
  const log = (line: string) =>
    console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}] ${line}`);
  const keep = Deno.env.get("QGA_LIBVIRT_KEEP") === "1";
  const image = await ensureImage(log);
  await ensureLibvirt(log);
  const dir = await Deno.makeTempDir({ prefix: "qga-libvirt-" });
  const disk = `${dir}/disk.img`;
  await makeDisk(disk);
  await Deno.writeTextFile(`${dir}/domain.xml`, domainXml(image, { dir, disk }));
  await virsh(["destroy", DOMAIN], false);
  log(`booting ${DOMAIN} under libvirt`);
  await virsh(["create", `${dir}/domain.xml`]);
  let passed = 0;
  let failed = 0;
  let shell: GuestShell | undefined;
  try {
    for (let i = 0; i < 200 && !await exists(shellSocket(dir)); i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    shell = await GuestShell.connect(shellSocket(dir));
    await shell.waitReady(120_000);
    await waitForAgent(120_000);
    log("agent reachable through libvirt");
    const views = new Map<string, string>();
    for (const check of LIBVIRT_CHECKS) {
      const notes: string[] = [];
      const ctx: LibvirtContext = { shell, dir, views, note: (t) => notes.push(t) };
      const t0 = Date.now();
      try {
        await withTimeout(check.run(ctx), CHECK_TIMEOUT_MS, check.name);
        passed++;
        const extra = notes.length ? ` — ${notes.join("; ")}` : "";
        log(`ok   ${check.name} (${((Date.now() - t0) / 1000).toFixed(1)} s)${extra}`);
      } catch (error) {
        failed++;
        log(`FAIL ${check.name}: ${error instanceof Error ? error.message : error}`);
      }
    }
  } catch (error) {
    failed++;
    log(`FAIL boot: ${error instanceof Error ? error.stack : error}`);
  } finally {
    await shell?.close().catch(() => {});
    if (failed > 0) {
      const consoleLog = await Deno.readTextFile(`${dir}/console.log`).catch(() => "");
      console.log(`--- guest console ---\n${consoleLog.slice(-8000)}\n--- end ---`);
    }
    if (!keep) {
      await virsh(["destroy", DOMAIN], false);
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    } else {
      log(`kept: ${dir} (domain ${DOMAIN} still running)`);
    }
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0 ? 0 : 1;
}

if (import.meta.main) {
  Deno.exit(await withVmLock((line) => console.log(line), main));
}
