/**
 * The checks of the VM suite. Each one drives the agent under test (port
 * `org.qemu.guest_agent.0`) from the host and verifies the command's *effect* inside the guest
 * through the command shell, QMP, or the reference qemu-ga 7.2 on `org.qemu.guest_agent.1`.
 *
 * Checks run in the listed order in one boot ({@linkcode MAIN_CHECKS}); `guest-shutdown` gets
 * its own short boot ({@linkcode SHUTDOWN_CHECKS}). A check throws to fail.
 *
 * @module
 */

import { AgentClient, type AgentReply, freshId } from "./agent_client.ts";
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
import type { GuestShell } from "./guest_shell.ts";
import { GUEST_NET } from "./image.ts";
import { agentPid, restartAgent } from "./agent_restart.ts";
import type { QmpClient } from "./qemu.ts";

import { NEWER_CHECKS } from "./checks_newer.ts";
import {
  freezeStallsWriter,
  startWriter,
  stopWriter,
  thawResumesWriter,
  writerProgress,
} from "./stalled_writer.ts";
import { CLIENT_CHECKS } from "./checks_client.ts";

export type { Check, CheckContext } from "./check_kit.ts";
export { agentAlive, restartAgent } from "./agent_restart.ts";
import { sleep } from "../helpers/async.ts";
import {
  applyIntentionalDifferences,
  expectedInfoReply,
  expectUnregistered,
  QEMU_GA_72_COMMANDS,
  QEMU_GA_FREEZE_ALLOWLIST,
} from "../oracle/differences.ts";
import { COMMANDS, runsWithoutArguments, sendsSuccessReply } from "../../src/schema/schema.ts";

/**
 * The commands every agent under test must list, enabled: the schema's commands that qemu-ga 7.2
 * registers too (the same suite also runs against qemu-ga).
 */
const LISTED_COMMANDS = COMMANDS.filter((c) => QEMU_GA_72_COMMANDS.includes(c.name));
/** Their names. */
const LISTED_NAMES: readonly string[] = LISTED_COMMANDS.map((c) => c.name);
const DISK = "/mnt/disk";
const STRAY_FF =
  `{"error": {"class": "GenericError", "desc": "JSON parse error, stray '\\uFFFD'"}}`;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The integer `return` of a reply, exactly (get-time exceeds 2^53). */
function bigReturn(reply: AgentReply): bigint {
  const m = /"return": (-?\d+)/.exec(reply.text);
  if (!m) throw new CheckFailure(`expected an integer return, got ${reply.text}`);
  return BigInt(m[1]!);
}

async function guestSeconds(shell: GuestShell): Promise<number> {
  return Number((await shell.check("date +%s")).trim());
}

// ---------------------------------------------------------------------------------------------
// Protocol basics

const syncCheck: Check = {
  name: "guest-sync",
  async run({ agent }) {
    const id = freshId();
    expectEqual(await agent.execute("guest-sync", { id }), id, "guest-sync return");
    // Full int64 range, byte-exact.
    const raw = await agent.exchangeRaw(
      '{"execute":"guest-sync","arguments":{"id":9223372036854775807}}\n',
    );
    expectEqual(raw, `{"return": 9223372036854775807}\n${STRAY_FF}\n`, "replies to max int64 sync");
  },
};

const syncDelimitedCheck: Check = {
  name: "guest-sync-delimited with 0xFF",
  async run({ agent }) {
    await agent.resync(10_000);
    agent.discard();
    const id = freshId();
    const json = new TextEncoder().encode(
      `{"execute":"guest-sync-delimited","arguments":{"id":${id}}}`,
    );
    await agent.send(Uint8Array.of(0xff, ...json));
    const first = await agent.nextReply(10_000);
    expect(!first.delimited, `reply to the 0xFF byte came delimited: ${first.text}`);
    expectEqual(first.text, STRAY_FF, "reply to the 0xFF byte");
    const second = await agent.nextReply(10_000);
    expect(second.delimited, `sync-delimited reply lacks the 0xFF sentinel: ${second.text}`);
    expectEqual(second.garbage, 0, "bytes between the previous reply and the sentinel");
    expectEqual(second.text, `{"return": ${id}}`, "sync-delimited reply");
    // Without an id: an error and no sentinel.
    const raw = await agent.exchangeRaw('{"execute":"guest-sync-delimited"}\n');
    expectEqual(
      raw,
      `{"error": {"class": "GenericError", "desc": "Parameter 'id' is missing"}}\n${STRAY_FF}\n`,
      "sync-delimited without id",
    );
  },
};

