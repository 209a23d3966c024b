/**
 * The readonly profile in the VM suite (after the files profile's checks, `checks_profiles.ts`),
 * and the return to the default agent:
 *
 * - `guest-info` disables exactly the profile's excluded commands; set-time, freeze, set-vcpus,
 *   guest-file-write and guest-exec answer `Command X has been disabled` (CommandNotFound) and
 *   change nothing; the agent keeps none of CAP_SYS_TIME, CAP_SYS_ADMIN, CAP_SYS_BOOT;
 * - a file beneath the (read-only) root reads; every write mode is refused with `Read-only file
 *   system`, and the file is unchanged;
 * - the layer beneath refuses too: `guest/sandbox_probe.ts`, started with the same flags and
 *   `--profile=readonly`, enters the same sandbox (the agent's own policy code) and tries by libc
 *   what the disabled commands would do — settimeofday EPERM (the clock unchanged), FIFREEZE
 *   EPERM, writes to cpu1/online and /sys/power/state EACCES, exec of /sbin/hwclock EACCES;
 * - the read commands answer as the reference qemu-ga (os-release read from the system's file);
 * - finally the default agent is started again.
 *
 * @module
 */

import { PROFILES } from "../../src/policy/profiles.ts";
import { START_DEFAULT } from "./agent_restart.ts";
import { REPO_ROOT } from "./arch.ts";
import { type Check, type CheckContext, expect, expectEqual, expectError } from "./check_kit.ts";
import { FILE_ROOT, SANDBOX_PROBE } from "./image.ts";
// The file the checks put beneath the root, which the probe reads.
import { ROOT_FILE } from "./guest/sandbox_probe.ts";
import {
  agentStatus,
  capabilityMask,
  commandTable,
  disabledIn,
  ensureProfile,
  expectConfinedProcess,
  expectStartedAs,
  openRefusal,
  readDifferential,
  runningProfile,
  skipUnlessOurs,
  startTask,
} from "./profile_agent.ts";

const ROOT_TEXT = "read only\n";

/** A check under the readonly profile. */
function readonly(name: string, run: (ctx: CheckContext) => Promise<void>): Check {
  return {
    name: `profile readonly: ${name}`,
    timeoutMs: 150_000,
    skip: skipUnlessOurs,
    async run(ctx) {
      await ensureProfile(ctx, "readonly");
      await ctx.shell.check(`printf '${ROOT_TEXT.replace("\n", "\\n")}' > ${ROOT_FILE}`);
      await run(ctx);
    },
  };
}

/** What the guest-changing commands leave behind: the clock, the freeze state, cpu1. */
interface GuestState {
  /** The guest clock (seconds) and the host's at the same moment (milliseconds). */
  readonly clock: readonly [number, number];
  readonly frozen: string;
  readonly cpu1: string;
}

async function guestState(ctx: CheckContext): Promise<GuestState> {
  const host = Date.now();
  const [seconds, cpu1] = (await ctx.shell.check(
    "date +%s; cat /sys/devices/system/cpu/cpu1/online",
  )).trim().split("\n");
  const frozen = await ctx.ref.execute("guest-fsfreeze-status") as string;
  return { clock: [Number(seconds), host], frozen, cpu1: cpu1! };
}

/**
 * Checks that the guest's clock advanced as the host's did (within 3 s), and that the freeze
 * state and cpu1 are as they were (thawed, online).
 */
async function expectUnchanged(ctx: CheckContext, before: GuestState): Promise<void> {
  const after = await guestState(ctx);
  const guest = after.clock[0] - before.clock[0];
  const host = (after.clock[1] - before.clock[1]) / 1000;
  expect(
    guest >= 0 && Math.abs(guest - host) < 3,
    `the guest clock moved ${guest} s while the host's moved ${host.toFixed(1)} s`,
  );
  expectEqual([after.frozen, after.cpu1], ["thawed", "1"], "freeze status (reference), cpu1");
}

