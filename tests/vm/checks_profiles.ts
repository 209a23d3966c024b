/**
 * The confined profiles in the VM suite, Landlock active in the guest's kernel: the agent under
 * test is restarted in the guest with the exact flags of `deno task start:files`, then of
 * `start:readonly` (`profile_agent.ts`), and each profile is checked by its effect in the guest;
 * finally the default (`full`) agent is started again so the rest of the suite and the shutdown
 * boot run as before. The readonly profile's checks are `checks_profiles_readonly.ts`.
 *
 * `files` (file root `/var/lib/qga-deno/files`, made in the image):
 * - `guest-info` disables exactly set-user-password, ssh add/remove, exec and exec-status; the
 *   agent's `/proc/<pid>/status` shows `NoNewPrivs: 1` and the kept capabilities only;
 * - `/etc/shadow` and `/usr/sbin/hwclock` are refused (`r`, `r+`; never `w`), while the reference
 *   qemu-ga opens them (or, for the busybox the guest is running, gets the kernel's `Text file
 *   busy`); a write outside the root creates nothing;
 * - a file in the root is written (`w`, `a`), read back, sought and truncated by a second `w`;
 * - set-time moves the guest clock, freeze stalls a writer, set-vcpus offlines and onlines a CPU,
 *   and the read commands answer as under `full` (the main suite's checks, run again) and as the
 *   reference qemu-ga (byte for byte);
 * - Landlock holds: `$QGA_OS_RELEASE` names a symbolic link; pointed at a file outside the
 *   ruleset, osinfo has no os-release fields; pointed at the same file (a hard link) beneath the
 *   root, it has them.
 *
 * qemu-ga has no profiles: against it these checks are skipped (reported, not passed).
 *
 * @module
 */

import { b64, type Check, type CheckContext, expect, expectEqual, unb64 } from "./check_kit.ts";
import { networkCheck, setTimeCheck, vcpuCheck } from "./checks.ts";
import { hostFactsCheck, statsAndRoutesCheck, storageCheck } from "./checks_newer.ts";
import { FILE_ROOT } from "./image.ts";
import {
  commandTable,
  disabledIn,
  ensureProfile,
  expectConfinedProcess,
  expectStartedAs,
  openRefusal,
  OS_RELEASE_LINK,
  readDifferential,
  skipUnlessOurs,
  underProfile,
} from "./profile_agent.ts";
import { freezeUnderFiles } from "./profile_freeze.ts";
import { READONLY_CHECKS, restoreFullCheck } from "./checks_profiles_readonly.ts";
import { QEMU_GA_72_COMMANDS } from "../oracle/differences.ts";

/** What the files profile disables (no `--exec-allow` list: guest-exec and its status too). */
const FILES_DISABLED = [
  "guest-exec",
  "guest-exec-status",
  "guest-set-user-password",
  "guest-ssh-add-authorized-keys",
  "guest-ssh-remove-authorized-keys",
];

/** Paths outside the root that guest-file-open must refuse, in non-truncating modes only. */
const REFUSED: readonly (readonly [string, readonly string[]])[] = [
  ["/etc/shadow", ["r", "r+"]],
  ["/usr/sbin/hwclock", ["r+"]],
  ["/sbin/hwclock", ["r+"]],
];

/** A check under the files profile. */
function files(name: string, run: (ctx: CheckContext) => Promise<void>): Check {
  return {
    name: `profile files: ${name}`,
    timeoutMs: 120_000,
    skip: skipUnlessOurs,
    async run(ctx) {
      await ensureProfile(ctx, "files");
      await run(ctx);
    },
  };
}

const startedCheck = files(
  "start:files's flags, 5 commands disabled, NoNewPrivs, capabilities",
  async (ctx) => {
    await expectStartedAs(ctx, "files");
    const table = await commandTable(ctx);
    expectEqual(disabledIn(table), FILES_DISABLED, "commands guest-info shows disabled");
    const missing = QEMU_GA_72_COMMANDS.filter((n) => n !== "guest-get-devices" && !table.has(n));
    expectEqual(missing, [], "qemu-ga 7.2 commands missing from guest-info");
    const kept = await expectConfinedProcess(ctx, table);
    for (const cap of ["CAP_SYS_TIME", "CAP_SYS_ADMIN", "CAP_SYS_BOOT"]) {
      expect(kept.includes(cap), `${cap} is not kept, yet its commands are enabled`);
    }
    expect(!kept.includes("CAP_DAC_OVERRIDE"), "CAP_DAC_OVERRIDE kept");
    const dmesg = await ctx.shell.check("dmesg | grep 'landlock: Up and running' || true");
    expect(dmesg.trim() !== "", "the guest kernel did not start Landlock (dmesg)");
    ctx.note(`kept: ${kept.join(" ")}`);
  },
);