const pingCheck: Check = {
  name: "guest-ping",
  async run({ agent }) {
    expectEqual(await agent.execute("guest-ping"), {}, "guest-ping return");
    const raw = await agent.exchangeRaw('{"execute":"guest-ping"}');
    expectEqual(raw, `{"return": {}}\n${STRAY_FF}\n`, "raw guest-ping replies");
  },
};

const infoCheck: Check = {
  name: "guest-info",
  async run({ agent, note }) {
    const info = await agent.execute("guest-info") as {
      version: string;
      supported_commands: { name: string; enabled: boolean; "success-response": boolean }[];
    };
    expect(typeof info.version === "string" && info.version !== "", "version missing");
    note(`version ${info.version}, ${info.supported_commands.length} commands`);
    const byName = new Map(info.supported_commands.map((c) => [c.name, c]));
    const missing = LISTED_NAMES.filter((n) => !byName.has(n));
    expect(missing.length === 0, `commands missing from guest-info: ${missing.join(", ")}`);
    const disabled = LISTED_NAMES.filter((n) => !byName.get(n)!.enabled);
    expect(disabled.length === 0, `commands disabled: ${disabled.join(", ")}`);
    for (const command of LISTED_COMMANDS) {
      expectEqual(
        byName.get(command.name)!["success-response"],
        sendsSuccessReply(command),
        `${command.name} success-response`,
      );
    }
  },
};

const getTimeCheck: Check = {
  name: "guest-get-time",
  async run({ agent, shell, note }) {
    const before = await guestSeconds(shell);
    const ns = bigReturn(await agent.request("guest-get-time"));
    const after = await guestSeconds(shell);
    const s = Number(ns / 1_000_000_000n);
    expect(
      s >= before - 2 && s <= after + 2,
      `agent time ${s} s not within 2 s of the guest clock (${before}..${after})`,
    );
    note(`agent ${s}, guest ${before}..${after}`);
  },
};

// ---------------------------------------------------------------------------------------------
// Files

const fileCheck: Check = {
  name: "guest-file-* on the guest disk",
  async run({ agent, shell }) {
    const path = `${DISK}/qga-file-test.bin`;
    await shell.check(`rm -f ${path} ${DISK}/from-guest.txt`);
    const data = new Uint8Array(300);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7 + 3) & 0xff;
    // Host writes, guest reads from the disk.
    const h = await agent.execute("guest-file-open", { path, mode: "w" }) as number;
    expect(Number.isInteger(h), `guest-file-open returned ${h}`);
    expectEqual(
      await agent.execute("guest-file-write", { handle: h, "buf-b64": b64(data) }),
      { count: 300, eof: false },
      "guest-file-write",
    );
    expectEqual(await agent.execute("guest-file-close", { handle: h }), {}, "guest-file-close");
    const onDisk = await shell.check(
      `sync; echo 3 > /proc/sys/vm/drop_caches; stat -c '%s %a' ${path}; base64 -w 0 ${path}`,
    );
    const [statLine, content] = onDisk.split("\n");
    expect(statLine?.startsWith("300 "), `file size in the guest: ${statLine}`);
    expect(sameBytes(unb64(content ?? ""), data), "bytes on the guest disk differ");
    const err = await expectError(agent, "guest-file-close", { handle: h });
    expectEqual(err.desc, `handle '${h}' has not been found`, "closing a closed handle");

    // Guest writes, host reads (with a seek).
    await shell.check(`printf 'hello from the guest\\n' > ${DISK}/from-guest.txt; sync`);
    const r = await agent.execute("guest-file-open", { path: `${DISK}/from-guest.txt` }) as number;
    const read = await agent.execute("guest-file-read", { handle: r }) as {
      count: number;
      "buf-b64": string;
      eof: boolean;
    };
    expectEqual(read.count, 21, "guest-file-read count");
    expectEqual(
      new TextDecoder().decode(unb64(read["buf-b64"])),
      "hello from the guest\n",
      "bytes read",
    );
    expectEqual(read.eof, true, "guest-file-read eof");
    expectEqual(
      await agent.execute("guest-file-seek", { handle: r, offset: 6, whence: "set" }),
      { position: 6, eof: false },
      "guest-file-seek",
    );
    expectEqual(
      await agent.execute("guest-file-read", { handle: r, count: 4 }),
      { count: 4, "buf-b64": btoa("from"), eof: false },
      "read after seek",
    );
    await agent.execute("guest-file-close", { handle: r });

    // Append + flush: the guest sees the data before the handle is closed.
    const a = await agent.execute("guest-file-open", { path, mode: "a" }) as number;
    await agent.execute("guest-file-write", { handle: a, "buf-b64": btoa("APPENDED") });
    expectEqual(await agent.execute("guest-file-flush", { handle: a }), {}, "guest-file-flush");
    const tail = await shell.check(`stat -c %s ${path}; tail -c 8 ${path}`);
    expectEqual(tail, "308\nAPPENDED", "file after append + flush, seen by the guest");
    await agent.execute("guest-file-close", { handle: a });
    await shell.check(`rm -f ${path} ${DISK}/from-guest.txt`);
  },
};

