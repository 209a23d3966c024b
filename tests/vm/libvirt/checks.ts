/**
 * The libvirt suite's checks: what operators and KubeVirt do through `virsh`, a client nobody
 * here wrote — `guestinfo` (users, os, timezone, hostname, filesystems, disks, interfaces),
 * `domhostname --source agent`, `domfsinfo`, `set-user-password` (plain and `--encrypted`),
 * `set-user-sshkeys` / `get-user-sshkeys` / `--remove`, a Proxmox-style exec through
 * `qemu-agent-command`, and KubeVirt's list of required commands; then the same read-only views
 * with qemu-ga 7.2 on the same port of the same guest, compared value by value.
 *
 * @module
 */

import { sleep } from "../../helpers/async.ts";
import { b64, CheckFailure, expect, expectEqual, unb64 } from "../check_kit.ts";
import type { GuestShell } from "../guest_shell.ts";
import { GUEST_USER } from "../guest_userland.ts";
import { DOMAIN } from "./domain.ts";
import { virsh } from "./host.ts";

/** What a libvirt check can use. */
export interface LibvirtContext {
  /** The guest's command channel. */
  readonly shell: GuestShell;
  /** The run directory. */
  readonly dir: string;
  /** Adds a note to the check's report line. */
  note(text: string): void;
  /** Views recorded while qga-deno was on the port, compared once qemu-ga is there. */
  readonly views: Map<string, string>;
}

/** One libvirt check. */
export interface LibvirtCheck {
  readonly name: string;
  run(ctx: LibvirtContext): Promise<void>;
}

/** `virsh qemu-agent-command` with `command` (and `args`); returns the parsed `return`. */
export async function agentCommand(command: string, args?: unknown): Promise<unknown> {
  const request = JSON.stringify(
    args === undefined ? { execute: command } : {
      execute: command,
      arguments: args,
    },
  );
  const r = await virsh(["qemu-agent-command", DOMAIN, request, "--timeout", "30"]);
  return (JSON.parse(r.stdout) as { return: unknown }).return;
}

/** Waits until libvirt reaches an agent on the port (after a boot or an agent swap). */
export async function waitForAgent(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    const r = await virsh(
      ["qemu-agent-command", DOMAIN, '{"execute":"guest-ping"}', "--timeout", "5"],
      false,
    );
    if (r.code === 0) return;
    last = r.stderr.trim();
    await sleep(500);
  }
  throw new CheckFailure(`libvirt does not reach the guest agent: ${last}`);
}

