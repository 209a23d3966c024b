/**
 * The running system as the policy (`src/policy/policy.ts`) and the audit see it: Deno's
 * permissions, the kernel's Landlock ABI and openat2, this process's capabilities and
 * executable, the passwd users' `~/.ssh` directories, the runtime's own Landlock needs.
 *
 * @module
 */

import type { AuditProbe } from "../policy/audit.ts";
import type { PolicyProbe } from "../policy/policy.ts";
import { runtimeRules } from "../policy/runtime_rules.ts";
import { heldCapabilities } from "../sys/capabilities.ts";
import { realpathBytes } from "../sys/disks/path_calls.ts";
import { readSmallFile, statPath } from "../sys/fd.ts";
import { openat2Available } from "../sys/files/openat2.ts";
import { describeRules, landlockAbi } from "../sys/landlock.ts";
import { boundSymbolNames } from "../sys/libc_names.ts";
import { readLinkPath } from "../sys/path_ops.ts";
import { FileType } from "../sys/structs.ts";

const decoder = new TextDecoder();

/** The file type bits of a path (following symlinks), or `undefined` when it is missing. */
function typeOf(path: string): number | undefined {
  try {
    return statPath(path).mode & 0o170000;
  } catch {
    return undefined;
  }
}

/** The existing home directories of `/etc/passwd` (the NSS `files` database). */
function homeDirectories(): string[] {
  let text: string;
  try {
    text = decoder.decode(readSmallFile("/etc/passwd"));
  } catch {
    return [];
  }
  const out = new Set<string>();
  for (const line of text.split("\n")) {
    const home = line.split(":")[5];
    // "/" (some system users' home) would let the agent list the whole tree: left out.
    if (home?.startsWith("/") && home !== "/" && typeOf(home) === FileType.S_IFDIR) out.add(home);
  }
  return [...out];
}

/** The `~/.ssh` directories of {@link homeDirectories} that exist. */
function sshDirectories(): string[] {
  return homeDirectories().map((home) => `${home === "/" ? "" : home}/.ssh`).filter((dir) =>
    typeOf(dir) === FileType.S_IFDIR
  );
}

/** `Deno.permissions.querySync(descriptor)` answers `granted`. */
function granted(descriptor: Deno.PermissionDescriptor): boolean {
  try {
    return Deno.permissions.querySync(descriptor).state === "granted";
  } catch {
    return false;
  }
}

/** The live {@link PolicyProbe} and {@link AuditProbe}. */
export const livePolicyProbe: PolicyProbe & AuditProbe = {
  granted,
  landlockAbi,
  capabilities: () => {
    try {
      return heldCapabilities().effective;
    } catch {
      return [];
    }
  },
  openat2: openat2Available,
  realPath(path: string): string | undefined {
    try {
      return decoder.decode(realpathBytes(path));
    } catch {
      return undefined;
    }
  },
  isDirectory: (path) => typeOf(path) === FileType.S_IFDIR,
  exists: (path) => typeOf(path) !== undefined,
  describeLandlock: (rules, abi, options) => {
    try {
      return describeRules(rules, abi, options);
    } catch {
      return undefined;
    }
  },
  executable: () => decoder.decode(readLinkPath("/proc/self/exe")),
  workingDirectory: () => decoder.decode(realpathBytes(".")),
  homeDirectories,
  sshDirectories,
  libcSymbols: boundSymbolNames,
  runtimeRules: () => runtimeRules(),
};