// ---------------------------------------------------------------------------------------------
// Network, vCPUs

interface Iface {
  name: string;
  "hardware-address"?: string;
  "ip-addresses"?: { "ip-address-type": string; "ip-address": string; prefix: number }[];
}

export const networkCheck: Check = {
  name: "guest-network-get-interfaces",
  async run({ agent, shell }) {
    const ifaces = await agent.execute("guest-network-get-interfaces") as Iface[];
    const guestName = (await shell.check(
      `for i in /sys/class/net/*; do [ "$(cat $i/address)" = ${GUEST_NET.mac} ] && echo \${i##*/}; done; true`,
    )).trim();
    expect(guestName !== "", "the guest has no interface with the NIC's MAC");
    const nic = ifaces.find((i) => i.name === guestName);
    expect(nic, `no interface ${guestName} in ${JSON.stringify(ifaces.map((i) => i.name))}`);
    expectEqual(nic["hardware-address"], GUEST_NET.mac, `${guestName} hardware-address`);
    const addrs = nic["ip-addresses"] ?? [];
    const has = (type: string, ip: string, prefix: number) =>
      addrs.some((a) =>
        a["ip-address-type"] === type && a["ip-address"] === ip && a.prefix === prefix
      );
    expect(
      has("ipv4", GUEST_NET.ipv4, GUEST_NET.ipv4Prefix),
      `${guestName} lacks ${GUEST_NET.ipv4}/${GUEST_NET.ipv4Prefix}: ${JSON.stringify(addrs)}`,
    );
    expect(
      has("ipv6", GUEST_NET.ipv6, GUEST_NET.ipv6Prefix),
      `${guestName} lacks ${GUEST_NET.ipv6}/${GUEST_NET.ipv6Prefix}: ${JSON.stringify(addrs)}`,
    );
    const lo = ifaces.find((i) => i.name === "lo");
    expect(lo && (lo["ip-addresses"] ?? []).some((a) => a["ip-address"] === "127.0.0.1"), "lo");
  },
};

interface Vcpu {
  "logical-id": number;
  online: boolean;
  "can-offline": boolean;
}

async function vcpus(agent: AgentClient): Promise<Vcpu[]> {
  const list = await agent.execute("guest-get-vcpus") as Vcpu[];
  return [...list].sort((a, b) => a["logical-id"] - b["logical-id"]);
}

