/**
 * `-l LOGFILE` (spec §3.1, §3.10) through the real agent (`startOurs`): with `-v` the
 * file receives qemu-ga-format lines `<sec>.<usec>: <level>: <msg>`, appended to what was there;
 * a log file that cannot be opened is fatal with qemu-ga's text, compared with Debian's qemu-ga
 * 7.2 where installed (7.2 exits 0 on that failure, upstream and qga-deno exit 1: spec §3.4).
 *
 * @module
 */

import assert from "node:assert/strict";
import { ORACLE_PATH, oracleArgv, oursArgv, startOurs } from "../helpers/agent_process.ts";
import { LOG_LINE, logLines, runToExit } from "../helpers/proc.ts";

const oracleInstalled = await Deno.stat(ORACLE_PATH).then(() => true, () => false);
const decoder = new TextDecoder();

Deno.test("-l LOGFILE with -v appends qemu-ga-format log lines to the file", async () => {
  const dir = await Deno.makeTempDir();
  const socket = `${dir}/qga.sock`;
  const logfile = `${dir}/qga.log`;
  await Deno.writeTextFile(logfile, "kept from before\n");
  const agent = await startOurs(socket, dir, ["-l", logfile, "-v"]);
  try {
    const client = await agent.connect();
    const { reply } = await client.exchange(`{"execute":"guest-ping"}`);
    assert.equal(decoder.decode(reply), `{"return": {}}\n`);
    await client.close();
  } finally {
    assert.equal((await agent.stop()).code, 0);
  }
  // As qemu-ga: the start-up line is logged before the log file is opened, so it goes to stderr.
  const [, stderr] = agent.output().split("--- stderr ---\n");
  assert.match(stderr!, /^\d+\.\d{6}: debug: Guest agent version [^\n]* started\n$/);
  const [first, ...lines] = (await Deno.readTextFile(logfile)).trimEnd().split("\n");
  assert.equal(first, "kept from before");
  assert.ok(lines.length > 3, `too few log lines: ${lines.join("\n")}`);
  for (const line of lines) assert.match(line, LOG_LINE);
  const messages = logLines(lines.join("\n"));
  assert.ok(messages.some((m) => m.startsWith("debug: read data, count: ")), messages.join("\n"));
  assert.equal(messages.at(-1), "debug: received signal num 15, quitting");
});

for (
  const [what, path, reason] of [
    ["in a missing directory", "missing/qga.log", "No such file or directory"],
    ["that is a directory", ".", "Is a directory"],
  ] as const
) {
  Deno.test(`-l with a log file ${what} logs qemu-ga's critical text and exits 1`, async () => {
    const dir = await Deno.makeTempDir();
    const logfile = `${dir}/${path}`;
    const socket = `${dir}/qga.sock`;
    const expected = [
      `critical: unable to open specified log file: ${reason}`,
      "critical: error initializing guest agent",
    ];
    const ours = await runToExit(oursArgv(socket, dir, ["-l", logfile]), { timeoutMs: 10_000 });
    for (const line of ours.stderr.trimEnd().split("\n")) assert.match(line, LOG_LINE);
    assert.deepEqual(logLines(ours.stderr), expected);
    assert.equal(ours.code, 1);
    if (oracleInstalled) {
      const argv = oracleArgv(`${dir}/oracle.sock`, dir, ["-l", logfile]);
      const oracle = await runToExit(argv, { timeoutMs: 10_000 });
      assert.deepEqual(logLines(oracle.stderr), expected);
      assert.equal(oracle.code, 0, "Debian's 7.2 exits 0 here (upstream: 1)");
    }
  });
}

Deno.test("a path with a newline or a NUL cannot forge or cut a log line (audit escaped)", async () => {
  const dir = await Deno.makeTempDir();
  const socket = `${dir}/qga.sock`;
  const logfile = `${dir}/qga.log`;
  const agent = await startOurs(socket, dir, ["-l", logfile, "-v"]);
  const path = `${dir}/x\n1764000000.000000: critical: forged\u0000cut\\`;
  try {
    const client = await agent.connect();
    await client.exchange(JSON.stringify({ execute: "guest-file-open", arguments: { path } }));
    await client.close();
  } finally {
    assert.equal((await agent.stop()).code, 0);
  }
  const lines = (await Deno.readTextFile(logfile)).trimEnd().split("\n");
  for (const line of lines) assert.match(line, LOG_LINE);
  assert.ok(!lines.some((l) => l.startsWith("1764000000.000000:")), "a forged line got in");
  const audit = lines.find((l) => l.includes("guest-file-open called"));
  assert.ok(audit, lines.join("\n"));
  assert.ok(
    audit.endsWith(
      `filepath: ${dir}/x\\n1764000000.000000: critical: forged\\x00cut\\\\, mode: r`,
    ),
    audit,
  );
});
