/**
 * `parseCommandLine()` beyond the 7.2 oracle cases: the run outcome, qga-deno's extensions
 * (`-c`, `-a`, `--freeze-timeout`, `--max-file-handles`), the leading `--` of `deno task`, and
 * socket activation.
 *
 * @module
 */

import assert from "node:assert/strict";
import type { AgentConfig } from "../../src/config/config.ts";
import {
  parseCommandLine,
  type ParseEnvironment,
  type ParseOutcome,
} from "../../src/config/options.ts";
import { usageText } from "../../src/config/usage.ts";
import { DEFAULT_CONFIG as DEFAULTS } from "./defaults.ts";

const NAMES = ["guest-sync", "guest-ping", "guest-info"];
const VERSION = "QEMU Guest Agent 7.2.22";
const CLOCK = "01:02:03.004";

interface FakeOptions {
  files?: Record<string, string | Error>;
  vars?: Record<string, string>;
  listen?: "unix-listen" | "vsock-listen" | "other";
}

function fake(options: FakeOptions = {}, reads: string[] = []): ParseEnvironment {
  const environment: ParseEnvironment = {
    env: (name) => options.vars?.[name],
    readTextFile(path) {
      reads.push(path);
      const file = options.files?.[path];
      if (file instanceof Error) throw file;
      if (file === undefined) {
        throw new Deno.errors.NotFound(`No such file or directory (os error 2)`);
      }
      return file;
    },
    commandNames: NAMES,
    versionText: () => VERSION,
    pid: 7,
    now: () => new Date(2025, 5, 6, 1, 2, 3, 4),
  };
  const listen = options.listen;
  if (listen) environment.listenSocketMethod = () => listen === "other" ? undefined : listen;
  return environment;
}

function run(argv: string[], options?: FakeOptions): AgentConfig {
  const outcome = parseCommandLine(argv, fake(options));
  assert.equal(outcome.kind, "run", JSON.stringify(outcome));
  return (outcome as Extract<ParseOutcome, { kind: "run" }>).config;
}

function exit(
  argv: string[],
  options?: FakeOptions,
): Omit<ParseOutcome & { kind: "exit" }, "kind"> {
  const outcome = parseCommandLine(argv, fake(options));
  assert.equal(outcome.kind, "exit", JSON.stringify(outcome));
  const { code, stdout, stderr } = outcome as Extract<ParseOutcome, { kind: "exit" }>;
  return { code, stdout, stderr };
}

function critical(text: string): string {
  return `\n** (process:7): CRITICAL **: ${CLOCK}: ${text}\n`;
}

Deno.test("parseCommandLine() returns the defaults to run with", () => {
  const reads: string[] = [];
  const outcome = parseCommandLine([], fake({}, reads));
  assert.deepEqual(outcome, { kind: "run", config: DEFAULTS, stderr: "" });
  assert.deepEqual(reads, ["/etc/qemu/qemu-ga.conf"]);
});

Deno.test("parseCommandLine() fills every field from options", () => {
  const config = run(["-dvr", "-m", "isa-serial", "-l/l", "-f/p", "-F", "-t/t", "-b", "a,b"]);
  assert.deepEqual(config, {
    ...DEFAULTS,
    daemonize: true,
    verbose: true,
    retryPath: true,
    method: "isa-serial",
    channelPath: "/dev/ttyS0",
    logfile: "/l",
    pidfile: "/p",
    fsfreezeHook: "/etc/qemu/fsfreeze-hook",
    statedir: "/t",
    blockRpcs: ["b", "a"],
  });
});

Deno.test("parseCommandLine() drops one leading -- (deno task) but honours a later one", () => {
  assert.equal(run(["--", "-v"]).verbose, true);
  assert.equal(run(["--", "--", "-v"]).verbose, false);
  assert.equal(run(["-v", "--", "-d"]).daemonize, false);
});

Deno.test("parseCommandLine() prints help, version and command names", () => {
  assert.deepEqual(exit(["-h"]), { code: 0, stdout: usageText("qemu-ga", VERSION), stderr: "" });
  assert.deepEqual(exit(["--vers"]), { code: 0, stdout: `${VERSION}\n`, stderr: "" });
  const names = { code: 0, stdout: "guest-sync\nguest-ping\nguest-info\n", stderr: "" };
  assert.deepEqual(exit(["-b", "help"]), names);
  assert.deepEqual(exit(["-a", "?"]), names);
  assert.deepEqual(exit(["--allow-rpcs=help"]), names);
});