export const vcpuCheck: Check = {
  name: "guest-get-vcpus / guest-set-vcpus",
  async run({ agent, shell, arch }) {
    // x86_64 keeps CPU 0 (no cpu0/online); arm64 can take any CPU offline (PSCI CPU_OFF).
    const cpu0Offlines = arch === "aarch64";
    const initial = await vcpus(agent);
    expectEqual(initial.map((v) => [v["logical-id"], v.online, v["can-offline"]]), [
      [0, true, cpu0Offlines],
      [1, true, true],
    ], "initial vcpus [id, online, can-offline]");
    const online = async (cpu = 1) =>
      (await shell.check(`cat /sys/devices/system/cpu/cpu${cpu}/online`)).trim();
    try {
      expectEqual(
        await agent.execute("guest-set-vcpus", { vcpus: [{ "logical-id": 1, online: false }] }),
        1,
        "set-vcpus offline count",
      );
      expectEqual(await online(), "0", "cpu1/online in the guest after offlining");
      expectEqual(
        (await vcpus(agent)).map((v) => [v["logical-id"], v.online]),
        [[0, true], [1, false]],
        "vcpus after offlining cpu1",
      );
      expectEqual(
        await agent.execute("guest-set-vcpus", { vcpus: [{ "logical-id": 1, online: true }] }),
        1,
        "set-vcpus online count",
      );
      expectEqual(await online(), "1", "cpu1/online in the guest after onlining");
      expectEqual(
        (await vcpus(agent)).map((v) => [v["logical-id"], v.online]),
        [[0, true], [1, true]],
        "vcpus after onlining cpu1",
      );
      if (cpu0Offlines) {
        for (const [state, text] of [[false, "0"], [true, "1"]] as const) {
          expectEqual(
            await agent.execute("guest-set-vcpus", { vcpus: [{ "logical-id": 0, online: state }] }),
            1,
            `set-vcpus cpu0 online=${state} count`,
          );
          expectEqual(await online(0), text, `cpu0/online in the guest after online=${state}`);
        }
      } else {
        const err = await expectError(agent, "guest-set-vcpus", {
          vcpus: [{ "logical-id": 0, online: false }],
        });
        expectEqual(err.desc, "logical processor #0 can't be offlined", "offlining cpu0");
      }
      expectEqual(
        await agent.execute("guest-set-vcpus", { vcpus: [] }),
        0,
        "set-vcpus with an empty list",
      );
    } finally {
      await shell.run(
        "for c in 0 1; do f=/sys/devices/system/cpu/cpu$c/online; " +
          "[ -e $f ] && echo 1 > $f; done; true",
      );
    }
  },
};

// ---------------------------------------------------------------------------------------------
// Disk: fstrim, fsfreeze

const fstrimCheck: Check = {
  name: "guest-fstrim",
  async run({ agent, note }) {
    const r = await agent.execute("guest-fstrim", undefined, 30_000) as {
      paths: { path: string; trimmed?: number; minimum?: number; error?: string }[];
    };
    const disk = r.paths.find((p) => p.path === DISK);
    expect(disk, `no result for ${DISK}: ${JSON.stringify(r)}`);
    expect(disk.error === undefined, `fstrim error for ${DISK}: ${disk.error}`);
    expect(
      typeof disk.trimmed === "number" && disk.trimmed > 0,
      `trimmed: ${JSON.stringify(disk)}`,
    );
    expect(typeof disk.minimum === "number", `minimum: ${JSON.stringify(disk)}`);
    note(`trimmed ${disk.trimmed} bytes`);
  },
};

const fsfreezeCheck: Check = {
  name: "guest-fsfreeze-freeze / status / thaw (writer stalls, agent restart)",
  timeoutMs: 120_000,
  async run(ctx) {
    const { note } = ctx;
    expectEqual(await ctx.agent.execute("guest-fsfreeze-status"), "thawed", "initial status");
    try {
      const p0 = await startWriter(ctx);
      const p2 = await freezeStallsWriter(ctx);
      // Outside the allow-list: refused.
      for (const cmd of ["guest-get-time", "guest-file-open", "guest-fsfreeze-freeze"]) {
        const args = cmd === "guest-file-open" ? { path: "/tmp/x" } : undefined;
        const err = await expectError(ctx.agent, cmd, args);
        expectEqual(err.errorClass, "CommandNotFound", `${cmd} while frozen: class`);
        expect(
          err.desc.startsWith(`Command ${cmd} has been disabled`),
          `${cmd} while frozen: ${err.desc}`,
        );
      }
      expectEqual(await ctx.agent.execute("guest-ping"), {}, "guest-ping while frozen");
      const info = await ctx.agent.execute("guest-info") as {
        supported_commands: { name: string; enabled: boolean }[];
      };
      const enabled = info.supported_commands.filter((c) => c.enabled).map((c) => c.name).sort();
      expectEqual(enabled, [...QEMU_GA_FREEZE_ALLOWLIST].sort(), "commands enabled while frozen");

      // Killed while frozen, restarted: still frozen.
      await restartAgent(ctx);
      expectEqual(
        await ctx.agent.execute("guest-fsfreeze-status"),
        "frozen",
        "status after restart",
      );
      await expectError(ctx.agent, "guest-get-time");
      const p3 = await writerProgress(ctx);
      expectEqual(p3, p2, "writer progress after the agent restart (still stalled)");

      const p4 = await thawResumesWriter(ctx, p3);
      await ctx.agent.execute("guest-get-time");
      note(`progress ${p0} → frozen at ${p2} → ${p4} after thaw`);
    } finally {
      await stopWriter(ctx);
    }
  },
};

