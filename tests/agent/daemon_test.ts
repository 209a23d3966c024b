/**
 * `-d` / `--daemonize` and the pidfile (`src/agent/daemon.ts`): unit tests of the pidfile, and
 * end-to-end runs of the real agent compared with what Debian's qemu-ga 7.2 was observed to do.
 *
 * @module
 */

import assert from "node:assert/strict";
import { splitCmdline } from "../../src/sys/self_process.ts";
import {
  deferPidfile,
  deferredPidfile,
  PidfileError,
  removePidfile,
  writeDeferredPidfile,
  writePidfile,
} from "../../src/agent/pidfile.ts";
import { Logger } from "../../src/agent/log.ts";
import { acceptsConnections, agentArgv, exchangeOnce } from "../helpers/agent_process.ts";
import { sleep, waitFor } from "../helpers/async.ts";
import { type ExitResult, runToExit, socketActivatedArgv } from "../helpers/proc.ts";
import { existsNoFollow } from "../helpers/fs.ts";

/** What `deno task start` runs. */
const AGENT = agentArgv([]);
/** The same with an env list lacking the marker (overrides deno.json's list). */
const AGENT_WITHOUT_MARKER = agentArgv([], { permissions: ["-P", "--allow-env=QGA_CONF"] });

const LOCK_ERROR = "critical: Cannot lock pid file: Resource temporarily unavailable";
const TIMEOUT_MS = 15_000;

const enc = new TextEncoder();
const dec = new TextDecoder();

function readText(path: string): string | undefined {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return undefined;
  }
}

/** Fields of /proc/<pid>/stat after the command name: state, ppid, pgrp, session. */
function procStat(pid: number): { state: string; ppid: number; pgrp: number; sid: number } | null {
  const text = readText(`/proc/${pid}/stat`);
  if (text === undefined) return null;
  const [state, ppid, pgrp, sid] = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return { state: state!, ppid: Number(ppid), pgrp: Number(pgrp), sid: Number(sid) };
}

/** True while `pid` runs (a zombie counts as gone: the init here may not reap orphans). */
function alive(pid: number): boolean {
  const stat = procStat(pid);
  return stat !== null && stat.state !== "Z" && stat.state !== "X";
}

/** Pids of running processes whose command line contains `needle` (a unique temp path). */
function processesWith(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    const cmdline = readText(`/proc/${entry.name}/cmdline`);
    if (cmdline?.includes(needle) && alive(Number(entry.name))) pids.push(Number(entry.name));
  }
  return pids;
}

/** Kills every agent still running from `dir` (matched by command line, so never a reused pid). */
function killLeftovers(dir: string): void {
  for (const pid of processesWith(dir)) {
    try {
      Deno.kill(pid, "SIGKILL");
    } catch {
      // Already gone.
    }
  }
}

/**
 * Runs a launcher to completion: its exit and the end of its stdout/stderr (which the daemon
 * shares until it has detached). Fails after TIMEOUT_MS, killing the launcher.
 */
function launch(argv: string[], extra: string[]): Promise<ExitResult> {
  return runToExit([...argv, ...extra], { timeoutMs: TIMEOUT_MS });
}

function ping(socket: string): Promise<string> {
  return exchangeOnce(socket, '{"execute":"guest-ping"}', 5000);
}

function agentOptions(dir: string, name: string, extra: string[] = []): string[] {
  return ["-d", "-m", "unix-listen", "-p", `${dir}/${name}.sock`, "-t", `${dir}/state`, ...extra];
}

/** A logger collecting lines (every level). */
function collectingLogger(): { log: Logger; lines: string[] } {
  const lines: string[] = [];
  return { log: new Logger((line) => lines.push(line), true), lines };
}

Deno.test("splitCmdline() splits /proc/self/cmdline and keeps empty arguments", () => {
  const bytes = enc.encode("deno\0run\0\0-p\0x y\0");
  assert.deepEqual(splitCmdline(bytes).map((b) => dec.decode(b)), ["deno", "run", "", "-p", "x y"]);
  assert.deepEqual(splitCmdline(new Uint8Array()), []);
});