Deno.test("parseCommandLine() accumulates allow lists like block lists", () => {
  const files = { "/c": "[general]\nallow-rpcs=x,y\n" };
  const config = run(["-a", "guest-ping,guest-info", "--al", "z"], {
    vars: { QGA_CONF: "/c" },
    files,
  });
  assert.deepEqual(config.allowRpcs, ["y", "x", "guest-info", "guest-ping", "z"]);
  const dump = exit(["-D", "-a", "p,q"]).stdout;
  assert.ok(dump.endsWith("\nblock-rpcs=\nallow-rpcs=q,p\n"));
});

Deno.test("parseCommandLine() reads -c PATH before applying options", () => {
  const files = { "/c": "[general]\nmethod=unix-listen\npath=/s\nverbose=true\n", "/q": "x" };
  const reads: string[] = [];
  const outcome = parseCommandLine(
    ["-m", "isa-serial", "-c", "/c"],
    fake({ files, vars: { QGA_CONF: "/q" } }, reads),
  );
  assert.deepEqual(reads, ["/c"]);
  assert.equal(outcome.kind, "run");
  if (outcome.kind !== "run") return;
  assert.equal(outcome.config.method, "isa-serial");
  assert.equal(outcome.config.channelPath, "/s");
  assert.equal(outcome.config.verbose, true);
  assert.equal(run(["--config=/x", "--con", "/c"], { files }).channelPath, "/s");
});

Deno.test("parseCommandLine() requires the -c file to exist", () => {
  const expected = {
    code: 1,
    stdout: "",
    stderr: critical("error loading configuration from path: /nope, No such file or directory"),
  };
  assert.deepEqual(exit(["-c", "/nope"]), expected);
  assert.deepEqual(exit(["-x", "-c", "/nope"]), expected);
  assert.equal(run([], { vars: { QGA_CONF: "/nope" } }).method, "virtio-serial");
});

Deno.test("parseCommandLine() words file errors like GLib", () => {
  const files = {
    "/p": new Deno.errors.PermissionDenied("Permission denied (os error 13): readfile '/p'"),
  };
  assert.deepEqual(
    exit(["-c", "/p"], { files }).stderr,
    critical("error loading configuration from path: /p, Permission denied"),
  );
});

Deno.test("parseCommandLine() keeps config warnings for the run outcome", () => {
  const files = { "/c": "[general]\nblacklist=guest-ping\n" };
  const outcome = parseCommandLine([], fake({ files, vars: { QGA_CONF: "/c" } }));
  assert.equal(outcome.kind, "run");
  assert.equal(
    outcome.stderr,
    `\n** (process:7): WARNING **: ${CLOCK}: config using deprecated 'blacklist' key, ` +
      "should be replaced with the 'block-rpcs' key.\n",
  );
  if (outcome.kind === "run") assert.deepEqual(outcome.config.blockRpcs, ["guest-ping"]);
});

Deno.test("parseCommandLine() keeps verbose once the config file sets it", () => {
  assert.equal(
    run([], { vars: { QGA_CONF: "/c" }, files: { "/c": "[general]\nverbose=1\n" } }).verbose,
    true,
  );
});

Deno.test("parseCommandLine() takes -F and --fsfreeze-hook= literally", () => {
  assert.equal(run(["-F/x"]).fsfreezeHook, "/x");
  assert.equal(run(["--fsfreeze-hook="]).fsfreezeHook, "");
  assert.equal(run(["--fsfreeze-hook", "/y"]).fsfreezeHook, "/etc/qemu/fsfreeze-hook");
});

Deno.test("parseCommandLine() reads the qga-deno extension options", () => {
  const config = run(["--max-file-handles=10", "--freeze-timeout", "30"]);
  assert.equal(config.maxFileHandles, 10);
  assert.equal(config.freezeTimeoutSeconds, 30);
  assert.equal(run(["--ma", "5", "--fr=2"]).maxFileHandles, 5);
  assert.equal(run(["--m", "isa-serial"]).method, "isa-serial");
  assert.equal(run(["--f"]).fsfreezeHook, "/etc/qemu/fsfreeze-hook");
  assert.equal(run([]).freezeTimeoutSeconds, undefined);
});

