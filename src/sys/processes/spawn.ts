/**
 * guest-exec's spawn on `Deno.Command` (`Processes.spawn` of `../processes.ts`), so the agent's
 * `--allow-run` permission decides which programs may start, and Deno reaps every child.
 *
 * What GLib's `g_spawn_async_with_pipes()` does for qemu-ga, step by step:
 *
 * - a name without `/` is looked up along a search path (`./program_search.ts`): each candidate
 *   that exists is started in turn, and the errors GLib's exec loop skips (`ENOENT`, `EACCES`, …)
 *   move on to the next one; the reported error is `EACCES` if any candidate gave it, else the
 *   last one. Candidates that do not exist are skipped without a spawn attempt.
 * - `env` replaces the whole environment (`clearEnv`);
 * - stdin is a pipe fed with the input and then closed, or `/dev/null`;
 * - a `\u0000` in the request (which qemu-ga passes on as the bytes C0 80, QEMU's JSON parser
 *   writing modified UTF-8) cannot reach `execve()` through Deno: a path holding one fails as
 *   `ENOENT` (as it does in qemu-ga unless such a file exists), an argument or environment entry
 *   holding one as `EINVAL`;
 * - stdout/stderr are Deno pipes or `/dev/null` as the capture mode says, and in `merged` mode
 *   one pipe made here (`./pipe_stream.ts`) whose write end is handed to `Deno.Command` as the
 *   descriptor of both. (Deno accepts a descriptor number for `stdout`/`stderr` — the form its
 *   `node:child_process` uses — and `dup()`s it, so the child also holds two extra copies of the
 *   write end at higher numbers; they close when the child and its descendants do.)
 *
 * @module
 */

import { Errno, strerror } from "../errno.ts";
import { statPath } from "../fd.ts";
import { closeFd, environmentEntries } from "../libc.ts";
import { errorText, OsError } from "../os_error.ts";
import type {
  ChildExit,
  SpawnedChild,
  SpawnFailure,
  SpawnOutcome,
  SpawnRequest,
} from "../processes.ts";
import { cloexecPipe, pipeReadableStream, setNonBlocking } from "./pipe_stream.ts";
import {
  DEFAULT_SEARCH_PATH,
  execCandidates,
  pathOfEnvironment,
  SEARCH_CONTINUES,
  searchCandidates,
} from "./program_search.ts";
import { FileType } from "../structs.ts";
import { spawnFailure } from "./spawn_failure.ts";

const decoder = new TextDecoder();

/** The agent's own `PATH`, read from libc's `environ` (no `--allow-env` needed). */
export function agentSearchPath(): string | undefined {
  for (const entry of environmentEntries()) {
    const text = decoder.decode(entry);
    if (text.startsWith("PATH=")) return text.slice("PATH=".length);
  }
  return undefined;
}

/** `NAME=value` entries as Deno's `env` record (see `SpawnRequest.env` for what is dropped). */
export function environmentRecord(entries: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf("=");
    if (eq <= 0) continue;
    const name = entry.slice(0, eq);
    if (!Object.hasOwn(env, name)) env[name] = entry.slice(eq + 1);
  }
  return env;
}

/** A child's end as {@link ChildExit}, plus Deno's signal name when it had one. */
export async function waitChild(
  child: Deno.ChildProcess,
): Promise<{ exit: ChildExit; signalName?: string }> {
  try {
    const status = await child.status;
    if (status.signal === null) return { exit: { kind: "exited", code: status.code } };
    // Deno reports a signalled child with code 128 + signal number.
    const exit: ChildExit = { kind: "signaled", signal: status.code - 128 };
    return { exit, signalName: status.signal };
  } catch (error) {
    // Deno 2.9 rejects `status` for signals it has no name for (real-time ones).
    const m = /Invalid signal: (\d+)/.exec(error instanceof Error ? error.message : "");
    return { exit: m ? { kind: "signaled", signal: Number(m[1]) } : { kind: "unknown" } };
  }
}

/**
 * Writes `data` to a child's stdin and closes it.
 *
 * @returns Undefined, or the strerror text of a failed write (the pipe is closed then too).
 */
export async function writeInput(
  stdin: WritableStream<Uint8Array>,
  data: Uint8Array,
): Promise<string | undefined> {
  const writer = stdin.getWriter();
  try {
    if (data.length > 0) await writer.write(data);
    await writer.close();
    return undefined;
  } catch (error) {
    await writer.abort().catch(() => {});
    return errorText(error);
  }
}

function failure(errno: number): SpawnFailure {
  const reason = errno === Errno.ENOENT
    ? "not-found"
    : errno === Errno.EACCES
    ? "permission"
    : "other";
  return { kind: "spawn-failed", reason, text: strerror(errno) };
}

/** True when `path` certainly does not exist (so trying to start it is pointless). */
function missing(path: string): boolean {
  try {
    statPath(path);
    return false;
  } catch (error) {
    const errno = OsError.from(error)?.errno;
    return errno === Errno.ENOENT || errno === Errno.ENOTDIR;
  }
}

