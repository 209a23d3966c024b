/**
 * The stage of the hostile-host suite: file roots under the baked grant
 * (`/var/lib/qga-deno/files/test-<random>`, read-write, and `…-ro`, read-only), and outside the
 * grant, on the same file system (so hard links to them can be made in a root), a directory with
 * the agent's state directory, log, config file and socket, and an `outside` directory for
 * files no guest-file-* may reach; the real agent started under a profile's exact flags
 * (`agentArgv(…, { profile })`: the flags of `deno task start:files` / `start:readonly`) on a
 * unix socket there; and snapshots that prove a file unchanged by its effect.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { PolicyReport } from "../../src/policy/audit.ts";
import { DEFAULT_FILE_ROOT, type ProfileName } from "../../src/policy/profiles.ts";
import {
  agentArgv,
  AgentProcess,
  type AgentRunOptions,
  REPO_ROOT,
} from "../helpers/agent_process.ts";
import { type ExitResult, runToExit } from "../helpers/proc.ts";
import { LineClient } from "./client.ts";

/** The directory the confined profiles' Deno grant covers. */
export const GRANT = DEFAULT_FILE_ROOT;

/** The content of files outside every root: a reply holding it is an escape. */
export const MARKER = "hostile-marker: outside every file root\n";

/** A test's roots, own files and outside directory; disposing removes them. */
export interface Scene extends AsyncDisposable {
  /** The read-write root, `<grant>/test-<random>` (holds `file`: `inside\n`). */
  readonly rw: string;
  /** The read-only root, `<rw>-ro` (holds `file`: `read-only\n`). */
  readonly ro: string;
  /** A directory outside the grant holding what follows. */
  readonly dir: string;
  /** The state directory (`-t`). */
  readonly state: string;
  /** The log file (`-l`). */
  readonly log: string;
  /** The config file (`-c`). */
  readonly config: string;
  /** The socket (`-p`). */
  readonly socket: string;
  /** A directory outside every root holding `secret` ({@link MARKER}). */
  readonly outside: string;
}

function random(): string {
  return crypto.randomUUID().slice(0, 8);
}

/** The device number of the file system holding `path`. */
function deviceOf(path: string): number | null {
  return Deno.statSync(path).dev;
}

/**
 * Makes a {@link Scene}. The directory outside the grant is made in the system's temporary
 * directory when that shares the grant's file system, else beside the grant.
 */
export async function makeScene(): Promise<Scene> {
  await Deno.mkdir(GRANT, { recursive: true });
  const rw = `${GRANT}/test-${random()}`;
  const ro = `${rw}-ro`;
  await Deno.mkdir(rw);
  await Deno.mkdir(ro);
  await Deno.writeTextFile(`${rw}/file`, "inside\n");
  await Deno.writeTextFile(`${ro}/file`, "read-only\n");
  let dir = await Deno.realPath(await Deno.makeTempDir({ prefix: "qga-hostile-" }));
  if (deviceOf(dir) !== deviceOf(GRANT)) {
    await Deno.remove(dir);
    dir = await Deno.makeTempDir({ dir: `${GRANT}/..`, prefix: "qga-hostile-" });
    dir = await Deno.realPath(dir);
  }
  const scene = {
    rw,
    ro,
    dir,
    state: `${dir}/state`,
    log: `${dir}/qga.log`,
    config: `${dir}/qga.conf`,
    socket: `${dir}/qga.sock`,
    outside: `${dir}/outside`,
    async [Symbol.asyncDispose]() {
      for (const path of [rw, ro, dir]) await Deno.remove(path, { recursive: true });
    },
  };
  await Deno.mkdir(scene.state);
  await Deno.mkdir(scene.outside);
  await Deno.writeTextFile(`${scene.outside}/secret`, MARKER);
  await Deno.writeTextFile(scene.config, "[general]\n");
  return scene;
}

