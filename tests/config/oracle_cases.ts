/**
 * Cases where qga-deno must behave exactly like Debian's qemu-ga 7.2, and helpers to run them
 * against the real binary (the oracle) and against `parseCommandLine()`.
 *
 * Every case runs as `qemu-ga -D <args>`: `-D` first means the oracle never opens a channel.
 * Outputs are normalised (pid, clock, temp dir) so recordings are stable.
 *
 * @module
 */

import { denoParseEnvironment } from "../../src/config/deno_environment.ts";
import { parseCommandLine } from "../../src/config/options.ts";

/** Where the config file of a case comes from. */
export type ConfSource =
  | { text: string }
  | { special: "missing" | "directory" | "/dev/null" };

/** One comparison case. */
export interface OracleCase {
  name: string;
  args: string[];
  conf?: ConfSource;
}

/** What a run printed and returned, normalised. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The oracle binary. */
export const ORACLE = "/usr/sbin/qemu-ga";
/** The recording of {@linkcode ORACLE_CASES} (plus `-V` and `-b help`). */
export const RECORDING = new URL("../fixtures/config/oracle_7_2.json", import.meta.url);

function c(text: string): ConfSource {
  return { text };
}

const UPSTREAM_CONF = "[general]\ndaemon=false\nmethod=virtio-serial\n" +
  "path=/path/to/org.qemu.guest_agent.0\npidfile=/var/foo/qemu-ga.pid\n" +
  "statedir=/var/state\nverbose=true\nblock-rpcs=guest-ping;guest-get-time\n";

