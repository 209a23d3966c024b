/**
 * What each command needs from the guest beyond the agent's own files: the fixed paths it reads
 * or writes, the programs it runs, the capabilities its system calls need. Pure data.
 *
 * The confined profiles derive from it the Landlock rules (`./sandbox_plan.ts`), the Deno run
 * grant (`./deno_permissions.ts`) and the capabilities they keep; the capability-aware command
 * table (`./command_availability.ts`) checks it against what the process really holds. Paths a
 * request names (guest-file-*, guest-exec) are not here: the file roots and `--exec-allow` grant
 * those. Paths are the ones the code opens (`/proc/net/route` resolves to the process's own
 * `/proc/<pid>/net/route` when the rule is added, which `execve` keeps).
 *
 * @module
 */

import { HWCLOCK } from "../commands/time_set.ts";
import type { CommandName } from "../schema/schema.ts";
import type { CapabilityName } from "../sys/capabilities.ts";
import { CPU_SYSFS_DIR, PROC_STAT } from "../sys/cpus.ts";
import { DISKSTATS_PATH } from "../sys/disks/disks.ts";
import { LOADAVG_PATH, UTMP_PATH } from "../sys/host.ts";
import { MEMORY_SYSFS_DIR } from "../sys/memory.ts";
import { POWER_STATE_FILE } from "../sys/power.ts";

/** A command's needs; every member optional (absent = none). */
export interface CommandNeeds {
  /** Files or directory trees it reads. */
  readonly reads?: readonly string[];
  /** Files or directory trees it writes (and reads). */
  readonly writes?: readonly string[];
  /** Directory trees it opens as directories only (FIFREEZE on every mount point). */
  readonly lists?: readonly string[];
  /** Programs it may run (absolute candidates; the first that exists is used). */
  readonly programs?: readonly string[];
  /** Capabilities its system calls need. */
  readonly capabilities?: readonly CapabilityName[];
  /** Also needs the users' home directories (`~/.ssh`), resolved when the policy is built. */
  readonly homes?: "read" | "write";
  /** Also needs the fsfreeze hook (`-F`), when one is configured. */
  readonly hook?: true;
}

/** The passwd lookup's files (getpwnam_r through NSS). */
const PASSWD = ["/etc/passwd", "/etc/group", "/etc/nsswitch.conf"];
/** systemd's and pm-utils' suspend programs (looked up by name in PATH). */
const SUSPEND_PROGRAMS = [
  "/usr/bin/systemctl",
  "/bin/systemctl",
  "/usr/sbin/pm-is-supported",
  "/usr/bin/pm-is-supported",
  "/usr/sbin/pm-suspend",
  "/usr/sbin/pm-hibernate",
  "/usr/sbin/pm-suspend-hybrid",
];
const SUSPEND: CommandNeeds = { writes: [POWER_STATE_FILE], programs: SUSPEND_PROGRAMS };
/** Freeze, thaw and trim open every mount point and use FIFREEZE/FITHAW/FITRIM. */
const FREEZE: CommandNeeds = {
  reads: ["/proc/self/mountinfo"],
  lists: ["/"],
  capabilities: ["CAP_SYS_ADMIN"],
  hook: true,
};
const STORAGE: CommandNeeds = {
  reads: ["/proc/self/mountinfo", "/sys", "/run/udev/data"],
};

/** Every command's needs (a command absent from this table needs nothing). */
export const COMMAND_NEEDS: Readonly<Partial<Record<CommandName, CommandNeeds>>> = {
  "guest-set-time": {
    programs: [HWCLOCK],
    // hwclock: the RTC device and its drift file.
    writes: ["/dev/rtc0", "/etc/adjtime"],
    capabilities: ["CAP_SYS_TIME"],
  },
  "guest-shutdown": {
    programs: ["/sbin/poweroff", "/sbin/halt", "/sbin/reboot", "/sbin/shutdown"],
    // sysvinit's shutdown talks to init through this FIFO.
    writes: ["/run/initctl"],
    capabilities: ["CAP_SYS_BOOT"],
  },
  "guest-fsfreeze-status": {},
  "guest-fsfreeze-freeze": FREEZE,
  "guest-fsfreeze-freeze-list": FREEZE,
  "guest-fsfreeze-thaw": FREEZE,
  "guest-fstrim": { ...FREEZE, hook: undefined },
  "guest-suspend-disk": SUSPEND,
  "guest-suspend-ram": SUSPEND,
  "guest-suspend-hybrid": SUSPEND,
  "guest-network-get-interfaces": { reads: ["/proc/net/dev"] },
  "guest-get-vcpus": { reads: [CPU_SYSFS_DIR] },
  "guest-set-vcpus": { writes: [CPU_SYSFS_DIR] },
  "guest-get-disks": STORAGE,
  "guest-get-fsinfo": STORAGE,
  "guest-set-user-password": {
    programs: ["/usr/sbin/chpasswd", "/sbin/chpasswd"],
    writes: ["/etc/shadow", "/etc/passwd"],
    capabilities: ["CAP_DAC_OVERRIDE", "CAP_CHOWN", "CAP_FOWNER"],
  },
  "guest-get-memory-blocks": { reads: [MEMORY_SYSFS_DIR] },
  "guest-set-memory-blocks": { writes: [MEMORY_SYSFS_DIR] },
  "guest-get-memory-block-info": { reads: [MEMORY_SYSFS_DIR] },
  "guest-exec": { writes: ["/dev/null"] },
  "guest-get-users": { reads: [UTMP_PATH] },
  "guest-get-timezone": {
    reads: ["/etc/localtime", "/usr/share/zoneinfo", "/etc/timezone", "/var/db/zoneinfo"],
  },
  "guest-get-osinfo": { reads: ["/etc/os-release", "/usr/lib/os-release"] },
  "guest-ssh-get-authorized-keys": {
    reads: PASSWD,
    homes: "read",
    capabilities: ["CAP_DAC_READ_SEARCH"],
  },
  "guest-ssh-add-authorized-keys": {
    reads: PASSWD,
    homes: "write",
    capabilities: ["CAP_DAC_OVERRIDE", "CAP_CHOWN", "CAP_FOWNER"],
  },
  "guest-ssh-remove-authorized-keys": {
    reads: PASSWD,
    homes: "write",
    capabilities: ["CAP_DAC_OVERRIDE", "CAP_CHOWN", "CAP_FOWNER"],
  },
  "guest-get-diskstats": { reads: [DISKSTATS_PATH] },
  "guest-get-cpustats": { reads: [PROC_STAT] },
  "guest-get-load": { reads: [LOADAVG_PATH] },
  "guest-network-get-route": { reads: ["/proc/net/route", "/proc/net/ipv6_route"] },
};

/** The needs of `name` (an empty object when it needs nothing). */
export function needsOf(name: CommandName): CommandNeeds {
  return COMMAND_NEEDS[name] ?? {};
}
