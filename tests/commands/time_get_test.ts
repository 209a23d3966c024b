/**
 * `guest-get-time` on the real agent process: the value is the wall clock (compared with this
 * test's own clock, which reads the same CLOCK_REALTIME), in nanoseconds with qemu-ga's
 * microsecond resolution (`gettimeofday` × 1000: the last three digits are 0, the microseconds
 * are not). The oracle tests replace the value by a placeholder, so this is where it is checked.
 *
 * @module
 */

import assert from "node:assert/strict";
import { STANDARD_RESYNC, startOurs } from "../helpers/agent_process.ts";

/** How many replies are looked at. */
const CALLS = 20;
/** Slack against the test's clock, for a clock slewed or stepped meanwhile (NTP). */
const SLACK_NS = 2_000_000_000n;
const NS_PER_MS = 1_000_000n;
const decoder = new TextDecoder();

Deno.test("guest-get-time answers the wall clock in nanoseconds with microsecond resolution", async () => {
  const dir = await Deno.makeTempDir({ prefix: "qga-time-" });
  const socket = `${dir}/qga.sock`;
  const agent = await startOurs(socket, dir, [], { env: { QGA_CONF: `${dir}/absent.conf` } });
  const values: bigint[] = [];
  try {
    const client = await agent.connect(5000);
    try {
      for (let i = 0; i < CALLS; i++) {
        const before = BigInt(Date.now()) * NS_PER_MS;
        const { reply, resync } = await client.exchange('{"execute":"guest-get-time"}');
        const after = BigInt(Date.now() + 1) * NS_PER_MS;
        assert.equal(decoder.decode(resync), STANDARD_RESYNC);
        const text = decoder.decode(reply);
        const m = /^\{"return": (\d+)\}\n$/.exec(text);
        assert.ok(m, `not an integer reply: ${JSON.stringify(text)}`);
        const ns = BigInt(m[1]!);
        const days = Number(ns - before) / 86_400e9;
        assert.ok(
          ns >= before - SLACK_NS && ns <= after + SLACK_NS,
          `guest-get-time ${ns} is ${days.toFixed(6)} days away from this test's clock ` +
            `[${before}, ${after}]`,
        );
        assert.equal(ns % 1000n, 0n, `${ns}: qemu-ga reports microseconds × 1000`);
        values.push(ns);
      }
    } finally {
      await client.close();
    }
  } finally {
    await agent.stop();
    await Deno.remove(dir, { recursive: true });
  }
  // Truncated to seconds (or milliseconds), every value would end in 000000; with microseconds,
  // all of 20 doing so by chance has probability 10^-60.
  const subMillisecond = values.filter((ns) => ns % NS_PER_MS !== 0n);
  assert.ok(
    subMillisecond.length > 0,
    `no value of ${CALLS} has microseconds: ${values.join(", ")}`,
  );
});