// ---------------------------------------------------------------------------------------------
// Time

export const setTimeCheck: Check = {
  name: "guest-set-time",
  async run({ agent, shell, note }) {
    const now = bigReturn(await agent.request("guest-get-time"));
    const target = now + 3600n * 1_000_000_000n;
    try {
      const reply = await agent.request(
        "guest-set-time",
        `{"time":${target}}`,
        30_000,
      );
      expect(reply.value && "return" in reply.value, `guest-set-time: ${reply.text}`);
      const got = bigReturn(await agent.request("guest-get-time"));
      const drift = Number(got - target) / 1e9;
      expect(drift >= 0 && drift < 5, `get-time after set-time is ${drift} s from the target`);
      const guest = await guestSeconds(shell);
      const guestDrift = guest - Number(target / 1_000_000_000n);
      expect(guestDrift >= -1 && guestDrift < 6, `guest clock is ${guestDrift} s off the target`);
      note(`clock moved +1 h (get-time ${drift.toFixed(2)} s after the target)`);
    } finally {
      // Back to the host's time (the guest's RTC follows the host clock).
      const host = BigInt(Date.now()) * 1_000_000n;
      await agent.request("guest-set-time", `{"time":${host}}`, 30_000).catch(() => {});
      await shell.run(`date -s @${Math.floor(Date.now() / 1000)} >/dev/null`);
    }
  },
};

// ---------------------------------------------------------------------------------------------
// Host side of the channel

const reconnectCheck: Check = {
  name: "host disconnect, reconnect, resync",
  async run(ctx) {
    // Leave half a request behind, then go away.
    await ctx.agent.send('{"execute":"guest-pi');
    await sleep(200);
    await ctx.agent.close();
    await sleep(1000);
    ctx.agent = await AgentClient.connect(ctx.vm.testSocket);
    await ctx.agent.resync(15_000, 2000);
    expectEqual(await ctx.agent.execute("guest-ping"), {}, "guest-ping after reconnect");
    // And once more without anything pending.
    await ctx.agent.close();
    ctx.agent = await AgentClient.connect(ctx.vm.testSocket);
    await ctx.agent.resync(15_000, 2000);
    const id = freshId();
    expectEqual(await ctx.agent.execute("guest-sync", { id }), id, "guest-sync after reconnect");
  },
};

async function cpuTicks(shell: GuestShell, pid: number): Promise<number> {
  const stat = await shell.check(`cat /proc/${pid}/stat`);
  // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

const IDLE_SECONDS = 20;

const idleCpuCheck: Check = {
  name: `idle CPU with no host connected (${IDLE_SECONDS} s)`,
  timeoutMs: 90_000,
  async run(ctx) {
    const { shell, note } = ctx;
    await ctx.agent.close();
    await sleep(1000);
    const pid = await agentPid(shell);
    const t0 = await cpuTicks(shell, pid);
    const start = Date.now();
    await sleep(IDLE_SECONDS * 1000);
    const t1 = await cpuTicks(shell, pid);
    const seconds = (Date.now() - start) / 1000;
    const used = (t1 - t0) / 100; // USER_HZ
    const share = used / seconds;
    note(`${(used * 1000).toFixed(0)} ms CPU in ${seconds.toFixed(1)} s`);
    ctx.agent = await AgentClient.connect(ctx.vm.testSocket);
    await ctx.agent.resync(15_000, 2000);
    expect(share <= 0.02, `agent used ${(share * 100).toFixed(1)}% CPU while idle`);
  },
};

// ---------------------------------------------------------------------------------------------
// Suspend

/** Waits for QMP's status to become `status`. */
async function waitStatus(qmp: QmpClient, status: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    last = await qmp.status();
    if (last === status) return;
    await sleep(200);
  }
  throw new CheckFailure(`VM status is ${last}, expected ${status}`);
}

