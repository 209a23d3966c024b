/**
 * Unit tests of what the client reads: command lines, agent addresses, `cp` operands, times,
 * `raw` requests, exact integers in replies, vCPU plans and exit codes.
 *
 * @module
 */

import assert from "node:assert/strict";
import { parseAddress } from "../../src/client/address.ts";
import { type OptionSpec, parseCommandLine } from "../../src/client/command_line.ts";
import { parseTarget } from "../../src/client/commands/cp.ts";
import { exitCodeOf } from "../../src/client/commands/exec.ts";
import { rawRequest } from "../../src/client/commands/raw.ts";
import { vcpuChanges, vcpusOf } from "../../src/client/commands/system.ts";
import { parseTime } from "../../src/client/commands/time.ts";
import { UsageError } from "../../src/client/errors.ts";
import { parseJson, toJsonText } from "../../src/client/json.ts";
import { requestText } from "../../src/client/session.ts";

const SPECS: OptionSpec[] = [
  { name: "socket", short: "s", value: "ADDR", help: "" },
  { name: "json", help: "" },
  { name: "env", value: "K=V", multiple: true, help: "" },
];

Deno.test("parseCommandLine() reads long, short, joined and repeated options", () => {
  const p = parseCommandLine(
    ["-s", "/a", "--json", "--env=A=1", "--env", "B=2", "x", "y"],
    SPECS,
  );
  assert.deepEqual(p.options, { socket: "/a", json: true, env: ["A=1", "B=2"] });
  assert.deepEqual(p.operands, ["x", "y"]);
  assert.deepEqual(parseCommandLine(["-s/b"], SPECS).options, { socket: "/b" });
  assert.deepEqual(parseCommandLine(["--socket=/c"], SPECS).options, { socket: "/c" });
});

Deno.test("parseCommandLine() takes everything after -- as operands", () => {
  const p = parseCommandLine(["--json", "--", "/bin/ls", "-l", "--json"], SPECS);
  assert.deepEqual(p.operands, ["/bin/ls", "-l", "--json"]);
  assert.equal(p.dashDashAt, 0);
  assert.deepEqual(p.options, { json: true });
});

Deno.test("parseCommandLine() with stopAtOperand leaves the words after the first operand alone", () => {
  const p = parseCommandLine(["-s", "x", "exec", "--json", "-l"], SPECS, true);
  assert.deepEqual(p.operands, ["exec", "--json", "-l"]);
  assert.deepEqual(p.options, { socket: "x" });
  assert.deepEqual(parseCommandLine(["-", "--json"], SPECS).operands, ["-"]);
});

Deno.test("parseCommandLine() rejects unknown options, missing values and repeats", () => {
  assert.throws(() => parseCommandLine(["--nope"], SPECS), /Unknown option --nope/);
  assert.throws(() => parseCommandLine(["-x"], SPECS), /Unknown option -x/);
  assert.throws(() => parseCommandLine(["-s"], SPECS), /needs a value/);
  assert.throws(() => parseCommandLine(["--json=1"], SPECS), /takes no value/);
  assert.throws(() => parseCommandLine(["-s", "a", "-s", "b"], SPECS), /given twice/);
  assert.throws(() => parseCommandLine(["--nope"], SPECS), UsageError);
});

Deno.test("parseAddress() reads unix paths, tcp:HOST:PORT, HOST:PORT, vsock:CID:PORT and CID:PORT", () => {
  assert.deepEqual(parseAddress("/run/qga.sock"), { transport: "unix", path: "/run/qga.sock" });
  assert.deepEqual(parseAddress("sock"), { transport: "unix", path: "sock" });
  assert.deepEqual(parseAddress("unix:3:4"), { transport: "unix", path: "3:4" });
  assert.deepEqual(parseAddress("./a:1"), { transport: "unix", path: "./a:1" });
  assert.deepEqual(parseAddress("tcp:localhost:4444"), {
    transport: "tcp",
    hostname: "localhost",
    port: 4444,
  });
  assert.deepEqual(parseAddress("127.0.0.1:4444"), {
    transport: "tcp",
    hostname: "127.0.0.1",
    port: 4444,
  });
  assert.deepEqual(parseAddress("tcp:[::1]:4444"), {
    transport: "tcp",
    hostname: "::1",
    port: 4444,
  });
  assert.deepEqual(parseAddress("vsock:3:1234"), { transport: "vsock", cid: 3, port: 1234 });
  assert.deepEqual(parseAddress("3:1234"), { transport: "vsock", cid: 3, port: 1234 });
});