/** `virsh guestinfo` as key → value. */
async function guestinfo(): Promise<Map<string, string>> {
  const { stdout } = await virsh(["guestinfo", DOMAIN]);
  const out = new Map<string, string>();
  for (const line of stdout.split("\n")) {
    const m = /^(\S+)\s*: (.*)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** The guestinfo keys that change on their own between two calls. */
const VOLATILE_KEYS = /^(fs\.\d+\.used-bytes|load\.)/;

function stableView(info: Map<string, string>): string {
  return [...info].filter(([k]) => !VOLATILE_KEYS.test(k)).map(([k, v]) => `${k}: ${v}`)
    .join("\n");
}

/** The read-only views compared between qga-deno and qemu-ga: name → how to read it. */
const VIEWS: Record<string, () => Promise<string>> = {
  guestinfo: async () => stableView(await guestinfo()),
  "domhostname --source agent": async () =>
    (await virsh(["domhostname", DOMAIN, "--source", "agent"])).stdout,
  domfsinfo: async () => (await virsh(["domfsinfo", DOMAIN])).stdout,
  "get-user-sshkeys": async () =>
    (await virsh(["get-user-sshkeys", DOMAIN, GUEST_USER.name])).stdout,
};

/** The commands KubeVirt requires guest-info to list, enabled. */
const KUBEVIRT_REQUIRED = [
  "guest-ping",
  "guest-get-time",
  "guest-info",
  "guest-shutdown",
  "guest-network-get-interfaces",
  "guest-get-fsinfo",
  "guest-get-host-name",
  "guest-get-users",
  "guest-get-timezone",
  "guest-get-osinfo",
];

const kubevirtCheck: LibvirtCheck = {
  name: "guest-info lists KubeVirt's required commands, enabled (and exec, ssh, passwords)",
  async run() {
    const info = await agentCommand("guest-info") as {
      supported_commands: { name: string; enabled: boolean }[];
    };
    const enabled = new Set(info.supported_commands.filter((c) => c.enabled).map((c) => c.name));
    const wanted = [
      ...KUBEVIRT_REQUIRED,
      "guest-exec",
      "guest-exec-status",
      "guest-set-user-password",
      "guest-ssh-get-authorized-keys",
      "guest-ssh-add-authorized-keys",
      "guest-ssh-remove-authorized-keys",
    ];
    const missing = wanted.filter((n) => !enabled.has(n));
    expect(missing.length === 0, `not listed or not enabled: ${missing.join(", ")}`);
  },
};

const guestinfoCheck: LibvirtCheck = {
  name: "virsh guestinfo: users, os, timezone, hostname, filesystems, disks, interfaces",
  async run({ note }) {
    const info = await guestinfo();
    const want: Record<string, string> = {
      "user.count": "2",
      "user.0.name": "alice",
      "user.1.name": "root",
      "os.id": "debian",
      "os.machine": "x86_64",
      hostname: "vm",
    };
    for (const [key, value] of Object.entries(want)) {
      expectEqual(info.get(key), value, `guestinfo ${key}`);
    }
    for (const key of ["timezone.name", "timezone.offset", "fs.count", "disk.count", "if.count"]) {
      expect(info.has(key), `guestinfo lacks ${key}: ${[...info.keys()].join(" ")}`);
    }
    expect(Number(info.get("fs.count")) >= 1, "no filesystem in guestinfo");
    note(`${info.size} values, zone ${info.get("timezone.name")}`);
  },
};

const hostnameAndFsCheck: LibvirtCheck = {
  name: "virsh domhostname --source agent, virsh domfsinfo",
  async run() {
    expectEqual((await VIEWS["domhostname --source agent"]!()).trim(), "vm", "domhostname");
    const fs = await VIEWS.domfsinfo!();
    expect(/\/mnt\/disk\s+vda\s+ext4\s+vda/.test(fs), `domfsinfo:\n${fs}`);
  },
};

async function shadowHash(shell: GuestShell): Promise<string> {
  return (await shell.check(`awk -F: '$1 == "${GUEST_USER.name}" { print $2 }' /etc/shadow`))
    .trim();
}

const passwordCheck: LibvirtCheck = {
  name: "virsh set-user-password (plain and --encrypted) changes /etc/shadow",
  async run({ shell }) {
    const before = await shadowHash(shell);
    await virsh(["set-user-password", DOMAIN, GUEST_USER.name, "libvirt pass"]);
    const plain = await shadowHash(shell);
    expect(plain !== before && plain.startsWith("$6$"), `hash after set-user-password: ${plain}`);
    const crypted = "$6$virshsalt$bGlidmlydGhhc2g";
    await virsh(["set-user-password", DOMAIN, GUEST_USER.name, crypted, "--encrypted"]);
    expectEqual(await shadowHash(shell), crypted, "hash after --encrypted");
  },
};

const sshKeysCheck: LibvirtCheck = {
  name: "virsh set-user-sshkeys / get-user-sshkeys / --remove / --reset",
  async run({ shell, dir }) {
    const keys = ["ssh-ed25519 AAAAC3NzaLibvirt one@host", "ssh-rsa AAAAB3NzaLibvirt two@host"];
    const file = `${dir}/keys.txt`;
    await Deno.writeTextFile(file, keys.join("\n") + "\n");
    await shell.check(`rm -rf ${GUEST_USER.home}/.ssh`);
    await virsh(["set-user-sshkeys", DOMAIN, GUEST_USER.name, "--file", file]);
    const authorized = `${GUEST_USER.home}/.ssh/authorized_keys`;
    // virsh splits the file at each "\n", so its final newline becomes an empty key, which
    // qemu-ga (and qga-deno) accept: the content ends with "\n".
    expectEqual(
      await shell.check(`stat -c '%a %u' ${GUEST_USER.home}/.ssh ${authorized}; cat ${authorized}`),
      `700 1000\n600 1000\n${keys.join("\n")}\n`,
      "authorized_keys written through libvirt",
    );
    // libvirt 9.0's virsh prints each key with "%s" and no separator (newer ones add "\n"), and
    // qemu-ga lists them last line first: compare the keys' concatenation in either order.
    const listed = (await VIEWS["get-user-sshkeys"]!()).replaceAll("\n", "");
    expect(
      listed === keys.join("") || listed === [...keys].reverse().join(""),
      `get-user-sshkeys: ${JSON.stringify(listed)}`,
    );
    await Deno.writeTextFile(file, keys[0] + "\n");
    await virsh(["set-user-sshkeys", DOMAIN, GUEST_USER.name, "--file", file, "--remove"]);
    expectEqual(await shell.check(`cat ${authorized}`), keys[1], "after --remove");
    await virsh(["set-user-sshkeys", DOMAIN, GUEST_USER.name, "--file", file, "--reset"]);
    expectEqual(await shell.check(`cat ${authorized}`), `${keys[0]}\n`, "after --reset");
  },
};

const execCheck: LibvirtCheck = {
  name: "Proxmox-style exec through qemu-agent-command (stdin, env, output, exit code)",
  async run() {
    const { pid } = await agentCommand("guest-exec", {
      path: "/bin/sh",
      arg: ["-c", 'cat; echo "FOO=$FOO DENO_DIR=${DENO_DIR-unset}"; echo oops >&2; exit 7'],
      env: ["FOO=from-host"],
      "input-data": b64(new TextEncoder().encode("stdin data\n")),
      "capture-output": true,
    }) as { pid: number };
    let status: Record<string, unknown> = {};
    for (let i = 0; i < 120 && status.exited !== true; i++) {
      if (i > 0) await sleep(250);
      status = await agentCommand("guest-exec-status", { pid }) as Record<string, unknown>;
    }
    expectEqual(status.exited, true, "exited");
    expectEqual(status.exitcode, 7, "exit code");
    const text = (v: unknown) => new TextDecoder().decode(unb64(String(v)));
    expectEqual(text(status["out-data"]), "stdin data\nFOO=from-host DENO_DIR=unset\n", "stdout");
    expectEqual(text(status["err-data"]), "oops\n", "stderr");
  },
};

/** Records the read-only views while qga-deno is on the port. */
const recordViewsCheck: LibvirtCheck = {
  name: "record the read-only views with qga-deno",
  async run({ views, shell }) {
    await shell.check(
      `rm -rf ${GUEST_USER.home}/.ssh; mkdir -p ${GUEST_USER.home}/.ssh; ` +
        `printf 'ssh-rsa AAAAcompare one@host\\n' > ${GUEST_USER.home}/.ssh/authorized_keys; ` +
        `chown -R 1000:1000 ${GUEST_USER.home}/.ssh`,
    );
    for (const [name, read] of Object.entries(VIEWS)) views.set(name, await read());
  },
};

/** Swaps qga-deno for qemu-ga 7.2 on the agent port and compares the views. */
const compareWithQemuGaCheck: LibvirtCheck = {
  name: "the same views with qemu-ga 7.2 on the same port: identical",
  async run({ views, shell, note }) {
    await shell.check(
      "kill $(cat /run/agent-test.pid); sleep 1; /etc/vm/start_agent.sh test qemu-ga",
    );
    await waitForAgent(60_000);
    const differ: string[] = [];
    for (const [name, read] of Object.entries(VIEWS)) {
      const theirs = await read();
      if (theirs !== views.get(name)) {
        differ.push(`${name}:\n--- qga-deno\n${views.get(name)}\n--- qemu-ga 7.2\n${theirs}`);
      }
    }
    // Back to qga-deno for whatever runs next.
    await shell.check("kill $(cat /run/agent-test.pid); sleep 1; /etc/vm/start_agent.sh test deno");
    await waitForAgent(60_000);
    if (differ.length) throw new CheckFailure(differ.join("\n"));
    note(`${Object.keys(VIEWS).length} views identical`);
  },
};

/** The checks, in run order. */
export const LIBVIRT_CHECKS: readonly LibvirtCheck[] = [
  kubevirtCheck,
  guestinfoCheck,
  hostnameAndFsCheck,
  passwordCheck,
  sshKeysCheck,
  execCheck,
  recordViewsCheck,
  compareWithQemuGaCheck,
];