Deno.test("writePidfile() creates a 0600 file with '<pid>\\n', truncating and locking it", () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/agent.pid`;
  Deno.writeTextFileSync(path, "123456789012\n");
  Deno.chmodSync(path, 0o644);
  try {
    writePidfile(path, 4242);
    // Checked before anything in this process opens the file: closing any descriptor of a file
    // drops the process's fcntl locks on it.
    const inode = Deno.statSync(path).ino;
    const locks = Deno.readTextFileSync("/proc/locks").split("\n");
    assert.ok(
      locks.some((l) =>
        / POSIX +ADVISORY +WRITE /.test(l) && l.includes(` ${Deno.pid} `) &&
        l.includes(`:${inode} 0 EOF`)
      ),
      `no fcntl write lock of ${Deno.pid} on inode ${inode}`,
    );
    assert.equal(Deno.readTextFileSync(path), "4242\n");
    // An existing file keeps its mode (as qemu-ga); a new one is created 0600.
    assert.equal(Deno.statSync(path).mode! & 0o777, 0o644);
    removePidfile();
    assert.equal(existsNoFollow(path), false);
    writePidfile(`${dir}/fresh.pid`, 7);
    assert.equal(Deno.readTextFileSync(`${dir}/fresh.pid`), "7\n");
    assert.equal(Deno.statSync(`${dir}/fresh.pid`).mode! & 0o777, 0o600);
  } finally {
    removePidfile();
  }
  assert.equal(existsNoFollow(`${dir}/fresh.pid`), false);
});

Deno.test("writePidfile() fails with qemu-ga's message when the file cannot be created", () => {
  const path = `${Deno.makeTempDirSync()}/missing/agent.pid`;
  assert.throws(() => writePidfile(path), (error: unknown) => {
    assert.ok(error instanceof PidfileError);
    assert.equal(error.message, `Could not create '${path}': No such file or directory`);
    return true;
  });
});

Deno.test("writeDeferredPidfile() writes a deferred pidfile once, and only warns on failure", () => {
  const dir = Deno.makeTempDirSync();
  const { log, lines } = collectingLogger();
  try {
    writeDeferredPidfile(log);
    assert.deepEqual(lines, []);
    deferPidfile(`${dir}/missing/agent.pid`);
    writeDeferredPidfile(log);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /: warning: Could not create '.*\/missing\/agent\.pid': No such file/);
    assert.equal(deferredPidfile(), undefined);
    deferPidfile(`${dir}/agent.pid`);
    writeDeferredPidfile(log);
    writeDeferredPidfile(log);
    assert.equal(Deno.readTextFileSync(`${dir}/agent.pid`), `${Deno.pid}\n`);
    assert.equal(lines.length, 1);
  } finally {
    removePidfile();
  }
});

Deno.test({
  name:
    "-d: the launcher exits 0, the daemon detaches, holds the pidfile, serves, quits on SIGTERM",
  async fn() {
    const dir = await Deno.makeTempDir();
    await Deno.mkdir(`${dir}/state`);
    const pidfile = `${dir}/agent.pid`;
    try {
      const started = Date.now();
      const first = await launch(
        AGENT,
        agentOptions(dir, "a", ["-f", pidfile, "-l", `${dir}/a.log`]),
      );
      assert.equal(first.code, 0, first.stderr);
      assert.equal(first.stdout + first.stderr, "");
      assert.ok(Date.now() - started < 10_000, "the launcher should exit quickly");

      // The pidfile: `<daemon pid>\n`, mode 0600, written by a process other than the launcher.
      assert.ok(
        await waitFor(() => /^\d+\n$/.test(readText(pidfile) ?? ""), TIMEOUT_MS),
        "no pidfile",
      );
      const text = readText(pidfile)!;
      const pid = Number(text.trim());
      assert.notEqual(pid, first.pid);
      assert.equal(Deno.statSync(pidfile).mode! & 0o777, 0o600);

      assert.ok(
        await waitFor(() => acceptsConnections(`${dir}/a.sock`), TIMEOUT_MS),
        "the daemon does not listen",
      );
      assert.equal(await ping(`${dir}/a.sock`), '{"return": {}}\n');

      // Detached: session and group leader, re-parented, in `/`, umask 077, stdio on /dev/null.
      const stat = procStat(pid)!;
      assert.equal(stat.sid, pid);
      assert.equal(stat.pgrp, pid);
      assert.notEqual(stat.ppid, first.pid);
      assert.equal(Deno.readLinkSync(`/proc/${pid}/cwd`), "/");
      assert.match(readText(`/proc/${pid}/status`)!, /^Umask:\t0077$/m);
      for (const fd of [0, 1, 2]) {
        assert.equal(Deno.readLinkSync(`/proc/${pid}/fd/${fd}`), "/dev/null");
      }
      assert.equal(Deno.statSync(`${dir}/a.sock`).mode! & 0o077, 0, "socket made under umask 077");
      assert.equal(Deno.statSync(`${dir}/a.log`).mode! & 0o777, 0o600, "log file, umask 077");

      // A second agent on the same pidfile: its launcher still exits 0; its daemon reports the
      // lock on the launcher's stderr (before it detaches, as qemu-ga 7.2) and exits; the
      // pidfile is untouched and the log file, opened only after daemonizing, never created.
      const second = await launch(
        AGENT,
        agentOptions(dir, "b", ["-f", pidfile, "-l", `${dir}/second.log`]),
      );
      assert.equal(second.code, 0, second.stderr);
      assert.match(second.stderr, new RegExp(`^\\d+\\.\\d{6}: ${LOCK_ERROR}\\n$`));
      assert.equal(readText(pidfile), text);
      assert.equal(existsNoFollow(`${dir}/second.log`), false);
      assert.equal(existsNoFollow(`${dir}/b.sock`), false);
      assert.ok(
        await waitFor(() => processesWith(`${dir}/b.sock`).length === 0, TIMEOUT_MS),
        "2nd daemon",
      );
      assert.ok(alive(pid));

      // SIGTERM: the daemon exits and removes its pidfile.
      Deno.kill(pid, "SIGTERM");
      assert.ok(await waitFor(() => !alive(pid), TIMEOUT_MS), "the daemon ignored SIGTERM");
      assert.equal(existsNoFollow(pidfile), false);
    } finally {
      killLeftovers(dir);
    }
  },
});

Deno.test("-d: starting frozen defers the pidfile but still detaches", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/state`);
  await Deno.writeFile(`${dir}/state/qga.state.isfrozen`, new Uint8Array());
  const pidfile = `${dir}/agent.pid`;
  try {
    const launched = await launch(AGENT, agentOptions(dir, "f", ["-f", pidfile]));
    assert.equal(launched.code, 0, launched.stderr);
    assert.ok(
      await waitFor(() => acceptsConnections(`${dir}/f.sock`), TIMEOUT_MS),
      "the daemon does not listen",
    );
    assert.equal(await ping(`${dir}/f.sock`), '{"return": {}}\n');
    const [pid, ...others] = processesWith(`${dir}/f.sock`);
    assert.ok(pid !== undefined && others.length === 0);
    assert.equal(procStat(pid)!.sid, pid);
    assert.equal(Deno.readLinkSync(`/proc/${pid}/cwd`), "/");
    assert.equal(existsNoFollow(pidfile), false);
  } finally {
    killLeftovers(dir); // frozen, the agent ignores SIGTERM
  }
});

