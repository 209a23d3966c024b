/**
 * Landlock (Linux ≥ 5.13): the kernel confines this process, and every process it starts, to a
 * set of file hierarchies — whatever the code does, FFI included. The three system calls go
 * through libc's `syscall` (numbers and struct layouts in `./sandbox_structs.ts`).
 *
 * `landlock_restrict_self` restricts only the calling thread and the threads and processes it
 * creates afterwards; a Deno process has many threads already, so the caller restricts and then
 * re-executes itself (`src/agent/sandbox.ts`): the domain survives `execve`, and every thread of
 * the new image starts inside it.
 *
 * The ruleset handles every right the running ABI knows (so all of them are denied except where
 * a rule grants them); rights the ABI does not know are left out of rules; a rule on a file (not
 * a directory) keeps only the rights a file can take. A path that cannot be opened is skipped,
 * with the reason: a skipped rule grants less, never more.
 *
 * Rules on procfs need care: procfs makes a new inode each time a dentry is looked up again after
 * the dentry cache dropped it, and a Landlock rule is tied to the inode it was added for. So the
 * descriptor of each procfs rule is kept open (it pins the dentry, and with it the inode) and
 * returned as `pinned`; the caller keeps those open across its re-execution.
 *
 * @module
 */

import { Errno } from "./errno.ts";
import { closeFd, statFd, statPath } from "./fd.ts";
import { check, cString, errno, libc } from "./libc.ts";
import { OsError } from "./os_error.ts";
import {
  effectiveRights,
  type LandlockRight,
  rightsKnownBy,
  rightsMask,
} from "./landlock_rights.ts";
import { FileType, OpenFlags } from "./structs.ts";
import { Landlock, landlockPathBeneath, landlockRulesetAttr, Prctl } from "./sandbox_structs.ts";

export {
  effectiveRights,
  FILE_RIGHTS,
  LANDLOCK_RIGHTS,
  type LandlockRight,
  rightsKnownBy,
  rightsMask,
} from "./landlock_rights.ts";

/** A file hierarchy (or a single file) and the rights granted beneath it. */
export interface LandlockRule {
  /** An absolute path. */
  readonly path: string;
  /** The rights granted on it and beneath it. */
  readonly rights: readonly LandlockRight[];
  /** Why the rule exists (for the audit); not used by the kernel. */
  readonly why?: string;
  /** A path that may be missing: then it is listed in `absent`, not `skipped`. */
  readonly ifExists?: boolean;
}

/**
 * The Landlock ABI version of the running kernel (`landlock_create_ruleset(NULL, 0,
 * LANDLOCK_CREATE_RULESET_VERSION)`): 1 for Linux 5.13, 2 for Debian 12's 6.1, …; 0 when the
 * kernel has no Landlock or it is disabled (`ENOSYS`, `EOPNOTSUPP`) or the call fails otherwise.
 */
export function landlockAbi(): number {
  const result = libc().landlock_create_ruleset(
    BigInt(Landlock.SYS_CREATE_RULESET),
    null,
    0n,
    Landlock.CREATE_RULESET_VERSION,
  );
  const abi = Number(result);
  return abi > 0 ? abi : 0;
}

/**
 * Sets `PR_SET_NO_NEW_PRIVS` on the calling thread (inherited by what it starts, kept across
 * `execve`): no later `execve` can gain privileges (set-user-ID bits, file capabilities).
 *
 * @throws OsError when `prctl` fails.
 */
export function setNoNewPrivileges(): void {
  check("prctl", libc().prctl(Prctl.PR_SET_NO_NEW_PRIVS, 1n, 0n, 0n, 0n));
}

/** Whether the calling thread has `PR_SET_NO_NEW_PRIVS` set. */
export function noNewPrivileges(): boolean {
  return libc().prctl(Prctl.PR_GET_NO_NEW_PRIVS, 0n, 0n, 0n, 0n) === 1;
}

/** What {@link restrictSelf} is asked to deny besides files. */
export interface RestrictOptions {
  /** Deny TCP bind and connect (ABI ≥ 4; ignored below). */
  readonly denyTcp: boolean;
  /** Deny connecting to abstract unix sockets and signalling processes outside (ABI ≥ 6). */
  readonly scoped: boolean;
}

/** A rule as the kernel took it. */
export interface AppliedRule {
  readonly path: string;
  /** The rights granted after masking ({@link effectiveRights}). */
  readonly rights: readonly LandlockRight[];
  /** Whether the path is a directory. */
  readonly directory: boolean;
  /** The rule's `why`, when it has one. */
  readonly why?: string;
}

/** What a restriction did (or, from {@link describeRules}, would do). */
export interface RestrictReport {
  /** The ABI version used. */
  readonly abi: number;
  /** The file-system rights the ruleset handles: denied except where a rule grants them. */
  readonly handled: readonly LandlockRight[];
  /** Whether TCP bind and connect are denied. */
  readonly deniesTcp: boolean;
  /** Whether abstract unix sockets and signals are scoped to the domain. */
  readonly scoped: boolean;
  readonly applied: readonly AppliedRule[];
  /** Rules not added, with the reason (strerror text of the failed open, …). */
  readonly skipped: readonly { readonly path: string; readonly reason: string }[];
  /** Paths of `ifExists` rules that do not exist (not added either). */
  readonly absent: readonly string[];
  /** Descriptors of procfs rules kept open (see the module documentation); empty in a dry run. */
  readonly pinned: readonly number[];
}

