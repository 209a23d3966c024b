/**
 * Runs inside the guest under a confined profile's exact Deno flags, as the agent would run
 * (`cd <repo> && deno run -q -P=readonly --no-prompt --v8-flags=… tests/vm/guest/sandbox_probe.ts
 * --profile=readonly`, `checks_profiles.ts`): decides the agent's policy for that command line
 * with the agent's own code (`parseProcessArgs`, `decidePolicy` with the live probe, the runtime
 * rules of `main.ts`), enters that very sandbox (`enterSandbox`: capabilities dropped,
 * no-new-privileges, Landlock, re-executed) with one rule more — this file, read-only — and then
 * does by libc, beneath Deno's permission checks, what the profile's disabled commands would do:
 *
 * - `settimeofday` one hour ahead (guest-set-time): EPERM, no CAP_SYS_TIME;
 * - `FIFREEZE` (guest-fsfreeze-freeze): opening `/` is refused by Landlock (EACCES), and on
 *   descriptors of `/` and `/mnt/disk` opened *before* the sandbox (and kept across the re-exec)
 *   the kernel still answers EPERM, no CAP_SYS_ADMIN;
 * - opening `/sys/devices/system/cpu/cpu1/online` (guest-set-vcpus) and `/sys/power/state`
 *   (guest-suspend-*) for writing: EACCES;
 * - `posix_spawn` of `/sbin/hwclock` (what guest-set-time runs): EACCES (and Deno's own check
 *   refuses first);
 * - a file beneath the read-only root: read works, a write open is EACCES.
 *
 * Whatever succeeds where it must not is undone at once (a freeze is thawed, the clock set back).
 * Prints one JSON object: each attempt's errno name (or `ok`), and the process's
 * `NoNewPrivs`, `CapEff` and `CapBnd`.
 *
 * @module
 */

import { parseProcessArgs } from "../../../src/agent/run.ts";
import { enterSandbox, LANDLOCKED_ENV } from "../../../src/agent/sandbox.ts";
import { livePolicyProbe } from "../../../src/agent/policy_probe.ts";
import { decidePolicy } from "../../../src/policy/policy.ts";
import { runtimeFacts, runtimeRules } from "../../../src/policy/runtime_rules.ts";
import { linuxClock } from "../../../src/sys/clock.ts";
import {
  descriptorFlags,
  listDirectory,
  openReadOnly,
  readSmallFile,
} from "../../../src/sys/fd.ts";
import { FIFREEZE, FITHAW } from "../../../src/sys/filesystems/filesystems.ts";
import { errnoName } from "../../../src/sys/errno.ts";
import { closeFd, cString, errno, libc, openFd } from "../../../src/sys/libc.ts";
import { OsError } from "../../../src/sys/os_error.ts";
import { readLinkPath } from "../../../src/sys/path_ops.ts";
import { OpenFlags } from "../../../src/sys/structs.ts";

/** The file the check puts beneath the read-only root before running the probe. */
export const ROOT_FILE = "/var/lib/qga-deno/files/probe.txt";
/** Directories opened before the sandbox, to try FIFREEZE on. */
const FREEZE_TARGETS = ["/", "/mnt/disk"];

const decoder = new TextDecoder();

/** `ok`, or the errno name of the OsError `run` throws. */
function outcome(run: () => unknown): string {
  try {
    run();
    return "ok";
  } catch (error) {
    if (error instanceof OsError) return error.code;
    return error instanceof Error ? error.name : String(error);
  }
}

/** Opens `path` with `flags` and closes it again (never reads or writes). */
function tryOpen(path: string, flags: number): string {
  return outcome(() => closeFd(openFd(path, flags | OpenFlags.O_CLOEXEC)));
}

/** The descriptors of this process that name `path` (inherited across the re-exec). */
function descriptorsOf(path: string): number[] {
  return listDirectory("/proc/self/fd").map((n) => Number(decoder.decode(n))).filter((fd) => {
    try {
      return decoder.decode(readLinkPath(`/proc/self/fd/${fd}`)) === path;
    } catch {
      return false;
    }
  });
}

/** FIFREEZE on `fd`: the errno name, or `FROZE` (then thawed at once). */
function tryFreeze(fd: number): string {
  if (libc().ioctl_int(fd, BigInt(FIFREEZE), 0n) === 0) {
    libc().ioctl_int(fd, BigInt(FITHAW), 0n);
    return "FROZE";
  }
  return errnoName(errno());
}

