/**
 * Unit tests of the client's human output: tables, IEC sizes, durations, times, the progress
 * line, and the per-command renderings of replies as qemu-ga 7.2 sends them.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  clock,
  iec,
  keyValues,
  table,
  utcFromNs,
  utcFromSeconds,
} from "../../src/client/format.ts";
import { Progress, progressLine } from "../../src/client/progress.ts";
import { infoLines, osinfoLines, usersLines } from "../../src/client/commands/host.ts";
import { fsLines, netLines, vcpuLines } from "../../src/client/commands/system.ts";
import { trimLines } from "../../src/client/commands/freeze.ts";
import { timeLine } from "../../src/client/commands/time.ts";
import { parseJson } from "../../src/client/json.ts";
import type { Output } from "../../src/client/io.ts";

Deno.test("table() aligns columns, numbers to the right, and leaves no trailing blanks", () => {
  const lines = table(
    [{ header: "NAME" }, { header: "SIZE", right: true }, { header: "NOTE" }],
    [["lo", "1.5 KiB", ""], ["eth0", "12.3 GiB", "up"]],
  );
  assert.deepEqual(lines, [
    "NAME      SIZE  NOTE",
    "lo     1.5 KiB",
    "eth0  12.3 GiB  up",
  ]);
});

Deno.test("keyValues() starts the values in one column and skips undefined ones", () => {
  assert.deepEqual(
    keyValues([["id", "debian"], ["variant", undefined], ["kernel-release", "6.1"]]),
    [
      "id:             debian",
      "kernel-release: 6.1",
    ],
  );
});

Deno.test("iec() prints bytes in IEC units with at most three significant digits", () => {
  assert.equal(iec(0), "0 B");
  assert.equal(iec(1023), "1023 B");
  assert.equal(iec(1024), "1.0 KiB");
  assert.equal(iec(1536), "1.5 KiB");
  assert.equal(iec(100 * 1024 * 1024), "100 MiB");
  assert.equal(iec(1024 * 1024 - 1), "1.0 MiB");
  assert.equal(iec(108944293888n), "101 GiB");
  assert.equal(iec(24011055104), "22.4 GiB");
  assert.equal(iec(2n ** 64n - 1n), "16.0 EiB");
});

Deno.test("clock() prints m:ss and h:mm:ss, rounding up", () => {
  assert.equal(clock(0), "0:00");
  assert.equal(clock(5.2), "0:06");
  assert.equal(clock(3599), "59:59");
  assert.equal(clock(3661), "1:01:01");
});

Deno.test("utcFromNs() is exact to the nanosecond beyond 2^53", () => {
  assert.equal(utcFromNs(1796173316180089123n), "2026-12-02 01:01:56.180089123 UTC");
  assert.equal(utcFromNs(0n), "1970-01-01 00:00:00.000000000 UTC");
  assert.equal(utcFromNs(-1n), "1969-12-31 23:59:59.999999999 UTC");
  assert.equal(utcFromSeconds(1700000000.5), "2023-11-14 22:13:20 UTC");
});

Deno.test("timeLine() shows the guest's clock and its offset from the host's", () => {
  assert.equal(
    timeLine(1_700_000_000_250_000_000n, 1_700_000_000_000),
    "2023-11-14 22:13:20.250000000 UTC (guest - host: +0.250 s)",
  );
  assert.match(timeLine(1_700_000_000_000_000_000n, 1_700_000_003_000), /guest - host: -3\.000 s/);
});

Deno.test("progressLine() shows bar, percentage, bytes, rate and ETA within the width", () => {
  const mib = 1024 * 1024;
  const line = progressLine(8 * mib, 32 * mib, 2, 100);
  assert.ok(line.endsWith("]  25%   8.0 MiB / 32.0 MiB   4.0 MiB/s  ETA 0:06"), line);
  assert.match(line, /^\[=+>\s+\] /);
  assert.ok(line.length <= 99, line);
  assert.equal(progressLine(32 * mib, 32 * mib, 4, 100).indexOf(">"), -1);
  const narrow = progressLine(8 * mib, 32 * mib, 2, 30);
  assert.ok(!narrow.startsWith("[") && narrow.length <= 29, narrow);
  assert.match(progressLine(0, 10, 0, 80), /ETA -:--/);
});

Deno.test("Progress draws only on a terminal, at most every 100 ms, and clears itself", async () => {
  const written: string[] = [];
  const out = (terminal: boolean): Output => ({
    write: (b) => (written.push(new TextDecoder().decode(b)), Promise.resolve()),
    isTerminal: () => terminal,
  });
  let now = 0;
  const quiet = new Progress(out(false), 100, 80, () => now);
  await quiet.advance(50);
  await quiet.finish("x");
  assert.equal(written.length, 0);
  const bar = new Progress(out(true), 100, 80, () => now);
  now = 150;
  await bar.advance(10);
  now = 200;
  await bar.advance(10); // within 100 ms of the last draw: skipped
  now = 260;
  await bar.advance(80); // complete: always drawn
  await bar.finish("a -> b");
  assert.equal(written.length, 3);
  assert.ok(written.slice(0, 2).every((w) => w.startsWith("\r[") && w.endsWith("\x1b[K")));
  assert.ok(written[2]!.startsWith("\r\x1b[Ka -> b: 100 B in 0.3 s ("), written[2]);
});

// Replies recorded from qemu-ga 7.2 on this host.
const INFO = parseJson(
  '{"version": "7.2.22", "supported_commands": [{"enabled": true, "name": "guest-ping", ' +
    '"success-response": true}, {"enabled": false, "name": "guest-exec", "success-response": ' +
    'true}, {"enabled": true, "name": "guest-shutdown", "success-response": false}]}',
);

Deno.test("infoLines() shows the version, counts and the commands sorted by name", () => {
  assert.deepEqual(infoLines(INFO), [
    "version:  7.2.22",
    "commands: 3 (2 enabled)",
    "",
    "COMMAND         ENABLED  SUCCESS-REPLY",
    "guest-exec      no       yes",
    "guest-ping      yes      yes",
    "guest-shutdown  yes      no",
  ]);
});

Deno.test("osinfoLines() puts the well-known members first and keeps unknown ones", () => {
  const os = parseJson('{"machine": "x86_64", "id": "debian", "pretty-name": "Debian 12", "x": 1}');
  assert.deepEqual(osinfoLines(os), [
    "pretty-name: Debian 12",
    "id:          debian",
    "machine:     x86_64",
    "x:           1",
  ]);
});

Deno.test("usersLines() lists users with their first login, and says when there are none", () => {
  assert.deepEqual(usersLines(parseJson("[]")), ["no users logged in"]);
  const users = parseJson(
    '[{"user": "alice", "login-time": 1700000000.25}, ' +
      '{"user": "root", "login-time": 1700000100}]',
  );
  assert.deepEqual(usersLines(users), [
    "USER   LOGIN (first)",
    "alice  2023-11-14 22:13:20 UTC",
    "root   2023-11-14 22:15:00 UTC",
  ]);
});

Deno.test("netLines() looks like ip -br addr: name, MAC, addresses with prefixes", () => {
  const nics = parseJson(
    '[{"name": "lo", "ip-addresses": [{"ip-address-type": "ipv4", "ip-address": "127.0.0.1", ' +
      '"prefix": 8}, {"ip-address-type": "ipv6", "ip-address": "::1", "prefix": 128}], ' +
      '"hardware-address": "00:00:00:00:00:00"}, {"name": "ifb0"}]',
  );
  assert.deepEqual(netLines(nics), [
    "NAME  MAC                ADDRESSES",
    "lo    00:00:00:00:00:00  127.0.0.1/8 ::1/128",
    "ifb0  -",
  ]);
});

Deno.test("fsLines() looks like df: mount order, IEC sizes, use% rounded up", () => {
  const fs = parseJson(
    '[{"name": "vdb", "total-bytes": 1048576, "mountpoint": "/mnt/disk", "disk": [], ' +
      '"used-bytes": 1024, "type": "ext4"}, {"name": "vda", "total-bytes": 108944293888, ' +
      '"mountpoint": "/", "disk": [], "used-bytes": 24011055104, "type": "ext4"}, ' +
      '{"name": "proc", "mountpoint": "/proc", "type": "proc", "disk": []}]',
  );
  assert.deepEqual(fsLines(fs), [
    "DEVICE  TYPE     SIZE      USED     AVAIL  USE%  MOUNTED ON",
    "proc    proc        -         -         -     -  /proc",
    "vda     ext4  101 GiB  22.4 GiB  79.1 GiB   23%  /",
    "vdb     ext4  1.0 MiB   1.0 KiB  1023 KiB    1%  /mnt/disk",
  ]);
});

Deno.test("vcpuLines() counts the online vCPUs and lists them by id", () => {
  const cpus = parseJson(
    '[{"online": true, "can-offline": true, "logical-id": 1}, ' +
      '{"online": true, "can-offline": false, "logical-id": 0}]',
  );
  assert.deepEqual(vcpuLines(cpus), [
    "2 of 2 vCPUs online",
    "CPU  ONLINE  CAN-OFFLINE",
    "  0  yes     no",
    "  1  yes     yes",
  ]);
});

Deno.test("trimLines() shows bytes trimmed per path, or the error", () => {
  const reply = parseJson(
    '{"paths": [{"path": "/", "trimmed": 1048576, "minimum": 0}, ' +
      '{"path": "/boot", "error": "Operation not supported"}]}',
  );
  assert.deepEqual(trimLines(reply), [
    "PATH   TRIMMED  ERROR",
    "/      1.0 MiB",
    "/boot        -  Operation not supported",
  ]);
});