Deno.test("parseCommandLine() rejects bad extension values", () => {
  for (const value of ["0", "x", "", "-1", "1.5", "2147483648", " 3"]) {
    assert.deepEqual(exit([`--max-file-handles=${value}`]), {
      code: 1,
      stdout: "",
      stderr: "qemu-ga: option '--max-file-handles' expects a whole number from 1 to " +
        `2147483647, not '${value}'\n`,
    });
  }
  assert.equal(exit(["--freeze-timeout=0"]).code, 1);
  assert.equal(
    exit(["--freeze-timeout"]).stderr,
    "qemu-ga: option '--freeze-timeout' requires an argument\n",
  );
});

Deno.test("parseCommandLine() lets an unsupported method through like 7.2", () => {
  const config = run(["-m", "bogus", "-p", "/x"]);
  assert.equal(config.unsupportedMethod, "bogus");
  assert.equal(config.channelPath, "/x");
  assert.deepEqual(exit(["-m", "bogus"]), {
    code: 1,
    stdout: "",
    stderr: critical("must specify a path for this channel"),
  });
});

Deno.test("parseCommandLine() applies socket activation when asked to", () => {
  const vars = { LISTEN_PID: "7", LISTEN_FDS: "1" };
  const config = run(["-m", "isa-serial", "-p", "/x"], { vars, listen: "vsock-listen" });
  assert.deepEqual(config, {
    ...DEFAULTS,
    method: "vsock-listen",
    channelPath: "",
    socketActivated: true,
  });
  const dump = exit(["-D", "-m", "bogus"], { vars, listen: "unix-listen" }).stdout;
  assert.ok(dump.startsWith("[general]\ndaemon=false\nmethod=unix-listen\npidfile="));
  assert.deepEqual(exit([], { vars, listen: "other" }), {
    code: 1,
    stdout: "",
    stderr: critical("unsupported listen fd type"),
  });
  assert.deepEqual(exit([], { vars: { ...vars, LISTEN_FDS: "2" }, listen: "unix-listen" }), {
    code: 1,
    stdout: "",
    stderr: critical("qemu-ga only supports listening on one socket"),
  });
  assert.equal(
    run([], { vars: { ...vars, LISTEN_PID: "8" }, listen: "unix-listen" }).socketActivated,
    undefined,
  );
  assert.equal(run([], { vars }).socketActivated, undefined);
});

Deno.test("parseCommandLine(): the confined profiles default to a state directory of their own", () => {
  for (const profile of ["files", "readonly"]) {
    const config = run([`--profile=${profile}`]);
    assert.equal(config.statedir, "/run/qga-deno");
    assert.equal(config.pidfile, "/run/qga-deno/qemu-ga.pid");
    assert.equal(run([`--profile=${profile}`, "-t", "/x"]).statedir, "/x");
  }
  assert.equal(run([]).statedir, "/var/run");
  assert.equal(run(["--profile=full"]).pidfile, "/var/run/qemu-ga.pid");
});

Deno.test("parseCommandLine(): the first --profile fixes it; a task's -- after it is dropped", () => {
  assert.equal(run(["--profile=files", "--", "-v"]).verbose, true);
  assert.equal(run(["--profile=files", "--profile=files"]).profile, "files");
  const changed = exit(["--profile=files", "--profile=full"]);
  assert.equal(changed.code, 1);
  assert.match(changed.stderr, /built for profile 'files'; '--profile=full' cannot change it/);
  assert.match(exit(["--profile=root"]).stderr, /unknown profile 'root'/);
  assert.match(exit(["--json"]).stderr, /'--json' goes with '--print-policy'/);
  assert.equal(run(["--print-policy", "--json"]).printPolicy, "json");
  const conf = { vars: { QGA_CONF: "/c" }, files: { "/c": "[general]\nprofile=full\n" } };
  assert.match(exit(["--profile=files"], conf).stderr, /config file names profile 'full'/);
});

Deno.test("parseCommandLine(): --file-root and --exec-allow replace the config's lists", () => {
  const conf = {
    vars: { QGA_CONF: "/c" },
    files: { "/c": "[general]\nfile-roots=/a,/b:ro\nexec-allow=/x,/y\n" },
  };
  assert.deepEqual(run([], conf).fileRoots, ["/a", "/b:ro"]);
  assert.deepEqual(run([], conf).execAllow, ["/x", "/y"]);
  const cli = run(["--file-root=/c", "--file-root=/d:ro", "--exec-allow=/p,/q"], conf);
  assert.deepEqual(cli.fileRoots, ["/c", "/d:ro"]);
  assert.deepEqual(cli.execAllow, ["/p", "/q"]);
});
