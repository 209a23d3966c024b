/**
 * Protocol fuzz over the real socket, against the real agent process — and, for a sample
 * restricted to what may be sent to it, against Debian's qemu-ga 7.2 byte for byte.
 *
 * 1. qga-deno, sandboxed to a temporary directory (`--allow-read/--allow-write=<dir>`) and to the
 *    harmless commands (`-a`), gets 3,000 fuzz inputs (50,000 with `QGA_LONG=1`) in batches,
 *    each batch followed by the 0xFF + `guest-sync-delimited` marker. The same bytes are fed to
 *    an in-process JsonMessageStream as a model: the agent must write exactly one reply line per
 *    event of the model (counted up to the marker), each well-formed for its event. The agent
 *    must stay up, answer a fresh sync at the end, and exit 0 on SIGTERM.
 * 2. The qemu-ga cross-check: inputs built only from protocol garbage and `guest-ping`,
 *    `guest-sync(-delimited)` and `guest-info` requests, each sent alone between markers to both
 *    agents; the bytes before the marker (replies plus the 0xFF byte's error line) must be equal.
 *    `guest-info` success replies are compared in full: qemu-ga's reply without the commands
 *    qga-deno deliberately lacks (`ABSENT_COMMANDS` in tests/oracle/differences.ts) must be
 *    ours byte for byte, `enabled` and `success-response` flags included.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  AgentProcess,
  ORACLE_PATH,
  oracleArgv,
  type QgaClient,
  STANDARD_RESYNC,
} from "../helpers/agent_process.ts";
import { expectedInfoReply } from "../oracle/differences.ts";
import { JsonMessageStream, type StreamEvent } from "../../src/stream/json_stream.ts";
import { concatBytes, FuzzGenerator, fuzzSeed, Rng, showBytes } from "./fuzz_gen.ts";
import { ciOrLong, startAgent } from "./helpers.ts";
import { checkReply, SAFE_COMMANDS } from "./in_process.ts";

const SOCKET_INPUTS = ciOrLong(3_000, 50_000);
const BATCH = 10;
const ORACLE_INPUTS = ciOrLong(1_500, 20_000);
const oracleInstalled = await Deno.stat(ORACLE_PATH).then(() => true, () => false);
const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");

function latin1Bytes(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

function markerBytes(id: number): Uint8Array {
  const json = encoder.encode(`{"execute":"guest-sync-delimited","arguments":{"id":${id}}}`);
  return concatBytes([Uint8Array.of(0xFF), json]);
}

/** Splits reply bytes into lines, each with its `\n`. */
function lines(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0A) {
      out.push(bytes.subarray(start, i + 1));
      start = i + 1;
    }
  }
  if (start < bytes.length) out.push(bytes.subarray(start));
  return out;
}

