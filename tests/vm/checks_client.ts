/**
 * VM checks of the host-side client (issue 14): `deno task client` drives the agent under test
 * through the host side of its virtio-serial port, and each subcommand is checked by its effect
 * in the guest — output and exit status of `exec`, a 32 MiB file copied in and out with equal
 * checksums, filesystems frozen and thawed, the clock set, a vCPU taken offline, the agent's
 * power programs run with each shutdown mode, the guest suspended and woken (`suspend.ts`, on
 * either machine). The suite's own connection (`ctx.agent`) holds the port, so each check closes
 * it first and reconnects and resynchronises after ({@linkcode withClient}); the same checks run
 * against qemu-ga 7.2 (`QGA_VM_AGENT=qemu-ga`).
 *
 * @module
 */

import { type Check, type CheckContext, expect, expectEqual } from "./check_kit.ts";
import { sha256, withClient } from "./client_runner.ts";
import { GUEST_USER } from "./guest_userland.ts";
import { GUEST_NET } from "./image.ts";
import { suspendWaker } from "./suspend.ts";

const readOnlyCheck: Check = {
  name: "client: ping, hostname, osinfo, users, time, net, fs, vcpus, info",
  async run(ctx) {
    await withClient(ctx, async (client) => {
      expect(/^ok \(/.test((await client(["ping"], { task: true })).stdout), "ping");
      expectEqual((await client(["hostname"])).stdout, "vm\n", "hostname");
      expect((await client(["osinfo"])).stdout.includes("\nid:             debian\n"), "osinfo id");
      const users = (await client(["users"])).stdout;
      expect(
        users.startsWith("USER") && users.includes(`\n${GUEST_USER.name} `),
        `users: ${users}`,
      );
      const time = /guest - host: ([+-]\d+\.\d+) s/.exec((await client(["time"])).stdout);
      expect(time && Math.abs(Number(time[1])) < 30, `time: ${time?.[0]}`);
      const net = (await client(["net"])).stdout;
      const eth = `${GUEST_NET.mac}  ${GUEST_NET.ipv4}/${GUEST_NET.ipv4Prefix}`;
      expect(net.includes(eth), `net has no line with ${eth}:\n${net}`);
      const fs = (await client(["fs"])).stdout;
      expect(/\nvda +ext4 .* \/mnt\/disk\n/.test(fs), `fs has no /mnt/disk on vda:\n${fs}`);
      expect((await client(["vcpus"])).stdout.startsWith("2 of 2 vCPUs online\n"), "vcpus");
      const info = (await client(["info"])).stdout;
      expect(/^version: +\S+\ncommands: \d+ \(\d+ enabled\)\n/.test(info), `info: ${info}`);
      ctx.note(`time offset ${time![1]} s`);
    });
  },
};

const execCheck: Check = {
  name: "client exec: output, exit status, signal, environment, stdin",
  async run(ctx) {
    await withClient(ctx, async (client) => {
      const sh = await client(["exec", "--", "/bin/sh", "-c", "uname -n; echo oops >&2; exit 3"], {
        task: true,
        code: 3,
      });
      expectEqual([sh.stdout, sh.stderr], ["vm\n", "oops\n"], "exec stdout, stderr");
      await client(["exec", "--", "/bin/sh", "-c", "kill -TERM $$"], { code: 143 });
      const env = await client([
        "exec",
        "--env",
        "GREETING=hello vm",
        "--",
        "/bin/sh",
        "-c",
        'echo "$GREETING"',
      ]);
      expectEqual(env.stdout, "hello vm\n", "exec --env");
      const dir = await Deno.makeTempDir({ prefix: "qga-vm-client-" });
      try {
        await Deno.writeTextFile(`${dir}/in.txt`, "line one\nline two\n");
        const wc = await client([
          "exec",
          "--stdin",
          `${dir}/in.txt`,
          "--",
          "/bin/sh",
          "-c",
          "wc -l",
        ]);
        expectEqual(wc.stdout.trim(), "2", "exec --stdin FILE | wc -l");
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    });
  },
};

const cpCheck: Check = {
  name: "client cp: 32 MiB in and out, checksums equal",
  timeoutMs: 600_000,
  async run(ctx) {
    const size = 32 * 1024 * 1024;
    const data = new Uint8Array(size);
    for (let at = 0; at < size; at += 65536) crypto.getRandomValues(data.subarray(at, at + 65536));
    const sum = await sha256(data);
    const dir = await Deno.makeTempDir({ prefix: "qga-vm-client-" });
    const guestPath = "/mnt/disk/client-cp.bin";
    try {
      await Deno.writeFile(`${dir}/in.bin`, data);
      await withClient(ctx, async (client) => {
        let t = Date.now();
        await client(["cp", `${dir}/in.bin`, `guest:${guestPath}`], { task: true });
        const inS = (Date.now() - t) / 1000;
        const guestSum = (await ctx.shell.check(`sha256sum ${guestPath}`, 120)).split(" ")[0];
        expectEqual(guestSum, sum, "sha256 of the file copied into the guest");
        t = Date.now();
        await client(["cp", `guest:${guestPath}`, `${dir}/out.bin`], { task: true });
        const outS = (Date.now() - t) / 1000;
        expectEqual(await sha256(await Deno.readFile(`${dir}/out.bin`)), sum, "sha256 copied out");
        ctx.note(`in ${inS.toFixed(1)} s, out ${outS.toFixed(1)} s`);
      });
    } finally {
      await ctx.shell.run(`rm -f ${guestPath}`);
      await Deno.remove(dir, { recursive: true });
    }
  },
};

async function writerProgress(ctx: CheckContext): Promise<number> {
  return Number((await ctx.shell.check("cat /tmp/client-progress 2>/dev/null || echo 0")).trim());
}

const freezeCheck: Check = {
  name: "client freeze, freeze-status, thaw (all, and --mountpoints)",
  timeoutMs: 120_000,
  async run(ctx) {
    await ctx.shell.check(
      "(n=0; while :; do echo $n >> /mnt/disk/client-stall.log; n=$((n+1)); " +
        "echo $n > /tmp/client-progress; usleep 100000; done) </dev/null >/dev/null 2>&1 & " +
        "echo $! > /tmp/client-writer.pid",
    );
    try {
      await withClient(ctx, async (client) => {
        for (const args of [["freeze"], ["freeze", "--mountpoints", "/mnt/disk"]]) {
          expectEqual((await client(args)).stdout, "froze 1 filesystem\n", args.join(" "));
          expectEqual((await client(["freeze-status"])).stdout, "frozen\n", "status when frozen");
          const p1 = await writerProgress(ctx);
          await new Promise((r) => setTimeout(r, 1000));
          expectEqual(await writerProgress(ctx), p1, `writer progress after ${args.join(" ")}`);
          expectEqual((await client(["thaw"])).stdout, "thawed 1 filesystem\n", "thaw");
          expectEqual((await client(["freeze-status"])).stdout, "thawed\n", "status after thaw");
          await new Promise((r) => setTimeout(r, 1000));
          expect(await writerProgress(ctx) > p1, "writer resumes after thaw");
        }
        const trim = (await client(["trim"], { task: true })).stdout;
        expect(/\n\/mnt\/disk +\d/.test(trim), `trim lists /mnt/disk:\n${trim}`);
      });
    } finally {
      await ctx.shell.run("fsfreeze -u /mnt/disk 2>/dev/null; kill $(cat /tmp/client-writer.pid)");
      await ctx.shell.run("rm -f /mnt/disk/client-stall.log");
    }
  },
};

const guestSeconds = async (ctx: CheckContext) =>
  Number((await ctx.shell.check("date +%s")).trim());

const timeAndVcpusCheck: Check = {
  name: "client time set (TIME, now, from the RTC), vcpus set N",
  async run(ctx) {
    await withClient(ctx, async (client) => {
      try {
        const out = (await client(["time", "set", "2031-02-03T04:05:06Z"])).stdout;
        expect(out.startsWith("guest clock set; it reads 2031-02-03 04:05:"), out);
        const guest = await guestSeconds(ctx);
        const target = Date.parse("2031-02-03T04:05:06Z") / 1000;
        expect(guest - target >= 0 && guest - target < 10, `guest clock ${guest - target} s off`);
        await client(["time", "set", "now"]);
        expect(Math.abs(await guestSeconds(ctx) - Date.now() / 1000) < 5, "time set now");
        // From the RTC (which `time set now` wrote): the guest's clock comes back from 2031.
        await ctx.shell.check("date -s @1928376306 >/dev/null");
        const rtc = await client(["time", "set"], { code: "any" });
        if (rtc.code !== 0) ctx.note(`time set (from the RTC): ${rtc.stderr.trim()}`);
        else expect(Math.abs(await guestSeconds(ctx) - Date.now() / 1000) < 5, "time set (RTC)");
      } finally {
        await client(["time", "set", "now"]).catch(() => {});
      }
      const online = async () =>
        (await ctx.shell.check("cat /sys/devices/system/cpu/cpu1/online")).trim();
      try {
        expectEqual(
          (await client(["vcpus", "set", "1"])).stdout,
          "1 of 2 vCPUs online\n",
          "vcpus set 1",
        );
        expectEqual(await online(), "0", "cpu1/online after vcpus set 1");
        expectEqual((await client(["vcpus", "set", "2"])).stdout, "2 of 2 vCPUs online\n", "set 2");
        expectEqual(await online(), "1", "cpu1/online after vcpus set 2");
      } finally {
        await ctx.shell.run("echo 1 > /sys/devices/system/cpu/cpu1/online");
      }
    });
  },
};

/** The programs an agent may run for guest-shutdown (qga-deno prefers the three direct ones). */
const POWER_PROGRAMS = "shutdown poweroff halt reboot";

const shutdownCheck: Check = {
  name: "client shutdown, --reboot, --halt run the guest's shutdown program for the mode",
  async run(ctx) {
    // Stand-ins record what ran instead of powering off (the shutdown boot powers off for real).
    await ctx.shell.check(
      `rm -rf /tmp/client-orig /tmp/client-shutdown.args; mkdir /tmp/client-orig; ` +
        `for p in ${POWER_PROGRAMS}; do ` +
        `if [ -e /sbin/$p ] || [ -L /sbin/$p ]; then mv /sbin/$p /tmp/client-orig/; fi; ` +
        `printf '%s\n' '#!/bin/sh' 'echo "$0 $*" >> /tmp/client-shutdown.args' > /sbin/$p; ` +
        `chmod 755 /sbin/$p; done`,
    );
    try {
      await withClient(ctx, async (client) => {
        const modes = [[[], "powerdown"], [["--reboot"], "reboot"], [["--halt"], "halt"]] as const;
        for (const [flag, mode] of modes) {
          const out = (await client(["shutdown", ...flag])).stdout;
          expectEqual(
            out,
            `${mode}: requested (the agent reported no error)\n`,
            `shutdown ${flag}`,
          );
        }
      });
      const ran = (await ctx.shell.check("cat /tmp/client-shutdown.args")).trim().split("\n")
        .map((line) => line.trim());
      const message = "\\+0 hypervisor initiated shutdown";
      const expected = [
        new RegExp(`^/sbin/(poweroff|shutdown -h -P ${message})$`),
        new RegExp(`^/sbin/(reboot|shutdown -h -r ${message})$`),
        new RegExp(`^/sbin/(halt|shutdown -h -H ${message})$`),
      ];
      expectEqual(ran.length, 3, `programs run: ${ran.join(" | ")}`);
      ran.forEach((line, i) => expect(expected[i]!.test(line), `${line} !~ ${expected[i]}`));
      ctx.note(ran.join(", "));
    } finally {
      await ctx.shell.check(
        `for p in ${POWER_PROGRAMS}; do rm -f /sbin/$p; ` +
          `if [ -e /tmp/client-orig/$p ] || [ -L /tmp/client-orig/$p ]; then ` +
          `mv /tmp/client-orig/$p /sbin/; fi; done`,
      );
    }
  },
};

const suspendCheck: Check = {
  name: "client suspend ram (and woken), suspend hybrid (unsupported)",
  timeoutMs: 180_000,
  async run(ctx) {
    await withClient(ctx, async (client) => {
      // x86_64: S3 and QMP system_wakeup; aarch64 (virt, s2idle): an RTC alarm (suspend.ts).
      const waker = await suspendWaker(ctx);
      const running = client(["suspend", "ram", "--timeout", "120"]);
      await waker.wake();
      // The agent answers the sync that follows the request once the guest is awake again.
      const out = (await running).stdout;
      expectEqual(out, "suspend to ram: requested (the agent reported no error)\n", "suspend ram");
      const hybrid = await client(["suspend", "hybrid"], { code: 1 });
      expectEqual(
        hybrid.stderr,
        "error: GenericError: the requested suspend mode is not supported by the guest\n",
        "suspend hybrid",
      );
    });
  },
};

/** The client's checks, in order (guest-changing ones last; each leaves the guest as found). */
export const CLIENT_CHECKS: readonly Check[] = [
  readOnlyCheck,
  execCheck,
  cpCheck,
  freezeCheck,
  timeAndVcpusCheck,
  shutdownCheck,
  suspendCheck,
];
