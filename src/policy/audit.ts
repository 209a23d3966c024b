/**
 * `--print-policy` and `--print-policy --json`: what this agent may touch, for an operator to
 * read and a script to check — the profile, every Deno permission in force, the Landlock ABI and
 * rules, the capabilities kept, the libc symbols bound, the programs it may run, the file roots,
 * and per command enabled or why not. `build.sh` writes the JSON next to each binary.
 *
 * @module
 */

import { QEMU_GA_COMPAT_VERSION, QGA_DENO_VERSION } from "../config/version.ts";
import type { LandlockRight, LandlockRule, RestrictReport } from "../sys/landlock.ts";
import { type DenoCheck, denoChecks } from "./deno_checks.ts";
import { helperPrograms } from "./deno_permissions.ts";
import type { Policy } from "./policy.ts";

/** The audit as JSON (`--print-policy --json`). */
export interface PolicyReport {
  readonly agent: "qga-deno";
  readonly version: string;
  readonly compatible: string;
  readonly profile: { readonly name: string; readonly summary: string; readonly confines: string };
  readonly deno: readonly DenoCheck[];
  readonly landlock: {
    /** `applies`: the agent enters it at start; `unavailable`: kernel without Landlock; `none`: full. */
    readonly status: "applies" | "unavailable" | "none";
    readonly abi: number;
    readonly denyTcp: boolean;
    readonly scoped: boolean;
    /**
     * Every rule: the rights as the kernel takes them (masked to the ABI and, for a file, to file
     * rights), or as planned when Landlock is unavailable; `status` says whether it applies here.
     */
    readonly rules: readonly {
      readonly path: string;
      readonly rights: readonly LandlockRight[];
      readonly why: string;
      readonly status: "applies" | "missing" | "planned" | string;
    }[];
  };
  readonly capabilities: {
    readonly held: readonly string[];
    readonly kept: readonly string[] | "all";
  };
  readonly libc: readonly string[];
  readonly programs: readonly { readonly path: string; readonly granted: boolean }[];
  readonly fileRoots:
    | "anywhere"
    | readonly { readonly path: string; readonly writable: boolean; readonly usable: boolean }[];
  readonly ownFiles: Readonly<Record<string, string>>;
  readonly commands: readonly {
    readonly name: string;
    readonly effect: string;
    readonly enabled: boolean;
    readonly reason?: string;
  }[];
}

/** What the report asks of the running process besides the policy. */
export interface AuditProbe {
  granted(descriptor: Deno.PermissionDescriptor): boolean;
  exists(path: string): boolean;
  /** A dry run of the ruleset on this kernel (`describeRules`), or undefined without Landlock. */
  describeLandlock(
    rules: readonly LandlockRule[],
    abi: number,
    options: { denyTcp: boolean; scoped: boolean },
  ): RestrictReport | undefined;
  /** The libc symbols the agent binds. */
  libcSymbols(): string[];
}

/** Builds the report of `policy`. */
export function policyReport(policy: Policy, probe: AuditProbe): PolicyReport {
  const { profile, sandbox } = policy;
  const programs = [...new Set([...helperPrograms(profile.name), ...policy.execAllow])].sort();
  return {
    agent: "qga-deno",
    version: QGA_DENO_VERSION,
    compatible: `qemu-ga ${QEMU_GA_COMPAT_VERSION}`,
    profile: { name: profile.name, summary: profile.summary, confines: profile.confines },
    deno: denoChecks(profile, policy.execAllow, (d) => probe.granted(d)),
    landlock: {
      status: sandbox === undefined ? "none" : policy.landlockAbi > 0 ? "applies" : "unavailable",
      abi: policy.landlockAbi,
      denyTcp: sandbox?.denyTcp ?? false,
      scoped: sandbox?.scoped ?? false,
      rules: describe(policy, probe),
    },
    capabilities: {
      held: policy.heldCapabilities,
      kept: sandbox === undefined ? "all" : sandbox.keepCapabilities,
    },
    libc: probe.libcSymbols(),
    programs: (profile.exec === "any" ? ["*"] : programs).map((path) => ({
      path,
      granted: probe.granted(path === "*" ? { name: "run" } : { name: "run", command: path }),
    })),
    fileRoots: profile.files === "anywhere" ? "anywhere" : policy.roots.map((root) => ({
      path: root.path,
      writable: root.writable,
      usable: policy.usableRoots.includes(root),
    })),
    ownFiles: Object.fromEntries(policy.ownFiles),
    commands: policy.commands.map((c) => ({
      name: c.name,
      effect: c.effect,
      enabled: c.disabledBecause === undefined,
      ...(c.disabledBecause === undefined ? {} : { reason: c.disabledBecause }),
    })),
  };
}