/** The table. Names are unique; keep additions 7.2-compatible (no -a, -c, extensions). */
export const ORACLE_CASES: OracleCase[] = [
  { name: "defaults", args: [] },
  { name: "abbreviated --verb", args: ["--verb"] },
  { name: "clustered and attached short options", args: ["-vdr", "-mvirtio-serial", "-p/x"] },
  { name: "separate short arguments", args: ["-l", "/log", "-f/pid", "-F", "-t", "/st"] },
  {
    name: "long options both ways",
    args: ["--method=isa-serial", "--path", "/dev/ttyS1", "--logfile=/l", "--pidfile", "/p"],
  },
  { name: "more long options", args: ["--statedir=/s", "--daemonize", "--retry-path"] },
  { name: "abbreviations", args: ["--pidf", "/x", "--st=/q", "--da", "--ret", "--fs=/h"] },
  { name: "-F attached", args: ["-F/x"] },
  { name: "-F takes the rest of a cluster", args: ["-vFv"] },
  { name: "--fsfreeze-hook does not take the next word", args: ["--fsfreeze-hook", "/y"] },
  { name: "--fsfreeze-hook=PATH", args: ["--fsfreeze-hook=/z"] },
  { name: "--fsfreeze-hook= empty", args: ["--fsfreeze-hook="] },
  { name: "-b lists reverse", args: ["-b", "guest-ping,guest-get-time", "-b", "guest-info"] },
  { name: "-b trailing comma", args: ["-b", "a,"] },
  { name: "-b empty and commas", args: ["-b", "", "-b", ",,"] },
  { name: "--blacklist and --b", args: ["--blacklist", "x", "--block-rpcs=y,z", "--b", "w"] },
  { name: "-b help", args: ["-b", "help"] },
  { name: "-b?", args: ["-b?"] },
  { name: "--blacklist=help", args: ["--blacklist=help"] },
  { name: "-b help before a bad option", args: ["-bhelp", "-x"] },
  { name: "-V", args: ["-V"] },
  { name: "-V before a bad option", args: ["-V", "-x"] },
  { name: "bad option before -V", args: ["-x", "-V"] },
  { name: "unrecognized long option", args: ["--bogus"] },
  { name: "unrecognized long option with value", args: ["--bogus=1"] },
  { name: "invalid short option", args: ["-x"] },
  { name: "missing short argument", args: ["-m"] },
  { name: "missing long argument", args: ["--method"] },
  { name: "missing argument of abbreviation", args: ["--b"] },
  { name: "argument to --help", args: ["--help=x"] },
  { name: "empty argument to --verbose", args: ["--verbose="] },
  { name: "ambiguous --d", args: ["--d"] },
  { name: "ambiguous --p=a", args: ["--p=a"] },
  { name: "invalid option in a cluster", args: ["-vx"] },
  { name: "missing argument in a cluster", args: ["-vb"] },
  { name: "-W is not special", args: ["-W", "foo"] },
  { name: "-: is invalid", args: ["-:"] },
  { name: "words are skipped and -- ends options", args: ["foo", "-v", "--", "-d", "-x"] },
  { name: "a lone - is a word", args: ["-", "-t"] },
  { name: "-s ARG is ignored on Linux", args: ["-s", "foo"] },
  { name: "required argument may start with -", args: ["-p", "-v"] },
  { name: "unix-listen needs a path", args: ["-m", "unix-listen"] },
  { name: "vsock-listen needs a path", args: ["-m", "vsock-listen"] },
  { name: "unix-listen with path", args: ["-m", "unix-listen", "-p", "/tmp/sock"] },
  { name: "vsock-listen with address", args: ["-m", "vsock-listen", "-p", "3:1234"] },
  { name: "isa-serial default path", args: ["-m", "isa-serial"] },
  { name: "unknown method without path", args: ["-m", "bogus"] },
  { name: "unknown method with path", args: ["-m", "bogus", "-p", "/x"] },
  { name: "empty method", args: ["--method="] },
  { name: "empty path", args: ["--path="] },
  { name: "escaped values", args: ["-p", " lead\ttab\\ x", "-l", "\tt", "-f", "a\nb\rc"] },
  { name: "upstream config test (#21)", args: [], conf: c(UPSTREAM_CONF) },
  { name: "conf: bad boolean", args: [], conf: c("[general]\ndaemon=maybe\n") },
  { name: "conf: garbage line", args: [], conf: c("garbage\n") },
  {
    name: "conf: several bad values",
    args: [],
    conf: c("[general]\ndaemon=maybe\npath=\\x\nverbose=yes\nretry-path=xx\n"),
  },
  { name: "conf: blacklist wins", args: [], conf: c("[general]\nblacklist=a,b\nblock-rpcs=c\n") },
  {
    name: "conf: lists accumulate",
    args: ["-b", "x,y", "-b", "z"],
    conf: c("[general]\nblock-rpcs=a,b,c\n"),
  },
  { name: "conf: verbose", args: [], conf: c("[general]\nverbose=true\n") },
  { name: "conf: -v wins over verbose=false", args: ["-v"], conf: c("[general]\nverbose=false\n") },
  { name: "conf: verbose=yes", args: [], conf: c("[general]\nverbose=yes\n") },
  { name: "conf: verbose=0", args: [], conf: c("[general]\nverbose=0\n") },
  {
    name: "conf: whitespace and comments",
    args: [],
    conf: c("# c\n\n  [general]  \n  daemon = 1  \n\t# x\nretry-path=true \t \npath = /p \n"),
  },
  {
    name: "conf: value keeps trailing space",
    args: [],
    conf: c("[general]\nmethod = isa-serial \n"),
  },
  { name: "conf: key before group", args: [], conf: c("x=1\n") },
  { name: "conf: unclosed group", args: [], conf: c("[general\n") },
  { name: "conf: text after group", args: [], conf: c("[gen]eral]\n") },
  { name: "conf: empty group name", args: [], conf: c("[]\n") },
  { name: "conf: bad group name", args: [], conf: c("[a[b]\n") },
  { name: "conf: line starting with =", args: [], conf: c("[general]\n=a\n") },
  { name: "conf: indented =", args: [], conf: c("[general]\n =a\n") },
  { name: "conf: space in key", args: [], conf: c("[general]\nk ey=a\nkey =a\n") },
  { name: "conf: bad key name", args: [], conf: c("[general]\nk[x=a\n") },
  { name: "conf: key in brackets", args: [], conf: c("[general]\n[x]=1\n") },
  { name: "conf: tab in group name", args: [], conf: c("[a\tb]\n") },
  { name: "conf: Encoding with trailing space", args: [], conf: c("[general]\nEncoding=UTF-8 \n") },
  { name: "conf: locale key", args: [], conf: c("[general]\npath[de]=a\n") },
  { name: "conf: key ending in space before [", args: [], conf: c("[general]\nab [de]=a\n") },
  { name: "conf: escapes", args: [], conf: c("[general]\npath=a\\\\b\\sc\\td\\ne\\rf\\s\n") },
  { name: "conf: leading escapes", args: [], conf: c("[general]\npath=\\s\\ta b\n") },
  { name: "conf: trailing backslash", args: [], conf: c("[general]\npath=ab\\\n") },
  {
    name: "conf: duplicate keys and groups",
    args: [],
    conf: c("[general]\npath=a\npath=b\n[other]\npath=c\n[general]\nlogfile=l\n"),
  },
  { name: "conf: bad Encoding", args: [], conf: c("[general]\nEncoding=latin1\n") },
  { name: "conf: Encoding outside first group", args: [], conf: c("[x]\n[general]\nEncoding=x\n") },
  { name: "conf: Encoding utf-8", args: [], conf: c("[general]\nEncoding=utf-8\n") },
  { name: "conf: CRLF", args: [], conf: c("[general]\r\ndaemon=true\r\npath=/c\r\n") },
  { name: "conf: no final newline", args: [], conf: c("[general]\npath=/n") },
  { name: "conf: CR at end of file", args: [], conf: c("[general]\npath=/n\r") },
  { name: "conf: byte order mark", args: [], conf: c("\ufeff[general]\n") },
  { name: "conf: non-ASCII line", args: [], conf: c("[general]\nnon ascii ü\n") },
  ...["t", "", "TRUE", "1 ", "true \t ", "00"].map((value): OracleCase => ({
    name: `conf: boolean '${value}'`,
    args: [],
    conf: c(`[general]\nretry-path=${value}\n`),
  })),
  {
    name: "conf: options override",
    args: ["-m", "virtio-serial", "-p", "/b", "-l", "/l2"],
    conf: c(
      "[general]\nmethod=isa-serial\npath=/a\nlogfile=/l\npidfile=/p\nstatedir=/s\n" +
        "fsfreeze-hook=/h\ndaemon=true\nretry-path=true\n",
    ),
  },
  { name: "conf: empty values", args: [], conf: c("[general]\npath=\nlogfile=\nmethod=\n") },
  { name: "conf: errors before option errors", args: ["--bogus"], conf: c("garbage\n") },
  { name: "conf: errors before -V", args: ["-V"], conf: c("garbage\n") },
  { name: "conf: warning and -V", args: ["-V"], conf: c("[general]\nblacklist=\n") },
  { name: "conf: warning and bad option", args: ["-x"], conf: c("[general]\nblacklist=\n") },
  { name: "conf: missing file is fine", args: [], conf: { special: "missing" } },
  { name: "conf: directory", args: [], conf: { special: "directory" } },
  { name: "conf: /dev/null", args: [], conf: { special: "/dev/null" } },
];