Deno.test(`socket fuzz: ${SOCKET_INPUTS} inputs to the real agent, one reply line per event`, async () => {
  const seed = fuzzSeed();
  console.log(`fuzz seed ${seed} (QGA_FUZZ_SEED=${seed} to reproduce)`);
  const dir = await Deno.makeTempDir({ prefix: "qga-sockfuzz-" });
  const started = await startAgent({
    dir,
    permissions: ["--allow-ffi", "--allow-env", `--allow-read=${dir}`, `--allow-write=${dir}`],
    env: { QGA_CONF: `${dir}/absent.conf` },
    extra: ["-a", SAFE_COMMANDS.join(",")],
  });
  const gen = new FuzzGenerator(new Rng(seed), { fileDir: dir });
  const model = new JsonMessageStream();
  let client: QgaClient | undefined;
  let totalReplies = 0;
  const t0 = performance.now();
  try {
    client = await started.agent.connect(20_000);
    for (let i = 0; i < SOCKET_INPUTS; i += BATCH) {
      const batch = Array.from({ length: Math.min(BATCH, SOCKET_INPUTS - i) }, () => gen.next());
      const bytes = concatBytes(batch);
      const events: StreamEvent[] = model.feed(bytes);
      await client.send(bytes);
      const id = await client.sendMarker();
      events.push(...model.feed(markerBytes(id)));
      events.pop(); // the marker itself, cut off by readUntilMarker
      let reply: Uint8Array;
      try {
        const cut = await client.readUntilMarker(id);
        reply = concatBytes([cut.reply, cut.resync]);
      } catch (error) {
        const status = started.agent.exitStatus;
        assert.fail(
          `no marker after inputs ${i}..${i + batch.length - 1} (agent ${
            status ? `exited ${status.code}` : "running"
          }): ${error}\n${batch.map((b) => showBytes(b)).join("\n")}\n${started.agent.output()}`,
        );
      }
      const got = lines(reply);
      const where = () =>
        `inputs ${i}..${i + batch.length - 1} (seed ${seed}):\n` +
        batch.map((b) => `  ${showBytes(b, 400)}`).join("\n") +
        `\nreplies:\n${got.map((l) => `  ${showBytes(l, 300)}`).join("\n")}`;
      if (got.length !== events.length) {
        assert.fail(`${got.length} reply lines for ${events.length} model events; ${where()}`);
      }
      for (let k = 0; k < got.length; k++) {
        const problem = checkReply(events[k]!, got[k]!);
        if (problem !== undefined) assert.fail(`reply ${k}: ${problem}; ${where()}`);
      }
      totalReplies += got.length;
    }
    const fresh = await client.exchange(`{"execute":"guest-sync","arguments":{"id":4242}}`);
    assert.equal(latin1.decode(fresh.reply), `{"return": 4242}\n`);
    assert.equal(latin1.decode(fresh.resync), STANDARD_RESYNC);
  } finally {
    await client?.close();
    const status = await started.stop();
    assert.equal(status.code, 0, `agent exit status\n${started.agent.output()}`);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
  console.log(
    `${SOCKET_INPUTS} inputs, ${totalReplies} replies counted and checked, ` +
      `${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
});

/**
 * Names the kind of a difference, so that a run reports each kind once with examples. Lines
 * that differ only around a member name holding U+0000 would point at the hashing of such names
 * (qemu-ga stores U+0000 as the modified UTF-8 bytes C0 80 and hashes those; so does qga-deno).
 */
function classify(expected: string[], actual: string[]): string {
  const differing = expected.map((line, k) => [line, actual[k]!]).filter(([x, y]) => x !== y);
  if (differing.every(([x, y]) => x!.includes("\\u0000") && y!.includes("\\u0000"))) {
    return "member order around a key holding U+0000 (hashed as C0 80)";
  }
  return "other";
}

Deno.test({
  name: `qemu-ga cross-check: ${ORACLE_INPUTS} fuzz inputs, same replies byte for byte`,
  ignore: !oracleInstalled,
  async fn() {
    const seed = fuzzSeed();
    console.log(`fuzz seed ${seed} (QGA_FUZZ_SEED=${seed} to reproduce)`);
    const ours = await startAgent();
    const oracleDir = await Deno.makeTempDir({ prefix: "qga-oracle-" });
    const oracleSocket = `${oracleDir}/qga.sock`;
    const oracle = await AgentProcess.start({
      argv: oracleArgv(oracleSocket, oracleDir),
      socket: oracleSocket,
    });
    const gen = new FuzzGenerator(new Rng(seed), {
      fileDir: "/nonexistent",
      oracleSafe: true,
      hugeMax: 64 * 1024,
    });
    const t0 = performance.now();
    const a = await ours.agent.connect(20_000);
    const b = await oracle.connect(20_000);
    let compared = 0;
    let mismatchCount = 0;
    const mismatches = new Map<string, string[]>();
    try {
      for (let i = 0; i < ORACLE_INPUTS; i++) {
        const input = gen.next();
        const [x, y] = await Promise.all([a.exchange(input), b.exchange(input)]);
        // qemu-ga's guest-info replies become the ones qga-deno must send (module doc).
        const e = lines(concatBytes([y.reply, y.resync])).map((l) =>
          expectedInfoReply(latin1.decode(l))
        );
        const g = lines(concatBytes([x.reply, x.resync])).map((l) => latin1.decode(l));
        const expected = e.join("");
        const actual = g.join("");
        if (actual !== expected) {
          const at = e.findIndex((line, k) => line !== g[k]);
          const kind = e.length === g.length ? classify(e, g) : "number of replies";
          const list = mismatches.get(kind) ?? [];
          mismatches.set(kind, list);
          if (list.length < 3) {
            list.push(
              `input ${i} ${showBytes(input, 1000)}\n` +
                `    first difference in reply line ${at} of ${e.length} (ours: ${g.length})\n` +
                `    qemu-ga: ${showBytes(latin1Bytes(e[at] ?? "(none)"), 1000)}\n` +
                `    ours:    ${showBytes(latin1Bytes(g[at] ?? "(none)"), 1000)}`,
            );
          }
          mismatchCount++;
        }
        compared++;
      }
    } finally {
      await a.close();
      await b.close();
      await ours.stop();
      await oracle.stop();
      await Deno.remove(oracleDir, { recursive: true }).catch(() => {});
    }
    console.log(
      `${compared - mismatchCount} of ${compared} inputs identical on both agents, ` +
        `${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    if (mismatchCount > 0) {
      const report = [...mismatches].map(([kind, examples]) =>
        `${kind}:\n  ${examples.join("\n  ")}`
      );
      assert.fail(
        `${mismatchCount} of ${compared} inputs answered differently (seed ${seed}):\n` +
          report.join("\n"),
      );
    }
  },
});
