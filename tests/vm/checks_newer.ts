/**
 * VM checks of the newer commands (issue 10), by their effect in the guest: the facts libvirt's
 * `guestinfo` shows (host name, time zone, users, OS, filesystems, disks), guest-exec as Proxmox
 * drives it, passwords in `/etc/shadow`, SSH keys with their modes and owner, memory blocks
 * offlined and onlined, statistics and routes. The guest's userland is `guest_userland.ts`.
 * Differentials against qemu-ga 7.2 for every read-only command are derived from the schema in
 * `checks.ts`; these checks look at what the guest itself says.
 *
 * @module
 */

import {
  b64,
  type Check,
  type CheckContext,
  CheckFailure,
  expect,
  expectEqual,
  expectError,
  unb64,
} from "./check_kit.ts";
import { GUEST_LOGINS, GUEST_USER } from "./guest_userland.ts";
import { GUEST_NET } from "./image.ts";

const decoder = new TextDecoder();

/** Whether the agent under test is qga-deno (commands qemu-ga 7.2 lacks are checked only then). */
function isOurs(ctx: CheckContext): boolean {
  return ctx.kind === "deno";
}

export const hostFactsCheck: Check = {
  name: "guest-get-host-name, -timezone, -osinfo, -users (what virsh guestinfo shows)",
  async run({ agent, shell, note, arch }) {
    expectEqual(await agent.execute("guest-get-host-name"), { "host-name": "vm" }, "host name");
    // The guest's libc says what the zone is now (CET/+0100 in winter, CEST/+0200 in summer).
    const [zone, numeric] = (await shell.check("date +'%Z %z'")).trim().split(" ");
    const sign = numeric!.startsWith("-") ? -1 : 1;
    const offset = sign * (Number(numeric!.slice(1, 3)) * 3600 + Number(numeric!.slice(3)) * 60);
    expectEqual(await agent.execute("guest-get-timezone"), { zone, offset }, "time zone");
    const os = await agent.execute("guest-get-osinfo") as Record<string, string>;
    const release = (await shell.check("uname -r")).trim();
    expectEqual(os["kernel-release"], release, "osinfo kernel-release");
    expectEqual(os.machine, arch, "osinfo machine (uname -m)");
    expectEqual(os.id, "debian", "osinfo id (the guest's /etc/os-release)");
    expect(os["pretty-name"]?.startsWith("Debian GNU/Linux"), `pretty-name ${os["pretty-name"]}`);
    const firstLogin = new Map<string, number>();
    for (const [user, , s, us] of GUEST_LOGINS) {
      const t = s + us / 1e6;
      if (!firstLogin.has(user) || t < firstLogin.get(user)!) firstLogin.set(user, t);
    }
    const order = [...new Set(GUEST_LOGINS.map(([user]) => user))];
    expectEqual(
      await agent.execute("guest-get-users"),
      order.map((user) => ({ user, "login-time": firstLogin.get(user)! })),
      "users (one per user, earliest login)",
    );
    note(`${zone} ${offset}, ${os["pretty-name"]}`);
  },
};