/**
 * Waits for a QMP event after a command without a success reply, failing at once if the
 * agent replies instead (an error reply, or a reply it must not send).
 */
async function waitEventNoReply(
  ctx: CheckContext,
  event: string,
  timeoutMs: number,
  from: number,
): Promise<{ event: string; data?: unknown }> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    if (ctx.agent.buffered > 0) {
      const reply = await ctx.agent.nextReply(2000).catch(() => undefined);
      if (reply) throw new CheckFailure(`the agent replied instead of acting: ${reply.text}`);
    }
    const ev = ctx.qmp.findEvent(event, from);
    if (ev) return ev;
    if (Date.now() > deadline) throw new CheckFailure(`no ${event} event within ${timeoutMs} ms`);
    await ctx.qmp.waitEvent(event, 200, from).catch(() => {});
  }
}

const suspendRamCheck: Check = {
  name: "guest-suspend-ram, system_wakeup",
  timeoutMs: 120_000,
  async run(ctx) {
    const { qmp, shell } = ctx;
    await ctx.agent.resync(10_000);
    ctx.agent.discard();
    const from = qmp.events.length;
    await ctx.agent.send('{"execute":"guest-suspend-ram"}');
    await waitEventNoReply(ctx, "SUSPEND", 60_000, from);
    await waitStatus(qmp, "suspended", 10_000);
    await sleep(1000);
    await qmp.execute("system_wakeup");
    await qmp.waitEvent("WAKEUP", 30_000, from);
    await waitStatus(qmp, "running", 10_000);
    // A fresh sync; guest-suspend-ram itself must not have replied (success-response false).
    const before = await ctx.agent.exchangeRaw("", 60_000).catch(async () => {
      await ctx.agent.resync(30_000, 2000);
      return "(resync needed)";
    });
    expectEqual(before, `${STRAY_FF}\n`, "bytes the agent sent for guest-suspend-ram");
    expectEqual(await ctx.agent.execute("guest-ping"), {}, "guest-ping after wakeup");
    await shell.check("true");
  },
};

const suspendHybridCheck: Check = {
  name: "guest-suspend-hybrid (unsupported here)",
  async run({ agent, qmp }) {
    const err = await expectError(agent, "guest-suspend-hybrid", undefined, 30_000);
    expectEqual(
      err.desc,
      "the requested suspend mode is not supported by the guest",
      "guest-suspend-hybrid error",
    );
    expectEqual(await qmp.status(), "running", "VM status");
  },
};

const suspendDiskCheck: Check = {
  name: "guest-suspend-disk (no swap: cannot complete)",
  timeoutMs: 120_000,
  async run({ agent, qmp, shell, note }) {
    const states = (await shell.check("cat /sys/power/state")).trim();
    const swaps = (await shell.check("tail -n +2 /proc/swaps | wc -l")).trim();
    const err = await expectError(agent, "guest-suspend-disk", undefined, 90_000);
    if (!states.split(" ").includes("disk")) {
      expectEqual(
        err.desc,
        "the requested suspend mode is not supported by the guest",
        "guest-suspend-disk error",
      );
    } else {
      expectEqual(swaps, "0", "active swap devices");
      // Writing "disk" fails (no swap): 7.2 says "child process has failed to suspend",
      // upstream "suspend: cannot write to '/sys/power/state': <strerror>".
      expect(
        /^(child process has failed to suspend|suspend: cannot write to '\/sys\/power\/state': .+)$/
          .test(err.desc),
        `guest-suspend-disk error: ${err.desc}`,
      );
    }
    note(`/sys/power/state: ${states}; error: ${err.desc}`);
    expectEqual(await qmp.status(), "running", "VM status");
    expectEqual(await agent.execute("guest-ping"), {}, "guest-ping afterwards");
  },
};

// ---------------------------------------------------------------------------------------------
// Differential against qemu-ga 7.2 in the same guest

function normaliseVersion(text: string): string {
  return text.replace(/"version": "[^"]*"/, '"version": "<version>"');
}

export function normaliseNetstats(text: string): string {
  return text.replace(/"([rt]x-[a-z]+)": \d+/g, '"$1": 0');
}

/** Splits a reply stream into lines, each keeping its `\n`. */
/** Every number of a statistics reply (the counters move between the two calls). */
function normaliseCounters(text: string): string {
  return text.replace(/("[a-z-]+": )\d+/g, "$1@N@");
}