/** settimeofday one hour ahead: the errno name, or `SET` (then set back at once). */
function trySetTime(): string {
  const now = linuxClock.realtimeNs();
  try {
    linuxClock.setTimeOfDay(now / 1_000_000_000n + 3600n, 0n);
  } catch (error) {
    return error instanceof OsError ? error.code : String(error);
  }
  const back = linuxClock.realtimeNs() - 3600n * 1_000_000_000n;
  linuxClock.setTimeOfDay(back / 1_000_000_000n, (back % 1_000_000_000n) / 1000n);
  return "SET";
}

/** posix_spawn of `program --help` by libc: the errno name, or `spawned`. */
function trySpawn(program: string): string {
  const strings = [cString(program), cString("--help")];
  const address = (b: Uint8Array) => BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(b)));
  const argv = new BigUint64Array([...strings.map(address), 0n]);
  const envp = new BigUint64Array([0n]);
  const pid = new Int32Array(1);
  const rc = libc().posix_spawn(pid, strings[0]!, null, null, argv, envp);
  return rc === 0 ? "spawned" : errnoName(rc);
}

/** Deno's own check on running `program` (the layer above). */
function denoRun(program: string): string {
  try {
    new Deno.Command(program, { args: ["--help"], stdout: "null", stderr: "null" }).spawn();
    return "spawned";
  } catch (error) {
    return error instanceof Error ? error.name : String(error);
  }
}

/** A field of `/proc/self/status`. */
function statusField(name: string): string {
  const text = decoder.decode(readSmallFile("/proc/self/status"));
  return new RegExp(`^${name}:\\s*(\\S+)`, "m").exec(text)?.[1] ?? "";
}

if (import.meta.main) {
  const outcomeOfArgs = parseProcessArgs(Deno.args);
  if (outcomeOfArgs.kind === "exit") throw new Error(`bad arguments: ${outcomeOfArgs.stderr}`);
  const config = outcomeOfArgs.config;
  const main = new URL("../../../main.ts", import.meta.url).href;
  // The agent's plan exactly: its runtime rules are those of main.ts, not of this file.
  const policy = decidePolicy(config, {
    ...livePolicyProbe,
    runtimeRules: () => runtimeRules({ ...runtimeFacts(), mainModule: main }),
  });
  if (policy.sandbox === undefined) throw new Error(`profile ${config.profile} is not confined`);
  const self = decodeURIComponent(new URL(import.meta.url).pathname);
  const plan = {
    ...policy.sandbox,
    rules: [...policy.sandbox.rules, { path: self, rights: ["read-file" as const] }],
  };
  if (Deno.env.get(LANDLOCKED_ENV) === undefined) {
    // Before the sandbox: descriptors the re-executed process inherits (not close-on-exec).
    for (const path of FREEZE_TARGETS) descriptorFlags(openReadOnly(path, true), 0);
  }
  const report = enterSandbox(plan, { daemonizing: false });
  const freeze: Record<string, string> = {};
  for (const path of FREEZE_TARGETS) {
    const fds = descriptorsOf(path);
    freeze[path] = fds.length === 0 ? "no descriptor" : tryFreeze(fds[0]!);
  }
  const result = {
    profile: config.profile,
    state: report.state,
    abi: report.state === "confined" ? report.landlock.abi : 0,
    keep: plan.keepCapabilities,
    noNewPrivs: statusField("NoNewPrivs"),
    capEff: statusField("CapEff"),
    capBnd: statusField("CapBnd"),
    setTime: trySetTime(),
    openRootDirectory: tryOpen("/", OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY),
    freeze,
    writeCpuOnline: tryOpen("/sys/devices/system/cpu/cpu1/online", OpenFlags.O_WRONLY),
    writePowerState: tryOpen("/sys/power/state", OpenFlags.O_WRONLY),
    spawnHwclock: trySpawn("/sbin/hwclock"),
    denoRunHwclock: denoRun("/sbin/hwclock"),
    readRootFile: outcome(() => readSmallFile(ROOT_FILE)),
    writeRootFile: tryOpen(ROOT_FILE, OpenFlags.O_WRONLY),
  };
  console.log(JSON.stringify(result));
}
