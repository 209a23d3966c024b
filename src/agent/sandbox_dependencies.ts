/**
 * The system calls and process facts `./sandbox.ts` decides with, in one replaceable record: the
 * live ones here, fakes in the tests of its decisions (marker present or forged, Landlock
 * missing, a daemon child) — none of which may restrict the test runner's own process.
 *
 * @module
 */

import {
  type CapabilityName,
  dropCapabilitiesExcept,
  type DropReport,
  type HeldCapabilities,
  heldCapabilities,
} from "../sys/capabilities.ts";
import { closeFd, openReadOnly } from "../sys/fd.ts";
import {
  describeRules,
  landlockAbi,
  type LandlockRule,
  noNewPrivileges,
  type RestrictOptions,
  type RestrictReport,
  restrictSelf,
  setNoNewPrivileges,
} from "../sys/landlock.ts";
import { OsError } from "../sys/os_error.ts";
import {
  environmentEntries,
  execSelf,
  markDescriptorsCloseOnExec,
  setCloseOnExec,
} from "../sys/self_process.ts";
import { daemonLauncherPid } from "./daemon.ts";

/** Everything `./sandbox.ts` asks of the system. */
export interface SandboxDependencies {
  landlockAbi(): number;
  restrictSelf(rules: readonly LandlockRule[], options: RestrictOptions): RestrictReport;
  describeRules(
    rules: readonly LandlockRule[],
    abi: number,
    options: RestrictOptions,
  ): RestrictReport;
  setNoNewPrivileges(): void;
  noNewPrivileges(): boolean;
  dropCapabilitiesExcept(keep: readonly CapabilityName[]): DropReport;
  heldCapabilities(): HeldCapabilities;
  setCloseOnExec(fd: number, on: boolean): void;
  markDescriptorsCloseOnExec(keep: readonly number[]): number[];
  /** The environment as `NAME=value` entries (libc's `environ`). */
  environment(): Uint8Array[];
  execSelf(env: readonly Uint8Array[]): never;
  /** Reads a variable and removes it from the environment. */
  takeEnv(name: string): string | undefined;
  /** The launcher's pid in a re-executed `-d` daemon (`./daemon.ts`). */
  launcherPid(): number | undefined;
  pid(): number;
  /** Opens and closes `path`: `opened`, `denied` (EACCES) or `other` (missing, …). */
  tryOpen(path: string, directory: boolean): "opened" | "denied" | "other";
}

/** The real system. */
export const LIVE_DEPENDENCIES: SandboxDependencies = {
  landlockAbi,
  restrictSelf,
  describeRules,
  setNoNewPrivileges,
  noNewPrivileges,
  dropCapabilitiesExcept,
  heldCapabilities,
  setCloseOnExec,
  markDescriptorsCloseOnExec,
  environment: environmentEntries,
  execSelf,
  takeEnv,
  launcherPid: daemonLauncherPid,
  pid: () => Deno.pid,
  tryOpen,
};

function takeEnv(name: string): string | undefined {
  if (Deno.permissions.querySync({ name: "env", variable: name }).state !== "granted") {
    throw new Error(`the environment variable ${name} must be allowed (--allow-env)`);
  }
  const value = Deno.env.get(name);
  if (value !== undefined) Deno.env.delete(name);
  return value;
}

function tryOpen(path: string, directory: boolean): "opened" | "denied" | "other" {
  try {
    closeFd(openReadOnly(path, directory));
    return "opened";
  } catch (error) {
    return error instanceof OsError && error.code === "EACCES" ? "denied" : "other";
  }
}