function lines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/**
 * Sends the same bytes to the reference qemu-ga and to the agent under test and compares the
 * replies line by line, after `normalise` and (for qga-deno) the intentional differences of
 * `tests/oracle/differences.ts`.
 *
 * @returns A description of the difference, or undefined if the replies agree.
 */
export async function differential(
  ctx: CheckContext,
  request: string,
  normalise: (text: string) => string = (t) => t,
  caseName = "",
): Promise<string | undefined> {
  const expectedLines = lines(normalise(await ctx.ref.exchangeRaw(request)));
  const actualLines = lines(normalise(await ctx.agent.exchangeRaw(request)));
  if (expectedLines.length !== actualLines.length) {
    return `request ${request.trim()}: ${expectedLines.length} reply lines from qemu-ga, ` +
      `${actualLines.length} from ours\n  qemu-ga: ${expectedLines.join("  ").trim()}\n` +
      `  ours:    ${actualLines.join("  ").trim()}`;
  }
  for (let i = 0; i < expectedLines.length; i++) {
    let expected = expectedLines[i]!;
    const actual = actualLines[i]!;
    if (ctx.kind === "deno") {
      expected = applyIntentionalDifferences(caseName, expected);
      expected = expectUnregistered(request.trim(), expected);
      // guest-info in full: qemu-ga's list without tests/oracle/differences.ts' ABSENT_COMMANDS.
      expected = expectedInfoReply(expected);
    }
    if (expected === actual) continue;
    let at = 0;
    while (at < expected.length && expected[at] === actual[at]) at++;
    const from = Math.max(0, at - 80);
    const cut = (t: string) =>
      (from > 0 ? "..." : "") + t.slice(from, at + 120).trimEnd() +
      (t.length > at + 120 ? "..." : "");
    return `request ${request.trim()}: reply line ${i + 1} differs at character ${at}\n` +
      `  qemu-ga: ${cut(expected)}\n  ours:    ${cut(actual)}`;
  }
  return undefined;
}

function differentialCheck(
  name: string,
  request: string,
  normalise?: (text: string) => string,
): Check {
  return {
    name: `differential: ${name}`,
    async run(ctx) {
      const diff = await differential(ctx, request, normalise);
      if (diff) throw new CheckFailure(diff);
    },
  };
}

/** Bad requests whose error replies must agree (name, bytes); names as in tests/oracle. */
const BAD_REQUESTS: [string, string][] = [
  ["validation/unknown-command", '{"execute":"guest-nonexistent","id":5}'],
  ["validation/disabled-guest-get-devices", '{"execute":"guest-get-devices"}'],
  ["validation/sync-missing-id", '{"execute":"guest-sync"}'],
  ["validation/sync-id-string", '{"execute":"guest-sync","arguments":{"id":"x"}}'],
  ["validation/sync-id-too-big", '{"execute":"guest-sync","arguments":{"id":9223372036854775808}}'],
  ["validation/ping-unexpected-arg", '{"execute":"guest-ping","arguments":{"foo":42}}'],
  ["validation/arguments-array", '{"execute":"guest-ping","arguments":[]}'],
  ["validation/execute-number", '{"execute":1,"id":5}'],
  ["validation/lacks-execute", '{"arguments":{}}'],
  ["validation/empty-object", "{}"],
  ["validation/extra-member", '{"execute":"guest-ping","extra":1}'],
  ["validation/exec-oob", '{"exec-oob":"guest-ping"}'],
  ["validation/array", "[1,2,3]"],
  ["validation/string", '"hello"'],
  ["protocol/duplicate-key", '{"execute":"guest-ping","execute":"guest-ping"}'],
  ["validation/upper-case", '{"execute":"GUEST-PING"}'],
  ["protocol/trailing-garbage", '{"execute":"guest-ping"}garbage'],
  ["validation/sync-delimited-missing-id", '{"execute":"guest-sync-delimited"}'],
  [
    "validation/seek-bad-whence",
    '{"execute":"guest-file-seek","arguments":{"handle":1,"offset":0,"whence":"bogus"}}',
  ],
  ["file/read-unknown-handle", '{"execute":"guest-file-read","arguments":{"handle":999999}}'],
  [
    "file/open-nonexistent",
    '{"execute":"guest-file-open","arguments":{"path":"/nonexistent/x","mode":"r"}}',
  ],
  ["file/open-bad-mode", '{"execute":"guest-file-open","arguments":{"path":"/tmp","mode":"q"}}'],
  [
    "validation/set-vcpus-missing-online",
    '{"execute":"guest-set-vcpus","arguments":{"vcpus":[{"logical-id":0}]}}',
  ],
  [
    "validation/freeze-list-not-array",
    '{"execute":"guest-fsfreeze-freeze-list","arguments":{"mountpoints":"x"}}',
  ],
];