/** The rules of the sandbox as this kernel would take them. */
function describe(policy: Policy, probe: AuditProbe): PolicyReport["landlock"]["rules"] {
  const sandbox = policy.sandbox;
  if (sandbox === undefined) return [];
  const dry = policy.landlockAbi > 0
    ? probe.describeLandlock(sandbox.rules, policy.landlockAbi, {
      denyTcp: sandbox.denyTcp,
      scoped: sandbox.scoped ?? true,
    })
    : undefined;
  return sandbox.rules.map((rule) => {
    const base = { path: rule.path, why: rule.why ?? "" };
    if (dry === undefined) return { ...base, rights: rule.rights, status: "planned" };
    const applied = dry.applied.find((a) => a.path === rule.path);
    if (applied) return { ...base, rights: applied.rights, status: "applies" };
    const skipped = dry.skipped.find((s) => s.path === rule.path);
    return {
      ...base,
      rights: rule.rights,
      status: skipped ? `not applied: ${skipped.reason}` : "missing",
    };
  });
}

/** The report as text for people (`--print-policy`). */
export function policyText(report: PolicyReport): string {
  const out: string[] = [];
  const line = (text = "") => out.push(text);
  line(`qga-deno ${report.version} (${report.compatible} on the wire)`);
  line(`profile: ${report.profile.name} — ${report.profile.summary}`);
  line(`confines: ${report.profile.confines}`);
  line();
  line("Deno permissions (asked of this process):");
  for (const c of report.deno) {
    const ok = c.granted === (c.expected === "granted");
    line(
      `  ${ok ? "ok  " : "DIFF"} ${c.permission} ${c.target}: ${
        c.granted ? "granted" : "refused"
      }` +
        (ok ? "" : ` (the profile expects ${c.expected})`),
    );
  }
  line();
  const ll = report.landlock;
  line(
    `Landlock: ${
      ll.status === "applies"
        ? `ABI ${ll.abi}, entered at start-up`
        : ll.status === "unavailable"
        ? "UNAVAILABLE on this kernel — only Deno's flags, openat2 and capabilities confine this agent"
        : "not used (unconfined profile)"
    }`,
  );
  if (ll.status !== "none") {
    line(
      `  TCP bind/connect: ${
        ll.denyTcp ? "denied" : "allowed"
      }; signals and abstract sockets outside: ${ll.scoped ? "denied" : "allowed"}`,
    );
    for (const rule of ll.rules) {
      const status = rule.status === "applies" ? "" : ` (${rule.status})`;
      line(`  ${rule.path}${status}: ${rule.rights.join(",")}`);
      if (rule.why) line(`      ${rule.why}`);
    }
  }
  line();
  line(`capabilities held: ${report.capabilities.held.join(" ") || "none"}`);
  line(
    `capabilities kept: ${
      report.capabilities.kept === "all"
        ? "all (unconfined)"
        : report.capabilities.kept.join(" ") || "none"
    }`,
  );
  line();
  line(
    `programs it may run: ${
      report.programs.map((p) => `${p.path}${p.granted ? "" : " (not granted)"}`).join(" ") ||
      "none"
    }`,
  );
  line(
    `file roots: ${
      report.fileRoots === "anywhere"
        ? "anywhere (unconfined)"
        : report.fileRoots.map((r) =>
          `${r.path}${r.writable ? "" : ":ro"}${r.usable ? "" : " (missing)"}`
        ).join(" ") || "none"
    }`,
  );
  line(
    `own files (never reachable through guest-file-*): ${
      Object.entries(report.ownFiles).map(([k, v]) => `${k} ${v}`).join("; ")
    }`,
  );
  line(`libc symbols bound: ${report.libc.join(" ")}`);
  line();
  line("commands:");
  for (const c of report.commands) {
    line(`  ${c.enabled ? "enabled " : "disabled"} ${c.name}${c.reason ? ` — ${c.reason}` : ""}`);
  }
  return out.join("\n") + "\n";
}
