/**
 * The Landlock rules the Deno runtime itself needs to start again after the agent's re-execution
 * into its sandbox (`src/agent/sandbox.ts`) and to run: pure data, each rule with its reason.
 * The profile's own rules (channel, state, log, roots, the files and programs of its commands)
 * come on top.
 *
 * Measured with Deno 2.9.6 under strace and Landlock (ABI 7) on this project's agent:
 * - the executable (read, execute) — `execve(/proc/self/exe)` runs it again — and the ELF
 *   interpreter the kernel starts with it (read, execute); the shared libraries are only mapped,
 *   which needs read, not execute;
 * - `/proc/<pid>`, the process's own directory (the pid survives `execve`): the runtime reads
 *   `maps` for its stack bounds (it panics when it cannot) and `cgroup`; the agent lists `fd`.
 *   Nothing else of `/proc` is needed; without `/proc/meminfo` and the cgroup's `cpu.*` files
 *   the runtime falls back to `sysinfo()` and the affinity mask;
 * - `/dev/null` (read, write, truncate) and `/dev/urandom` (read); nothing else of `/dev`;
 * - no write anywhere else, and nothing of `/etc` but the loader's cache `/etc/ld.so.cache`;
 * - `deno run` only: the main module, the `src/` beside it and the config files Deno looks for
 *   (read); and read-only the Deno cache's transpiled copies of those modules, so that the
 *   re-executed runtime does not transpile them again. The cache's databases stay out: without
 *   them the runtime keeps its caches in memory. A compiled binary (`Deno.execPath()` is not
 *   `deno`) carries its modules inside itself and needs none of this.
 *
 * @module
 */

import type { LandlockRule } from "../sys/landlock.ts";
import { environmentEntries } from "../sys/self_process.ts";
import { ARCH, type Arch } from "../sys/structs.ts";

/** What the runtime rules depend on, read from the running process by the caller. */
export interface RuntimeFacts {
  /** The running executable (`Deno.execPath()`): `deno`, or a compiled binary. */
  readonly execPath: string;
  /** `Deno.mainModule` (a `file:` URL under `deno run`). */
  readonly mainModule: string;
  /** Deno's cache directory (`DENO_DIR`, else `$XDG_CACHE_HOME/deno` or `~/.cache/deno`). */
  readonly denoDir?: string;
  /** This process's id (the sandboxed process keeps it across `execve`). */
  readonly pid: number;
  /** The running architecture. */
  readonly arch: Arch;
}

/** The ELF interpreter of glibc programs, per architecture. */
const INTERPRETER: Readonly<Record<Arch, string>> = {
  x86_64: "/lib64/ld-linux-x86-64.so.2",
  aarch64: "/lib/ld-linux-aarch64.so.1",
};

/** The config files `deno run` looks for in the main module's directory and its ancestors. */
const DENO_CONFIG_FILES = ["deno.json", "deno.jsonc", "package.json", "deno.lock"];

/**
 * The facts of this process. The environment is read through libc (no `--allow-env` needed);
 * Deno's cache is `DENO_DIR`, else `$XDG_CACHE_HOME/deno`, else `$HOME/.cache/deno`, as Deno
 * looks for it (undefined when none is set: the rules then leave the cache out).
 */
export function runtimeFacts(): RuntimeFacts {
  const decoder = new TextDecoder();
  const env = new Map<string, string>();
  for (const entry of environmentEntries()) {
    const text = decoder.decode(entry);
    const eq = text.indexOf("=");
    if (eq > 0) env.set(text.slice(0, eq), text.slice(eq + 1));
  }
  return {
    execPath: Deno.execPath(),
    mainModule: Deno.mainModule,
    denoDir: denoDirFrom(env),
    pid: Deno.pid,
    arch: ARCH,
  };
}