const badRequestsCheck: Check = {
  name: `differential: ${BAD_REQUESTS.length} bad requests`,
  async run(ctx) {
    const diffs: string[] = [];
    for (const [name, request] of BAD_REQUESTS) {
      const d = await differential(ctx, `${request}\n`, undefined, name);
      if (d) diffs.push(`${name}: ${d}`);
    }
    if (diffs.length) {
      throw new CheckFailure(
        `${diffs.length} of ${BAD_REQUESTS.length} differ:\n${diffs.join("\n")}`,
      );
    }
  },
};

/** Read-only commands whose replies are not compared byte for byte, and why. */
const NOT_COMPARED: Readonly<Record<string, string>> = {
  "guest-get-time": "the clock moves between the two calls (guest-get-time is checked on its own)",
};

/** Normalisations of read-only replies that vary between two calls. */
const NORMALISE: Readonly<Record<string, (text: string) => string>> = {
  "guest-info": normaliseVersion,
  "guest-network-get-interfaces": normaliseNetstats,
  "guest-get-cpustats": normaliseCounters,
  "guest-get-diskstats": normaliseCounters,
};

/**
 * The read-only differential: every `read` command of the schema that needs no argument and that
 * qemu-ga 7.2 has, compared with qemu-ga's reply in the same guest (derived from the schema, so a
 * new read-only command is compared without touching this file).
 */
const readOnlyDifferentials: Check[] = LISTED_COMMANDS
  .filter((c) => c.effect === "read" && runsWithoutArguments(c) && !(c.name in NOT_COMPARED))
  .map((c) =>
    differentialCheck(c.name, `{"execute":"${c.name}"}\n`, NORMALISE[c.name] ?? ((t) => t))
  );

const differentialChecks: Check[] = [
  {
    name: "reference qemu-ga answers on its port",
    async run({ ref }) {
      await ref.resync(30_000, 1000);
      expectEqual(await ref.execute("guest-ping"), {}, "reference guest-ping");
    },
  },
  ...readOnlyDifferentials,
  badRequestsCheck,
];

// ---------------------------------------------------------------------------------------------
// Shutdown (own boot)

const shutdownCheck: Check = {
  name: "guest-shutdown powers the VM off",
  timeoutMs: 90_000,
  async run(ctx) {
    const { agent, qmp, vm } = ctx;
    await agent.resync(10_000);
    agent.discard();
    const from = qmp.events.length;
    await agent.send('{"execute":"guest-shutdown"}');
    const ev = await waitEventNoReply(ctx, "SHUTDOWN", 60_000, from) as {
      data?: { guest?: boolean; reason?: string };
    };
    expectEqual(ev.data?.guest, true, "SHUTDOWN event: guest-initiated");
    const status = await vm.waitExit(30_000);
    expectEqual(status.code, 0, "QEMU exit status");
    // Anything the agent wrote before the power went off must not be a reply.
    const reply = await agent.nextReply(200).catch(() => undefined);
    expect(reply === undefined, `guest-shutdown replied: ${reply?.text}`);
  },
};

/** The checks of the main boot, in order. */
export const MAIN_CHECKS: readonly Check[] = [
  syncCheck,
  syncDelimitedCheck,
  pingCheck,
  infoCheck,
  getTimeCheck,
  ...differentialChecks,
  fileCheck,
  networkCheck,
  vcpuCheck,
  ...NEWER_CHECKS,
  ...CLIENT_CHECKS,
  fstrimCheck,
  fsfreezeCheck,
  setTimeCheck,
  reconnectCheck,
  idleCpuCheck,
  suspendRamCheck,
  suspendHybridCheck,
  suspendDiskCheck,
];

/** The checks of the shutdown boot. */
export const SHUTDOWN_CHECKS: readonly Check[] = [shutdownCheck];