export const storageCheck: Check = {
  name: "guest-get-fsinfo, -disks, -diskstats on the virtio disk",
  async run({ agent, shell, note }) {
    const fs = await agent.execute("guest-get-fsinfo") as {
      mountpoint: string;
      type: string;
      name: string;
      "used-bytes"?: number;
      "total-bytes"?: number;
      disk: { "bus-type": string; dev?: string }[];
    }[];
    const disk = fs.find((f) => f.mountpoint === "/mnt/disk");
    expect(disk, `no /mnt/disk in ${JSON.stringify(fs.map((f) => f.mountpoint))}`);
    expectEqual(disk.type, "ext4", "fsinfo type");
    expectEqual(disk.name, "vda", "fsinfo name");
    expectEqual(disk.disk.map((d) => [d["bus-type"], d.dev]), [["virtio", "/dev/vda"]], "disk");
    // statvfs as the guest's df sees it (1 KiB blocks): total-bytes is qemu-ga's capacity for
    // unprivileged users, used + available (reserved blocks left out), not df's size column.
    const [used, available] = (await shell.check("df -k /mnt/disk | tail -1")).trim()
      .split(/\s+/).slice(2, 4).map((n) => Number(n) * 1024);
    expectEqual(disk["used-bytes"], used, "used-bytes (df)");
    const capacity = used! + available!;
    expect(
      disk["total-bytes"] !== undefined && Math.abs(disk["total-bytes"] - capacity) <= 1024,
      `total-bytes ${disk["total-bytes"]} vs df used + available ${capacity}`,
    );
    const disks = await agent.execute("guest-get-disks") as { name: string; partition: boolean }[];
    expect(
      disks.some((d) => d.name === "/dev/vda" && d.partition === false),
      `no /dev/vda in ${JSON.stringify(disks)}`,
    );
    const stats = await agent.execute("guest-get-diskstats") as {
      name: string;
      stats: Record<string, number>;
    }[];
    const vda = stats.find((d) => d.name === "vda");
    expect(vda && (vda.stats["read-ios"] ?? 0) > 0, `vda diskstats: ${JSON.stringify(vda)}`);
    note(`used ${used} of ${capacity} bytes`);
  },
};