/**
 * Writes the config file of a case (if any) and returns the `QGA_CONF` value to use.
 *
 * @param item The case.
 * @param dir A scratch directory.
 * @param index A number unique to the case within `dir`.
 * @returns The path for `QGA_CONF` (always set, so `/etc/qemu/qemu-ga.conf` is never read).
 */
export function prepareConf(item: OracleCase, dir: string, index: number): string {
  const conf = item.conf ?? { special: "missing" };
  if ("text" in conf) {
    const path = `${dir}/case${index}.conf`;
    Deno.writeTextFileSync(path, conf.text);
    return path;
  }
  if (conf.special === "missing") return `${dir}/missing${index}.conf`;
  return conf.special === "directory" ? dir : "/dev/null";
}

/**
 * Makes outputs comparable: `(process:<pid>)`, the GLib clock and the scratch dir are replaced.
 *
 * @param text Raw output.
 * @param dir The scratch directory.
 * @returns The normalised text.
 */
export function normalize(text: string, dir: string): string {
  return text.replaceAll(dir, "@TMP@")
    .replace(/\(process:\d+\)/g, "(process:PID)")
    .replace(/ \*\*: \d\d:\d\d:\d\d\.\d\d\d: /g, " **: HH:MM:SS.mmm: ");
}

/**
 * Runs the oracle as `qemu-ga -D <args>` with only `QGA_CONF` in its environment.
 *
 * @param args The case arguments.
 * @param qgaConf The `QGA_CONF` value.
 * @returns Exit status and raw outputs.
 */
export async function runOracle(args: string[], qgaConf: string): Promise<RunResult> {
  return await runAsQemuGa(["-D", ...args], qgaConf);
}

/**
 * Runs the oracle as `qemu-ga -h` with only `QGA_CONF` in its environment.
 *
 * @param qgaConf The `QGA_CONF` value.
 * @returns The usage text it prints.
 */
export async function oracleHelp(qgaConf: string): Promise<string> {
  return (await runAsQemuGa(["-h"], qgaConf)).stdout;
}

/** Runs the oracle with argv[0] `qemu-ga` and only `QGA_CONF` in its environment. */
async function runAsQemuGa(args: string[], qgaConf: string): Promise<RunResult> {
  const output = await new Deno.Command("/bin/bash", {
    args: ["-c", `exec -a qemu-ga ${ORACLE} "$@"`, "qemu-ga", ...args],
    env: { QGA_CONF: qgaConf },
    clearEnv: true,
    stdin: "null",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/**
 * Runs `parseCommandLine(["-D", ...args])` with the real file reader and only `QGA_CONF` set.
 *
 * @param args The case arguments.
 * @param qgaConf The `QGA_CONF` value.
 * @param identity The version line and command names to report.
 * @returns Exit status and outputs (a `run` outcome, which `-D` rules out, is an error).
 */
export function runOurs(
  args: string[],
  qgaConf: string,
  identity: { versionText: string; commandNames: readonly string[] },
): RunResult {
  const environment = {
    ...denoParseEnvironment({
      commandNames: identity.commandNames,
      versionText: () => identity.versionText,
    }),
    env: (name: string) => name === "QGA_CONF" ? qgaConf : undefined,
    pid: 4242,
    now: () => new Date(2025, 0, 2, 3, 4, 5, 6),
  };
  const outcome = parseCommandLine(["-D", ...args], environment);
  if (outcome.kind === "run") throw new Error("-D must never lead to running the agent");
  return { code: outcome.code, stdout: outcome.stdout, stderr: outcome.stderr };
}
