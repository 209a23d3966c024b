/**
 * The audit lines of guest-exec, guest-exec-status and guest-set-user-password compared with
 * Debian's qemu-ga 7.2, which sends them to syslog only: each agent runs in a private mount
 * namespace whose `/dev` is a tmpfs holding `null`, `zero`, `urandom` and `random` from the real
 * `/dev` plus a `/dev/log` datagram socket served by `socat`, and gets the same requests
 * (harmless ones: `/bin/echo`, a missing program, arguments that fail validation or checks).
 * The messages (the text after `info: `) must be equal, in order — except that a `\u0000`, which
 * qemu-ga logs as the raw bytes C0 80, is escaped as `\x00` in qga-deno's log (src/agent/log.ts).
 *
 * Ignored without root (`unshare -m`), the oracle or `socat`.
 *
 * @module
 */

import assert from "node:assert/strict";
import { ORACLE_PATH, oracleArgv, oursArgv, REPO_ROOT } from "../../helpers/agent_process.ts";

async function works(argv: string[]): Promise<boolean> {
  return await new Deno.Command(argv[0]!, { args: argv.slice(1), stdout: "null", stderr: "null" })
    .output().then((o) => o.success, () => false);
}

const READY = await Deno.stat(ORACLE_PATH).then(() => true, () => false) &&
  await works(["unshare", "-m", "true"]) && await works(["socat", "-V"]);

const REQUESTS = [
  '{"execute":"guest-exec","arguments":{"path":"/bin/echo","arg":["a b","","c"]}}',
  '{"execute":"guest-exec","arguments":{"path":"/nonexistent/qga-x","arg":["y"]}}',
  '{"execute":"guest-exec","arguments":{"path":"/bin/echo","input-data":"!!"}}',
  '{"execute":"guest-exec","arguments":{"path":"/bin/echo\\u0000z","arg":["q\\u0000r"]}}',
  '{"execute":"guest-exec-status","arguments":{"pid":-1}}',
  '{"execute":"guest-exec-status","arguments":{"pid":4294967298}}',
  '{"execute":"guest-exec-status","arguments":{"pid":0}}',
  '{"execute":"guest-set-user-password","arguments":{"username":"no:user","password":"eA==",' +
  '"crypted":false}}',
  '{"execute":"guest-ping"}',
];

/** The shell script run in the namespace: private /dev with a syslog socket, agent, requests. */
const SCRIPT = `
set -e
W="$1"; shift
mkdir -p "$W/olddev" "$W/state"
mount --bind /dev "$W/olddev"
mount -t tmpfs none /dev
for n in null zero urandom random; do touch /dev/$n; mount --bind "$W/olddev/$n" /dev/$n; done
socat -u UNIX-RECV:/dev/log,mode=666 CREATE:"$W/syslog" &
LOGGER=$!
for i in $(seq 50); do [ -S /dev/log ] && break; sleep 0.1; done
"$@" &
AGENT=$!
for i in $(seq 100); do [ -S "$W/sock" ] && break; sleep 0.1; done
socat -t2 - UNIX-CONNECT:"$W/sock" < "$W/requests" > "$W/replies"
sleep 0.5
kill $AGENT; wait $AGENT || true
kill $LOGGER || true
`;

/** Runs one agent (argv with `@SOCK@`/`@STATE@`) and returns its audit messages. */
async function auditLines(argv: (sock: string, state: string) => string[]): Promise<string[]> {
  const dir = await Deno.makeTempDir({ prefix: "qga-audit-" });
  try {
    await Deno.writeTextFile(`${dir}/requests`, REQUESTS.join("\n") + "\n");
    await Deno.writeTextFile(`${dir}/empty.conf`, "");
    const output = await new Deno.Command("unshare", {
      args: ["-m", "sh", "-c", SCRIPT, "sh", dir, ...argv(`${dir}/sock`, `${dir}/state`)],
      cwd: REPO_ROOT,
      env: { QGA_CONF: `${dir}/empty.conf` },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(output.success, new TextDecoder().decode(output.stderr));
    const replies = (await Deno.readTextFile(`${dir}/replies`)).trim().split("\n");
    assert.equal(replies.length, REQUESTS.length, replies.join("\n"));
    const log = await Deno.readTextFile(`${dir}/syslog`);
    return [...log.matchAll(/info: (.*?)(?=<\d+>|\0|$)/gs)].map((m) => m[1]!.trim());
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

Deno.test({
  name: "guest-exec, guest-exec-status and guest-set-user-password audit like qemu-ga 7.2",
  ignore: !READY,
  async fn() {
    const oracle = await auditLines((sock, state) => oracleArgv(sock, state));
    const ours = await auditLines((sock, state) => oursArgv(sock, state));
    assert.deepEqual(oracle, [
      'guest-exec called: "/bin/echo a b  c"',
      'guest-exec called: "/nonexistent/qga-x y"',
      'guest-exec called: "/bin/echo\uFFFD\uFFFDz q\uFFFD\uFFFDr"',
      "guest-exec-status called, pid: 4294967295",
      "guest-exec-status called, pid: 2",
      "guest-exec-status called, pid: 0",
      "guest-ping called",
    ]);
    assert.deepEqual(ours, oracle.map((line) => line.replaceAll("\uFFFD\uFFFD", "\\x00")));
  },
});