type Stdio = "piped" | "null";

/** The text of a `not-listed` refusal. */
const NOT_LISTED = "not listed for guest-exec (--exec-allow)";

/** `Deno.Command`'s stdio value for a descriptor number (see the module doc). */
function descriptor(fd: number): Stdio {
  return fd as unknown as Stdio;
}

/**
 * Starts a guest-exec child (see the module doc).
 *
 * @param request What to start.
 * @param searchPath The agent's `PATH` (default: read from the environment).
 * @param allowed When given, the only programs that may start: a candidate of the search that is
 *   not one of them (exactly, as spelled) is refused as `not-listed` without being started.
 * @returns The child, or why it could not start.
 */
export function spawnChild(
  request: SpawnRequest,
  searchPath: string | undefined = agentSearchPath(),
  allowed?: ReadonlySet<string>,
): SpawnOutcome {
  // QEMU's parser keeps a \u0000 as the bytes C0 80, which qemu-ga hands to execve(); a string
  // passed to Deno.Command cannot carry them.
  if (request.path.includes("\0")) return failure(Errno.ENOENT);
  if ([...request.args, ...request.env ?? []].some((s) => s.includes("\0"))) {
    return failure(Errno.EINVAL);
  }
  const env = request.env === undefined ? undefined : environmentRecord(request.env);
  const path = (request.env && pathOfEnvironment(request.env)) ?? searchPath ??
    DEFAULT_SEARCH_PATH;
  const candidates = execCandidates(request.path, path);
  const mode = request.capture;
  let merged: [number, number] | undefined;
  if (mode === "merged") {
    try {
      merged = cloexecPipe();
      setNonBlocking(merged[0]);
    } catch (error) {
      merged?.forEach(closeFd);
      return spawnFailure(error);
    }
  }
  const out: Stdio = mode === "stdout" || mode === "separated" ? "piped" : "null";
  const err: Stdio = mode === "stderr" || mode === "separated" ? "piped" : "null";
  let result: SpawnFailure = failure(Errno.ENOENT);
  let sawEacces = false;
  for (const candidate of candidates) {
    if (candidates.length > 1 && missing(candidate)) continue;
    if (allowed !== undefined && !allowed.has(candidate)) {
      result = { kind: "spawn-failed", reason: "not-listed", text: NOT_LISTED };
      break;
    }
    let child: Deno.ChildProcess;
    try {
      child = new Deno.Command(candidate, {
        args: [...request.args],
        ...(env === undefined ? {} : { env, clearEnv: true }),
        stdin: request.input === undefined ? "null" : "piped",
        stdout: merged ? descriptor(merged[1]) : out,
        stderr: merged ? descriptor(merged[1]) : err,
      }).spawn();
    } catch (error) {
      result = spawnFailure(error);
      const errno = OsError.from(error)?.errno;
      if (errno === Errno.EACCES) sawEacces = true;
      if (result.reason !== "not-capable" && errno !== undefined && SEARCH_CONTINUES.has(errno)) {
        continue;
      }
      break;
    }
    if (merged) closeFd(merged[1]);
    return { kind: "spawned", child: started(child, request, merged?.[0]) };
  }
  merged?.forEach(closeFd);
  return sawEacces && result.reason !== "not-capable" && result.reason !== "not-listed"
    ? failure(Errno.EACCES)
    : result;
}

function started(
  child: Deno.ChildProcess,
  request: SpawnRequest,
  mergedRead: number | undefined,
): SpawnedChild {
  const mode = request.capture;
  return {
    pid: child.pid,
    stdout: mergedRead !== undefined
      ? pipeReadableStream(mergedRead)
      : mode === "stdout" || mode === "separated"
      ? child.stdout
      : null,
    stderr: mode === "stderr" || mode === "separated" ? child.stderr : null,
    exit: waitChild(child).then((r) => r.exit),
    input: request.input === undefined
      ? Promise.resolve(undefined)
      : writeInput(child.stdin, request.input),
  };
}

/** True for an executable that is not a directory (GLib's test, as root sees it). */
function isExecutableFile(path: string): boolean {
  try {
    const mode = statPath(path).mode;
    return (mode & FileType.S_IFMT) !== FileType.S_IFDIR && (mode & 0o111) !== 0;
  } catch {
    return false;
  }
}

/**
 * `g_find_program_in_path(name)` (see `Processes.findProgram`).
 *
 * @param name A program name or path.
 * @param searchPath The agent's `PATH` (default: read from the environment).
 */
export function findProgramInPath(
  name: string,
  searchPath: string | undefined = agentSearchPath(),
): string | undefined {
  if (name.includes("/")) return isExecutableFile(name) ? name : undefined;
  return searchCandidates(name, searchPath ?? DEFAULT_SEARCH_PATH).find(isExecutableFile);
}