interface OpenedRule {
  readonly rule: LandlockRule;
  readonly fd: number;
  readonly directory: boolean;
  readonly rights: LandlockRight[];
  readonly procfs: boolean;
}

/**
 * Restricts the calling thread (and what it starts later) to `rules`: `PR_SET_NO_NEW_PRIVS`, a
 * ruleset handling every right the ABI knows (and TCP, scopes as `options` asks and the ABI
 * allows), one path-beneath rule per usable path, `landlock_restrict_self`. Irreversible.
 *
 * @throws OsError `EOPNOTSUPP` without Landlock, or the errno of a failed system call.
 */
export function restrictSelf(
  rules: readonly LandlockRule[],
  options: RestrictOptions,
): RestrictReport {
  const abi = landlockAbi();
  if (abi === 0) throw new OsError(Errno.EOPNOTSUPP, "landlock_create_ruleset");
  const lib = libc();
  setNoNewPrivileges();
  const handled = rightsKnownBy(abi);
  const deniesTcp = options.denyTcp && abi >= 4;
  const scoped = options.scoped && abi >= 6;
  const attr = landlockRulesetAttr(abi, {
    fs: rightsMask(handled),
    net: deniesTcp ? Landlock.ACCESS_NET_BIND_TCP | Landlock.ACCESS_NET_CONNECT_TCP : 0,
    scoped: scoped ? Landlock.SCOPE_ABSTRACT_UNIX_SOCKET | Landlock.SCOPE_SIGNAL : 0,
  });
  const { opened, skipped, absent } = openRules(rules, abi);
  const pinned: number[] = [];
  let rulesetFd = -1;
  try {
    rulesetFd = Number(check(
      "landlock_create_ruleset",
      lib.landlock_create_ruleset(
        BigInt(Landlock.SYS_CREATE_RULESET),
        attr,
        BigInt(attr.length),
        0,
      ),
    ));
    for (const o of opened) {
      const beneath = landlockPathBeneath(rightsMask(o.rights), o.fd);
      check(
        "landlock_add_rule",
        lib.landlock_add_rule(
          BigInt(Landlock.SYS_ADD_RULE),
          rulesetFd,
          Landlock.RULE_PATH_BENEATH,
          beneath,
          0,
        ),
      );
    }
    check(
      "landlock_restrict_self",
      lib.landlock_restrict_self(BigInt(Landlock.SYS_RESTRICT_SELF), rulesetFd, 0),
    );
    for (const o of opened) if (o.procfs) pinned.push(o.fd);
  } finally {
    closeFd(rulesetFd);
    for (const o of opened) if (!pinned.includes(o.fd)) closeFd(o.fd);
  }
  return {
    abi,
    handled,
    deniesTcp,
    scoped,
    applied: opened.map(applied),
    skipped,
    absent,
    pinned,
  };
}

/**
 * What {@link restrictSelf} would do with `rules` under ABI `abi`, without restricting anything
 * (paths are opened and closed again): the audit of a process that restricted itself before it
 * re-executed recomputes its report this way.
 */
export function describeRules(
  rules: readonly LandlockRule[],
  abi: number,
  options: RestrictOptions,
): RestrictReport {
  const { opened, skipped, absent } = openRules(rules, abi);
  for (const o of opened) closeFd(o.fd);
  return {
    abi,
    handled: rightsKnownBy(abi),
    deniesTcp: options.denyTcp && abi >= 4,
    scoped: options.scoped && abi >= 6,
    applied: opened.map(applied),
    skipped,
    absent,
    pinned: [],
  };
}

function applied(o: OpenedRule): AppliedRule {
  const rule = { path: o.rule.path, rights: o.rights, directory: o.directory };
  return o.rule.why === undefined ? rule : { ...rule, why: o.rule.why };
}

/** Opens each rule's path (`O_PATH`) and works out its rights; the unusable ones are skipped. */
function openRules(rules: readonly LandlockRule[], abi: number) {
  const opened: OpenedRule[] = [];
  const skipped: { path: string; reason: string }[] = [];
  const absent: string[] = [];
  const procDev = deviceOf("/proc");
  for (const rule of rules) {
    if (!rule.path.startsWith("/")) {
      skipped.push({ path: rule.path, reason: "not an absolute path" });
      continue;
    }
    const fd = libc().open(cString(rule.path), OpenFlags.O_PATH | OpenFlags.O_CLOEXEC, 0);
    if (fd < 0) {
      const code = errno();
      if (code === Errno.ENOENT && rule.ifExists) absent.push(rule.path);
      else skipped.push({ path: rule.path, reason: new OsError(code, "open").message });
      continue;
    }
    const stat = statFd(fd);
    const directory = (stat.mode & FileType.S_IFMT) === FileType.S_IFDIR;
    const rights = effectiveRights(rule.rights, abi, directory);
    if (rights.length === 0) {
      closeFd(fd);
      skipped.push({ path: rule.path, reason: "none of its rights applies" });
      continue;
    }
    const dev = `${stat.dev[0]}:${stat.dev[1]}`;
    opened.push({ rule, fd, directory, rights, procfs: dev === procDev });
  }
  return { opened, skipped, absent };
}

/** `major:minor` of the file system holding `path`, or undefined. */
function deviceOf(path: string): string | undefined {
  try {
    const { dev } = statPath(path);
    return `${dev[0]}:${dev[1]}`;
  } catch {
    return undefined;
  }
}