/** The `--file-root` options of `profile` in `scene`: both roots (read-only under readonly). */
export function rootArgs(profile: ProfileName, scene: Scene): string[] {
  const rw = profile === "readonly" ? `${scene.rw}:ro` : scene.rw;
  return [`--file-root=${rw}`, `--file-root=${scene.ro}:ro`];
}

/** The agent's options in `scene`: unix socket, state dir, log, config, the roots, `extra`. */
export function sceneArgs(
  profile: ProfileName,
  scene: Scene,
  extra: readonly string[] = [],
  socket = scene.socket,
): string[] {
  return [
    ...["-m", "unix-listen", "-p", socket, "-t", scene.state, "-l", scene.log],
    ...["-c", scene.config],
    ...(profile === "full" ? [] : rootArgs(profile, scene)),
    ...extra,
  ];
}

/** How {@link startAgent} runs the agent. */
export interface StartOptions {
  /** Options after the scene's. */
  readonly extra?: readonly string[];
  /** Extra environment variables. */
  readonly env?: Record<string, string>;
  /** Deno permission flags instead of the start task's (see `AgentRunOptions`). */
  readonly permissions?: string[];
  /** A prefix run before the agent's argv (e.g. `unshare … sh -c … sh`). */
  readonly wrap?: readonly string[];
  /** Another socket path (to run two agents in one scene). */
  readonly socket?: string;
}

/** A running agent; disposing stops it. */
export interface Running extends AsyncDisposable {
  readonly agent: AgentProcess;
  /** Connects a new client. */
  connect(): Promise<LineClient>;
  /** The agent's log so far. */
  log(): string;
}

/** Starts the real agent under `profile`'s exact flags in `scene` and waits until it listens. */
export async function startAgent(
  profile: ProfileName,
  scene: Scene,
  options: StartOptions = {},
): Promise<Running> {
  const socket = options.socket ?? scene.socket;
  const run: AgentRunOptions = {
    profile,
    ...(options.permissions ? { permissions: options.permissions } : {}),
  };
  const argv = [
    ...options.wrap ?? [],
    ...agentArgv(sceneArgs(profile, scene, options.extra, socket), run),
  ];
  const agent = await AgentProcess.start({ argv, socket, env: options.env, cwd: REPO_ROOT });
  return {
    agent,
    connect: () => LineClient.connect(socket),
    log: () => Deno.readTextFileSync(scene.log),
    async [Symbol.asyncDispose]() {
      await agent.stop();
    },
  };
}

/** Runs the agent under `profile` in `scene`, expecting it to exit by itself (within 20 s). */
export function runAgentToExit(
  profile: ProfileName,
  scene: Scene,
  extra: readonly string[] = [],
  options: Pick<StartOptions, "permissions"> = {},
): Promise<ExitResult> {
  const argv = agentArgv(sceneArgs(profile, scene, extra), {
    profile,
    ...(options.permissions ? { permissions: options.permissions } : {}),
  });
  return runToExit(argv, { timeoutMs: 20_000 });
}

/**
 * The audit of `profile` in `scene` (`--print-policy --json` under the same flags and options as
 * {@link startAgent}).
 */
export async function policyOf(
  profile: ProfileName,
  scene: Scene,
  extra: readonly string[] = [],
): Promise<PolicyReport> {
  const result = await runAgentToExit(profile, scene, [...extra, "--print-policy", "--json"]);
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout);
}

/** What proves a file unchanged: its size, modification time and SHA-256. */
export interface Snapshot {
  readonly size: number;
  readonly mtime: number | undefined;
  readonly sha256: string;
}

/** Takes a {@link Snapshot} of `path` (read by the unconfined test runner). */
export async function snapshot(path: string): Promise<Snapshot> {
  const bytes = await Deno.readFile(path);
  const stat = await Deno.stat(path);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return {
    size: stat.size,
    mtime: stat.mtime?.getTime(),
    sha256: [...digest].map((b) => b.toString(16).padStart(2, "0")).join(""),
  };
}

/** The names in `dir`, sorted. */
export function namesIn(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((entry) => entry.name).sort();
}