const disabledCheck = readonly("5 guest-changing commands disabled, caps dropped", async (ctx) => {
  await expectStartedAs(ctx, "readonly");
  const table = await commandTable(ctx);
  expectEqual(
    disabledIn(table),
    [...PROFILES.readonly.excluded.keys()].sort(),
    "commands guest-info shows disabled",
  );
  const kept = await expectConfinedProcess(ctx, table);
  for (const cap of ["CAP_SYS_TIME", "CAP_SYS_ADMIN", "CAP_SYS_BOOT"]) {
    expect(!kept.includes(cap), `${cap} kept`);
  }
  const before = await guestState(ctx);
  const attempts: [string, unknown][] = [
    ["guest-set-time", { time: (before.clock[0] + 3600) * 1e9 }],
    ["guest-fsfreeze-freeze", undefined],
    ["guest-set-vcpus", { vcpus: [{ "logical-id": 1, online: false }] }],
    ["guest-file-write", { handle: 1, "buf-b64": "eA==" }],
    ["guest-exec", { path: "/sbin/hwclock", arg: ["-w"] }],
  ];
  for (const [command, args] of attempts) {
    const err = await expectError(ctx.agent, command, args);
    expectEqual(err.errorClass, "CommandNotFound", `${command}: class`);
    expect(err.desc.startsWith(`Command ${command} has been disabled`), `${command}: ${err.desc}`);
    expectEqual(table.get(command), false, `${command} enabled in guest-info`);
  }
  await expectUnchanged(ctx, before);
  ctx.note(`kept: ${kept.join(" ") || "none"}`);
});

const rootCheck = readonly(
  "a file in the root reads; write modes: Read-only file system",
  async (ctx) => {
    const h = await ctx.agent.execute("guest-file-open", { path: ROOT_FILE }) as number;
    const read = await ctx.agent.execute("guest-file-read", { handle: h }) as { "buf-b64": string };
    await ctx.agent.execute("guest-file-close", { handle: h });
    expectEqual(atob(read["buf-b64"]), ROOT_TEXT, "bytes read");
    const created = `${FILE_ROOT}/created.txt`;
    for (
      const [path, mode] of [[ROOT_FILE, "w"], [ROOT_FILE, "a"], [ROOT_FILE, "r+"], [created, "w"]]
    ) {
      expectEqual(
        await openRefusal(ctx, path!, mode!),
        `failed to open file '${path}' (mode: '${mode}'): Read-only file system`,
        `guest-file-open ${path} ${mode}`,
      );
    }
    expectEqual(
      await ctx.shell.check(`cat ${ROOT_FILE}; ls ${FILE_ROOT}`),
      `${ROOT_TEXT}probe.txt\n`,
      "the root's files afterwards",
    );
  },
);

const probeCheck = readonly(
  "beneath the agent: the same sandbox refuses (libc probe)",
  async (ctx) => {
    const table = await commandTable(ctx);
    const kept = await expectConfinedProcess(ctx, table);
    const { flags, args } = startTask("readonly");
    const words = [...flags, SANDBOX_PROBE, ...args].map((w) => `'${w}'`).join(" ");
    const before = await guestState(ctx);
    const out = await ctx.shell.check(
      `cd ${REPO_ROOT} && DENO_DIR=/var/cache/deno DENO_NO_UPDATE_CHECK=1 NO_COLOR=1 ` +
        `/usr/bin/deno run ${words}`,
      90,
    );
    const r = JSON.parse(out.trim().split("\n").pop()!) as Record<string, unknown>;
    const mask = capabilityMask(kept);
    expectEqual(r, {
      ...r,
      profile: "readonly",
      state: "confined",
      keep: kept,
      noNewPrivs: "1",
      capEff: mask,
      capBnd: mask,
      setTime: "EPERM",
      openRootDirectory: "EACCES",
      freeze: { "/": "EPERM", "/mnt/disk": "EPERM" },
      writeCpuOnline: "EACCES",
      writePowerState: "EACCES",
      spawnHwclock: "EACCES",
      denoRunHwclock: "NotCapable",
      readRootFile: "ok",
      writeRootFile: "EACCES",
    }, "what the probe could do inside the readonly sandbox");
    await expectUnchanged(ctx, before);
    ctx.note(`Landlock ABI ${r.abi}`);
  },
);

/** The readonly profile's checks, in order. */
export const READONLY_CHECKS: readonly Check[] = [
  disabledCheck,
  rootCheck,
  probeCheck,
  readDifferential("readonly"),
];

/** The default agent again, so the rest of the suite (and the shutdown boot) is unchanged. */
export const restoreFullCheck: Check = {
  name: "profile full: the default agent started again for the rest of the suite",
  timeoutMs: 90_000,
  skip: skipUnlessOurs,
  async run(ctx) {
    await ctx.shell.run(`rm -f ${ROOT_FILE}`);
    await ensureProfile(ctx, "full");
    expectEqual(await runningProfile(ctx), undefined, "the running agent's --profile");
    const args = await ctx.shell.check("cat /proc/$(cat /run/agent-test.pid)/cmdline");
    expect(args.replaceAll("\0", " ").includes("-P main.ts"), `argv: ${args}`);
    expectEqual(disabledIn(await commandTable(ctx)), [], "commands disabled under full");
    expectEqual((await agentStatus(ctx)).get("NoNewPrivs"), "0", "NoNewPrivs of the agent");
    ctx.note(`started by ${START_DEFAULT}`);
  },
};