const refusedCheck = files(
  "/etc/shadow, /usr/sbin/hwclock (r, r+) refused; qemu-ga opens them",
  async (ctx) => {
    // Merged /usr, as on Debian (the guest's busybox has /sbin/hwclock only).
    await ctx.shell.check("[ -e /usr/sbin/hwclock ] || ln -s /bin/busybox /usr/sbin/hwclock");
    const sum = () => ctx.shell.check("sha256sum /bin/busybox /etc/shadow");
    const before = await sum();
    for (const [path, modes] of REFUSED) {
      for (const mode of modes) {
        expectEqual(
          await openRefusal(ctx, path, mode),
          `failed to open file '${path}' (mode: '${mode}'): Permission denied`,
          `guest-file-open ${path} ${mode}`,
        );
        // The control: unconfined, qemu-ga opens it — or, for busybox (the guest's running
        // shell), reaches the kernel's own "Text file busy" for a running program.
        const ref = await ctx.ref.request("guest-file-open", { path, mode });
        const handle = ref.value?.return;
        if (typeof handle === "number") await ctx.ref.execute("guest-file-close", { handle });
        else {
          expectEqual(
            ref.value?.error,
            {
              class: "GenericError",
              desc: `failed to open file '${path}' (mode: '${mode}'): Text file busy`,
            },
            `the reference qemu-ga's guest-file-open ${path} ${mode}`,
          );
        }
      }
    }
    const outside = "/mnt/disk/profile-outside.txt";
    expect(
      (await openRefusal(ctx, outside, "w")).endsWith("Permission denied"),
      `a write outside the root`,
    );
    expectEqual(
      (await ctx.shell.run(`test -e ${outside}`)).code,
      1,
      `${outside} exists after the refused open`,
    );
    expectEqual(await sum(), before, "busybox and /etc/shadow unchanged");
  },
);

const rootFileCheck = files(
  "guest-file-* in the root: w, a, read back, seek, truncate",
  async (ctx) => {
    const { agent, shell } = ctx;
    const path = `${FILE_ROOT}/profile-test.bin`;
    await shell.check(`rm -f ${path}`);
    const data = Uint8Array.from({ length: 300 }, (_, i) => (i * 7 + 3) & 0xff);
    const write = async (mode: string, bytes: Uint8Array) => {
      const h = await agent.execute("guest-file-open", { path, mode }) as number;
      const r = await agent.execute("guest-file-write", { handle: h, "buf-b64": b64(bytes) });
      expectEqual(r, { count: bytes.length, eof: false }, `write (${mode})`);
      await agent.execute("guest-file-flush", { handle: h });
      await agent.execute("guest-file-close", { handle: h });
    };
    const onDisk = async () => unb64((await shell.check(`base64 -w 0 ${path}`)).trim());
    await write("w", data);
    expectEqual([...await onDisk()], [...data], "the file in the guest after w");
    await write("a", new TextEncoder().encode("APPENDED"));
    const all = new Uint8Array([...data, ...new TextEncoder().encode("APPENDED")]);
    expectEqual([...await onDisk()], [...all], "the file in the guest after a");
    const h = await agent.execute("guest-file-open", { path }) as number;
    const read = await agent.execute("guest-file-read", { handle: h, count: 4096 }) as {
      count: number;
      "buf-b64": string;
      eof: boolean;
    };
    expectEqual([read.count, read.eof], [308, true], "read count, eof");
    expectEqual([...unb64(read["buf-b64"])], [...all], "bytes read back");
    expectEqual(
      await agent.execute("guest-file-seek", { handle: h, offset: -8, whence: "end" }),
      { position: 300, eof: false },
      "seek 8 before the end",
    );
    expectEqual(
      await agent.execute("guest-file-read", { handle: h, count: 8 }),
      { count: 8, "buf-b64": btoa("APPENDED"), eof: false },
      "read after seek",
    );
    await agent.execute("guest-file-close", { handle: h });
    await write("w", new TextEncoder().encode("short"));
    expectEqual(
      await shell.check(`stat -c %s ${path}; cat ${path}`),
      "5\nshort",
      "after a second w",
    );
    await shell.check(`rm -f ${path}`);
  },
);

const landlockCheck = files(
  "Landlock: $QGA_OS_RELEASE outside the ruleset unread, beneath the root read",
  async (ctx) => {
    const { shell, agent } = ctx;
    const inside = `${FILE_ROOT}/os-release`;
    const outside = "/etc/vm/os-release.outside";
    // One file, two names: a hard link outside every rule, and one beneath the root.
    await shell.check(`cp /etc/os-release ${inside} && ln -f ${inside} ${outside}`);
    try {
      const inodes = await shell.check(`stat -c %i ${inside} ${outside}`);
      const [a, b] = inodes.trim().split("\n");
      expectEqual(a, b, "the two names' inode");
      const osinfo = async (target: string) => {
        // Unconfined, root reads it through the same name.
        await shell.check(
          `ln -sfn ${target} ${OS_RELEASE_LINK} && grep -q ^ID= ${OS_RELEASE_LINK}`,
        );
        return await agent.execute("guest-get-osinfo") as Record<string, string>;
      };
      const out = await osinfo(outside);
      expectEqual(
        [out.id, out["pretty-name"]],
        [undefined, undefined],
        "osinfo via the outside name",
      );
      expect(out["kernel-release"] !== undefined, "osinfo lost its uname fields");
      const inn = await osinfo(inside);
      expectEqual(inn.id, "debian", "osinfo id via the name beneath the root");
      ctx.note(`outside: ${Object.keys(out).length} fields, inside: ${Object.keys(inn).length}`);
    } finally {
      await shell.run(`ln -sfn /etc/os-release ${OS_RELEASE_LINK}; rm -f ${inside} ${outside}`);
    }
  },
);

/** The profile phase: files, then readonly, then the default agent again. */
export const PROFILE_CHECKS: readonly Check[] = [
  startedCheck,
  refusedCheck,
  rootFileCheck,
  underProfile("files", setTimeCheck),
  freezeUnderFiles,
  underProfile("files", vcpuCheck),
  underProfile("files", networkCheck),
  underProfile("files", hostFactsCheck),
  underProfile("files", storageCheck),
  underProfile("files", statsAndRoutesCheck),
  readDifferential("files"),
  landlockCheck,
  ...READONLY_CHECKS,
  restoreFullCheck,
];