Deno.test("parseAddress() rejects empty and malformed addresses", () => {
  assert.throws(() => parseAddress(""), /empty/);
  assert.throws(() => parseAddress("unix:"), /no path/);
  assert.throws(() => parseAddress("tcp:host"), /HOST:PORT/);
  assert.throws(() => parseAddress("tcp:host:99999"), /TCP port/);
  assert.throws(() => parseAddress("vsock:x:1"), /vsock CID/);
  assert.throws(() => parseAddress("vsock:3"), /CID:PORT/);
});

Deno.test("parseTarget() reads guest:PATH, and anything else as a host path", () => {
  assert.deepEqual(parseTarget("guest:/tmp/x"), { side: "guest", path: "/tmp/x" });
  assert.deepEqual(parseTarget("./guest:x"), { side: "host", path: "./guest:x" });
  assert.deepEqual(parseTarget("disk.img"), { side: "host", path: "disk.img" });
  assert.throws(() => parseTarget("guest:"), /names no path/);
});

Deno.test("parseTime() reads now, seconds (exactly, to the nanosecond) and dates", () => {
  assert.equal(parseTime("now", 1_700_000_000_123), 1_700_000_000_123_000_000n);
  assert.equal(parseTime("1700000000"), 1_700_000_000_000_000_000n);
  assert.equal(parseTime("@1700000000.123456789"), 1_700_000_000_123_456_789n);
  assert.equal(parseTime("1700000000.5"), 1_700_000_000_500_000_000n);
  assert.equal(parseTime("2023-11-14T22:13:20Z"), 1_700_000_000_000_000_000n);
  assert.throws(() => parseTime("yesterday"), UsageError);
});

Deno.test("rawRequest() sends JSON as it is and builds a request from a command name", () => {
  const text = '{"execute": "guest-sync", "arguments": {"id": 9223372036854775807}}';
  assert.equal(rawRequest(text), text);
  assert.equal(rawRequest("guest-ping"), '{"execute":"guest-ping"}\n');
  assert.equal(
    rawRequest("guest-sync", '{"id": 9223372036854775807}'),
    '{"execute":"guest-sync","arguments":{"id":9223372036854775807}}\n',
  );
  assert.throws(() => rawRequest("{nope"), /not JSON/);
  assert.throws(() => rawRequest("guest-sync", "[1]"), /JSON object/);
});

Deno.test("parseJson() keeps int64 values exact and toJsonText() prints them back verbatim", () => {
  const reply = parseJson('{"return": {"handle": 9223372036854775807, "t": 1.5, "n": -3}}');
  assert.deepEqual(reply, { return: { handle: 9223372036854775807n, t: 1.5, n: -3n } });
  assert.equal(toJsonText(reply), '{"return":{"handle":9223372036854775807,"t":1.5,"n":-3}}');
  assert.equal(
    requestText("guest-file-close", { handle: 2n ** 62n }),
    '{"execute":"guest-file-close","arguments":{"handle":4611686018427387904}}\n',
  );
});

Deno.test("vcpuChanges() changes as few vCPUs as possible and keeps the fixed ones online", () => {
  const cpus = vcpusOf(parseJson(
    '[{"logical-id": 0, "online": true, "can-offline": false}, ' +
      '{"logical-id": 1, "online": true, "can-offline": true}, ' +
      '{"logical-id": 2, "online": false, "can-offline": true}, ' +
      '{"logical-id": 3, "online": true, "can-offline": true}]',
  ));
  assert.deepEqual(vcpuChanges(cpus, 3), []);
  assert.deepEqual(vcpuChanges(cpus, 2), [{ "logical-id": 3n, online: false }]);
  assert.deepEqual(vcpuChanges(cpus, 4), [{ "logical-id": 2n, online: true }]);
  assert.deepEqual(vcpuChanges(cpus, 1), [
    { "logical-id": 1n, online: false },
    { "logical-id": 3n, online: false },
  ]);
  assert.throws(() => vcpuChanges(cpus, 0), /1 to 4/);
  assert.throws(() => vcpuChanges(cpus, 5), /1 to 4/);
  const fixed = vcpusOf(parseJson(
    '[{"logical-id": 0, "online": true, "can-offline": false}, ' +
      '{"logical-id": 1, "online": true, "can-offline": false}]',
  ));
  assert.throws(() => vcpuChanges(fixed, 1), /cannot be taken offline \(0, 1\)/);
});

Deno.test("exitCodeOf() gives the program's exit code, or 128 + the signal", () => {
  assert.equal(exitCodeOf({ exited: true, exitcode: 3n }), 3);
  assert.equal(exitCodeOf({ exited: true, exitcode: 0n }), 0);
  assert.equal(exitCodeOf({ exited: true, signal: 9n }), 137);
  assert.equal(exitCodeOf({ exited: true }), 1);
});