Deno.test("-d: the launcher exits 0 even when the daemon fails later (missing statedir)", async () => {
  const dir = await Deno.makeTempDir();
  const pidfile = `${dir}/agent.pid`;
  try {
    const launched = await launch(AGENT, agentOptions(dir, "m", ["-f", pidfile]));
    assert.equal(launched.code, 0, launched.stderr);
    assert.equal(launched.stderr, "");
    assert.ok(
      await waitFor(() => processesWith(`${dir}/m.sock`).length === 0, TIMEOUT_MS),
      "daemon stays",
    );
    // qemu-ga 7.2 likewise writes the pidfile first and removes it when initialization fails.
    assert.equal(existsNoFollow(pidfile), false);
    assert.equal(existsNoFollow(`${dir}/m.sock`), false);
  } finally {
    killLeftovers(dir);
  }
});

Deno.test("-d: refuses (exit 1) when the marker variable may not be read", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/state`);
  try {
    const launched = await launch(AGENT_WITHOUT_MARKER, agentOptions(dir, "r", ["-f", `${dir}/p`]));
    assert.equal(launched.code, 1);
    assert.match(
      launched.stderr,
      /critical: failed to daemonize: the environment variable QGA_DENO_DAEMON_CHILD must be allowed/,
    );
    await sleep(300);
    assert.deepEqual(processesWith(dir), []);
  } finally {
    killLeftovers(dir);
  }
});

Deno.test("-d: the daemon serves a socket-activated launcher's fd 3", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.mkdir(`${dir}/state`);
  const socket = `${dir}/activated.sock`;
  const pidfile = `${dir}/agent.pid`;
  try {
    const launched = await launch(socketActivatedArgv(socket, AGENT), [
      "-d",
      "-t",
      `${dir}/state`,
      "-f",
      pidfile,
      "-m",
      "virtio-serial",
      "-p",
      `${dir}/no-such-port`,
    ]);
    assert.equal(launched.code, 0, launched.stderr);
    assert.ok(
      await waitFor(() => /^\d+\n$/.test(readText(pidfile) ?? ""), TIMEOUT_MS),
      "no pidfile",
    );
    assert.equal(await ping(socket), '{"return": {}}\n');
    const pid = Number(readText(pidfile)!.trim());
    Deno.kill(pid, "SIGTERM");
    assert.ok(await waitFor(() => !alive(pid), TIMEOUT_MS), "the daemon ignored SIGTERM");
    assert.equal(existsNoFollow(pidfile), false);
  } finally {
    killLeftovers(dir);
  }
});