/** Deno's cache directory as Deno derives it from the environment (absolute paths only). */
export function denoDirFrom(env: ReadonlyMap<string, string>): string | undefined {
  const absolute = (value: string | undefined) => value?.startsWith("/") ? value : undefined;
  const denoDir = absolute(env.get("DENO_DIR"));
  if (denoDir !== undefined) return denoDir.replace(/\/+$/, "");
  const cache = absolute(env.get("XDG_CACHE_HOME")) ??
    (absolute(env.get("HOME")) === undefined ? undefined : `${env.get("HOME")}/.cache`);
  return cache === undefined ? undefined : `${cache.replace(/\/+$/, "")}/deno`;
}

/** True when `execPath` is the Deno CLI (`deno run`) rather than a compiled binary. */
export function isDenoCli(execPath: string): boolean {
  return /(^|\/)deno$/.test(execPath);
}

/**
 * The rules the Deno runtime needs, in the order the audit shows them.
 *
 * @param facts The process's facts; by default this process's ({@link runtimeFacts}).
 */
export function runtimeRules(facts: RuntimeFacts = runtimeFacts()): LandlockRule[] {
  const libs = [`/lib/${facts.arch}-linux-gnu`, `/usr/lib/${facts.arch}-linux-gnu`];
  const rules: LandlockRule[] = [
    {
      path: facts.execPath,
      rights: ["read-file", "execute"],
      why: isDenoCli(facts.execPath)
        ? "the Deno runtime: re-executed through /proc/self/exe"
        : "the agent's compiled binary: re-executed through /proc/self/exe; reads its own " +
          "embedded modules",
    },
    {
      path: INTERPRETER[facts.arch],
      rights: ["read-file", "execute"],
      why: "the ELF interpreter the kernel starts with every dynamically linked program",
    },
    ...libs.map((path): LandlockRule => ({
      path,
      rights: ["read-file"],
      ifExists: true,
      why: "shared libraries (libc, libgcc_s, libm…) the loader maps, and libc for FFI",
    })),
    {
      path: "/etc/ld.so.cache",
      rights: ["read-file"],
      ifExists: true,
      why: "the loader's index of library paths",
    },
    {
      path: `/proc/${facts.pid}`,
      rights: ["read-file", "read-dir"],
      why: "the process's own procfs directory (/proc/self): the runtime reads maps (stack " +
        "bounds) and cgroup; the agent lists fd",
    },
    {
      path: "/dev/null",
      rights: ["read-file", "write-file", "truncate"],
      why: "standard streams of the daemon and of the programs it starts",
    },
    {
      path: "/dev/urandom",
      rights: ["read-file"],
      why: "entropy (V8's random seed)",
    },
  ];
  if (isDenoCli(facts.execPath)) rules.push(...scriptRules(facts));
  return rules;
}

/** `deno run`: the modules, the config files, the transpiled copies in the cache. */
function scriptRules(facts: RuntimeFacts): LandlockRule[] {
  if (!facts.mainModule.startsWith("file:///")) return [];
  const main = decodeURIComponent(new URL(facts.mainModule).pathname);
  const dir = main.slice(0, main.lastIndexOf("/")) || "/";
  const rules: LandlockRule[] = [
    { path: main, rights: ["read-file"], why: "the main module" },
    { path: `${dir}/src`, rights: ["read-file"], ifExists: true, why: "the agent's modules" },
  ];
  for (let d = dir;; d = d.slice(0, d.lastIndexOf("/")) || "/") {
    for (const name of DENO_CONFIG_FILES) {
      rules.push({
        path: `${d === "/" ? "" : d}/${name}`,
        rights: ["read-file"],
        ifExists: true,
        why: "a config file deno run looks for (permission set, imports)",
      });
    }
    if (d === "/") break;
  }
  if (facts.denoDir !== undefined) {
    rules.push({
      path: `${facts.denoDir}/gen/file${dir}`,
      rights: ["read-file"],
      ifExists: true,
      why: "Deno's transpiled copies of the agent's modules (read only)",
    });
  }
  return rules;
}