/** Polls guest-exec-status until `exited` (Proxmox: once a second; here faster). */
async function waitExited(ctx: CheckContext, pid: number): Promise<Record<string, unknown>> {
  for (let i = 0; i < 300; i++) {
    const status = await ctx.agent.execute("guest-exec-status", { pid }) as Record<string, unknown>;
    if (status.exited === true) return status;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new CheckFailure(`guest-exec pid ${pid} did not exit within 30 s`);
}

const execCheck: Check = {
  name: "guest-exec + guest-exec-status as Proxmox drives them (stdin, env, output, exit)",
  timeoutMs: 90_000,
  async run(ctx) {
    const { agent } = ctx;
    const text = (v: unknown) => v === undefined ? undefined : decoder.decode(unb64(String(v)));
    const script = 'read line; echo "in:$line"; echo "env:$(env | sort | tr "\\n" " ")"; ' +
      "echo err >&2; exit 3";
    const { pid } = await agent.execute("guest-exec", {
      path: "/bin/sh",
      arg: ["-c", script],
      env: ["FOO=bar"],
      "input-data": b64(new TextEncoder().encode("hello\n")),
      "capture-output": true,
    }) as { pid: number };
    const status = await waitExited(ctx, pid);
    expectEqual(status.exitcode, 3, "exit code");
    const out = text(status["out-data"]) ?? "";
    expect(out.startsWith("in:hello\n"), `stdout: ${JSON.stringify(out)}`);
    // `env` replaces the whole environment: the agent's own variables (DENO_DIR, NO_COLOR, …)
    // are gone; busybox sh adds PWD, SHLVL and a default PATH itself.
    expect(/env:.*FOO=bar/.test(out) && !/DENO|NO_COLOR/.test(out), `env: ${out}`);
    expectEqual(text(status["err-data"]), "err\n", "stderr");
    expectEqual(status["out-truncated"], false, "out-truncated");
    await expectError(agent, "guest-exec-status", { pid });

    const killed = await agent.execute("guest-exec", {
      path: "/bin/sh",
      arg: ["-c", "kill -9 $$"],
    }) as { pid: number };
    expectEqual(await waitExited(ctx, killed.pid), { exited: true, signal: 9 }, "killed child");

    const missing = await expectError(agent, "guest-exec", { path: "/bin/no-such-program" });
    expect(
      missing.desc.includes("Failed to execute child process \u201C/bin/no-such-program\u201D"),
      `spawn failure: ${missing.desc}`,
    );
    if (isOurs(ctx)) {
      const merged = await agent.execute("guest-exec", {
        path: "/bin/sh",
        arg: ["-c", "echo 1; echo 2 >&2; echo 3; echo 4 >&2"],
        "capture-output": "merged",
      }) as { pid: number };
      const m = await waitExited(ctx, merged.pid);
      expectEqual(text(m["out-data"]), "1\n2\n3\n4\n", "merged output, in order");
      expectEqual(m["err-data"], undefined, "merged: no err-data");
    }
  },
};

/** The hash field of `user` in the guest's /etc/shadow. */
async function shadowHash(ctx: CheckContext, user: string): Promise<string> {
  return (await ctx.shell.check(`awk -F: '$1 == "${user}" { print $2 }' /etc/shadow`)).trim();
}

const passwordCheck: Check = {
  name: "guest-set-user-password changes the hash in /etc/shadow (plain and crypted)",
  async run(ctx) {
    const { agent } = ctx;
    const user = GUEST_USER.name;
    const before = await shadowHash(ctx, user);
    const password = b64(new TextEncoder().encode("s3cret pass"));
    await agent.execute("guest-set-user-password", { username: user, password, crypted: false });
    const plain = await shadowHash(ctx, user);
    expect(plain !== before && plain.startsWith("$6$"), `hash after a plain password: ${plain}`);
    const ok = await ctx.shell.run(
      `echo 's3cret pass' | mkpasswd -m sha512 -S '${plain.split("$")[2]}'`,
    );
    expectEqual(ok.output.trim(), plain, "the hash is of the password given");
    const crypted = "$6$saltsalt$ZmFrZWhhc2g";
    await agent.execute("guest-set-user-password", {
      username: user,
      password: b64(new TextEncoder().encode(crypted)),
      crypted: true,
    });
    expectEqual(await shadowHash(ctx, user), crypted, "hash after a crypted password");
    const noUser = await expectError(agent, "guest-set-user-password", {
      username: "nosuchuser",
      password,
      crypted: false,
    });
    expect(noUser.desc.startsWith("child process has failed to set user password"), noUser.desc);
  },
};

const sshKeysCheck: Check = {
  name: "guest-ssh-*-authorized-keys: file content, modes and owner",
  async run(ctx) {
    const { agent, shell } = ctx;
    const user = GUEST_USER.name;
    const file = `${GUEST_USER.home}/.ssh/authorized_keys`;
    await shell.check(`rm -rf ${GUEST_USER.home}/.ssh`);
    const keys = ["ssh-ed25519 AAAAC3Nza key1@host", "ssh-rsa AAAAB3Nza key2@host"];
    await agent.execute("guest-ssh-add-authorized-keys", { username: user, keys });
    expectEqual(
      await shell.check(`stat -c '%a %u %g' ${GUEST_USER.home}/.ssh ${file}; cat ${file}`),
      `700 1000 1000\n600 1000 1000\n${keys.join("\n")}`,
      "~/.ssh and authorized_keys after add",
    );
    expectEqual(
      await agent.execute("guest-ssh-get-authorized-keys", { username: user }),
      { keys: [...keys].reverse() },
      "get (reverse file order)",
    );
    await agent.execute("guest-ssh-remove-authorized-keys", { username: user, keys: [keys[0]] });
    expectEqual(await shell.check(`cat ${file}`), keys[1], "after remove");
    await agent.execute("guest-ssh-add-authorized-keys", { username: user, keys: [], reset: true });
    expectEqual(await shell.check(`stat -c %s ${file}`), "0\n", "reset with no keys: empty");
  },
};

const memoryBlocksCheck: Check = {
  name: "guest-get/set-memory-blocks: a block offlined and onlined",
  timeoutMs: 90_000,
  async run({ agent, shell, note }) {
    const info = await agent.execute("guest-get-memory-block-info") as { size: number };
    const hex = (await shell.check("cat /sys/devices/system/memory/block_size_bytes")).trim();
    expectEqual(info.size, parseInt(hex, 16), "block size");
    const blocks = await agent.execute("guest-get-memory-blocks") as {
      "phys-index": number;
      online: boolean;
      "can-offline"?: boolean;
    }[];
    const listed = (await shell.check("ls /sys/devices/system/memory | grep -c '^memory'")).trim();
    expectEqual(blocks.length, Number(listed), "number of memory blocks");
    const victim = [...blocks].reverse().find((b) => b.online && b["can-offline"]);
    if (!victim) {
      note("no block can be offlined in this guest");
      return;
    }
    const index = victim["phys-index"];
    const state = `/sys/devices/system/memory/memory${index}/state`;
    const [off] = await agent.execute("guest-set-memory-blocks", {
      "mem-blks": [{ "phys-index": index, online: false }],
    }) as { response: string; "error-code"?: number }[];
    if (off!.response === "success") {
      expectEqual((await shell.check(`cat ${state}`)).trim(), "offline", `block ${index} state`);
      const [on] = await agent.execute("guest-set-memory-blocks", {
        "mem-blks": [{ "phys-index": index, online: true }],
      }) as { response: string }[];
      expectEqual(on!.response, "success", "onlining again");
      expectEqual((await shell.check(`cat ${state}`)).trim(), "online", `block ${index} state`);
      note(`block ${index} offlined and onlined`);
    } else {
      // The kernel may refuse (pages in use): qemu-ga reports operation-failed with the errno.
      expectEqual(off!.response, "operation-failed", "response when the kernel refuses");
      expect(typeof off!["error-code"] === "number", "error-code");
      note(`block ${index}: the kernel refused (errno ${off!["error-code"]})`);
    }
    const [missing] = await agent.execute("guest-set-memory-blocks", {
      "mem-blks": [{ "phys-index": 999999, online: true }],
    }) as unknown[];
    expectEqual(
      missing,
      { "phys-index": 999999, response: "not-found", "error-code": 2 },
      "absent",
    );
  },
};

export const statsAndRoutesCheck: Check = {
  name: "guest-get-cpustats, guest-get-load, guest-network-get-route",
  async run(ctx) {
    const { agent, shell } = ctx;
    const cpus = await agent.execute("guest-get-cpustats") as { cpu: number; user: number }[];
    const online = Number((await shell.check("grep -c '^cpu[0-9]' /proc/stat")).trim());
    expectEqual(cpus.length, online, "one cpustats entry per CPU line of /proc/stat");
    if (!isOurs(ctx)) return; // qemu-ga 7.2 has neither of the next two
    const load = await agent.execute("guest-get-load") as Record<string, number>;
    expect(
      ["load1m", "load5m", "load15m"].every((k) => typeof load[k] === "number" && load[k]! >= 0),
      `load: ${JSON.stringify(load)}`,
    );
    const routes = await agent.execute("guest-network-get-route") as Record<string, unknown>[];
    const v4 = routes.find((r) => r.version === 4 && r.destination === "0.0.0.0");
    expect(v4, `no IPv4 default route in ${JSON.stringify(routes)}`);
    expectEqual([v4.gateway, v4.iface], ["10.0.2.2", "eth0"], "IPv4 default route");
    const local = routes.find((r) => r.version === 4 && r.destination === "10.0.2.0");
    expectEqual(local?.mask, "255.255.255.0", "the on-link IPv4 route's mask");
    const v6 = routes.find((r) => r.version === 6 && r.destination === "::" && r.nexthop);
    expectEqual(v6?.nexthop, "fd00:5eed::2", "IPv6 default route");
    expect(GUEST_NET.ipv4 === "10.0.2.15", "the guest's network is the one routed here");
  },
};

/** The checks of the newer commands, in run order (after the seed commands' checks). */
export const NEWER_CHECKS: readonly Check[] = [
  hostFactsCheck,
  storageCheck,
  execCheck,
  passwordCheck,
  sshKeysCheck,
  memoryBlocksCheck,
  statsAndRoutesCheck,
];
