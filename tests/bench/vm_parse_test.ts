/**
 * The virtio-serial benchmark's parsers (`bench/vm/`): busybox adjtimex output, strace lines,
 * context-switch deltas. No VM is booted and nothing is timed.
 *
 * @module
 */

import assert from "node:assert/strict";
import { adjtimexMs } from "../../bench/vm/port.ts";
import { parseStrace, wakeups } from "../../bench/vm/profile.ts";

const ADJTIMEX = `    mode:         0
-o  offset:       0 us
    status:       64 (UNSYNC)
-t  tick:         10000 us
    time.tv_sec:  1796178246
    time.tv_usec: 692685
    return value: 5 (clock not synchronized)
`;

Deno.test("adjtimexMs reads seconds and microseconds, or nanoseconds under STA_NANO", () => {
  assert.equal(adjtimexMs(ADJTIMEX), 1796178246692.685);
  const nano = ADJTIMEX.replace("status:       64", `status:       ${64 | 0x2000}`)
    .replace("692685", "692685123");
  assert.equal(adjtimexMs(nano), 1796178246692.685123);
  assert.throws(() => adjtimexMs("nothing"), /unexpected adjtimex output/);
});

Deno.test("parseStrace counts each call once, by thread name, resumed halves not again", () => {
  const text = [
    '101 1796178246.000001 read(3, "{}", 4096) = 2',
    "102 1796178246.000002 epoll_wait(5,  <unfinished ...>",
    '101 1796178246.000003 write(3, "{}\\n", 3) = 3',
    "102 1796178246.000004 <... epoll_wait resumed>[], 8, -1) = 1",
    '101 1796178246.000005 read(3, "{}", 4096) = 2',
    "103 1796178246.000006 futex(0x1, FUTEX_WAKE_PRIVATE, 1) = 0",
    "101 1796178246.000007 --- SIGTERM {si_signo=SIGTERM} ---",
    "101 1796178246.000008 +++ exited with 0 +++",
  ].join("\n");
  const names = new Map([[101, "deno"], [102, "tokio"]]);
  assert.deepEqual(
    [...parseStrace(text, names)],
    [["deno: read", 2], ["tokio: epoll_wait", 1], ["deno: write", 1], ["?: futex", 1]],
  );
});

Deno.test("wakeups divides every thread's deltas by the requests, by name", () => {
  const before = new Map([
    [1, { name: "main", switches: 10, runNs: 1_000_000 }],
    [2, { name: "worker", switches: 5, runNs: 0 }],
  ]);
  const after = new Map([
    [1, { name: "main", switches: 30, runNs: 1_200_000 }],
    [2, { name: "worker", switches: 5, runNs: 0 }],
    [3, { name: "worker", switches: 10, runNs: 100_000 }],
  ]);
  const w = wakeups(before, after, 10);
  assert.equal(w.total, 3);
  assert.deepEqual([...w.byThread], [["main", 2], ["worker", 1]]);
  assert.equal(w.cpuMicros, 30);
  assert.deepEqual([...w.cpuByThread], [["main", 20], ["worker", 10]]);
});
