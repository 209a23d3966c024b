/**
 * Throughput of guest-file-write / guest-file-read through the handlers: 32 MiB moved in
 * 64 KiB, 1 MiB and 8 MiB chunks, base64 included (what a host transfer costs the agent).
 *
 * `deno bench -A tests/commands/file/file_bench.ts` reports time per 32 MiB;
 * `deno run -A tests/commands/file/file_bench.ts` prints MB/s directly.
 *
 * @module
 */

import { AgentState } from "../../../src/agent/agent_state.ts";
import { Logger } from "../../../src/agent/log.ts";
import { FILE_HANDLERS, makeContext } from "./helpers.ts";

const TOTAL = 32 << 20;
const CHUNKS = [64 << 10, 1 << 20, 8 << 20];

const dir = await Deno.makeTempDir({ prefix: "qga-file-bench-" });
await Deno.mkdir(`${dir}/state`);
globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
const ctx = makeContext(AgentState.load(`${dir}/state`, new Logger(() => {})), []);
const h = FILE_HANDLERS;

const data = new Uint8Array(TOTAL);
for (let i = 0; i < TOTAL; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));
const source = `${dir}/source`;
await Deno.writeFile(source, data);
const encoded = new Map(
  CHUNKS.map((chunk) => {
    const parts: string[] = [];
    for (let off = 0; off < TOTAL; off += chunk) {
      parts.push(data.subarray(off, off + chunk).toBase64());
    }
    return [chunk, parts];
  }),
);

/** Writes 32 MiB (already base64-encoded in `chunk`-byte pieces) to a new file. */
async function writeAll(chunk: number): Promise<void> {
  const handle = await h["guest-file-open"]({ path: `${dir}/sink`, mode: "wb" }, ctx);
  for (const part of encoded.get(chunk)!) {
    await h["guest-file-write"]({ handle, "buf-b64": part }, ctx);
  }
  await h["guest-file-close"]({ handle }, ctx);
}

/** Reads the 32 MiB file in `chunk`-byte reads until EOF; returns the bytes seen. */
async function readAll(chunk: number): Promise<number> {
  const handle = await h["guest-file-open"]({ path: source, mode: "rb" }, ctx);
  let total = 0;
  for (;;) {
    const r = await h["guest-file-read"]({ handle, count: BigInt(chunk) }, ctx);
    total += r["buf-b64"].text.length * 0.75;
    if (r.eof) break;
  }
  await h["guest-file-close"]({ handle }, ctx);
  return total;
}

const label = (chunk: number) => chunk >= 1 << 20 ? `${chunk >> 20} MiB` : `${chunk >> 10} KiB`;

for (const chunk of CHUNKS) {
  Deno.bench({
    name: `guest-file-write 32 MiB in ${label(chunk)} chunks`,
    group: "write",
    n: 10,
    warmup: 2,
    fn: async () => await writeAll(chunk),
  });
  Deno.bench({
    name: `guest-file-read 32 MiB in ${label(chunk)} chunks`,
    group: "read",
    n: 10,
    warmup: 2,
    fn: async () => void await readAll(chunk),
  });
}

if (import.meta.main) {
  for (const [name, run] of [["write", writeAll], ["read", readAll]] as const) {
    for (const chunk of CHUNKS) {
      await run(chunk);
      const rounds = 5;
      const start = performance.now();
      for (let i = 0; i < rounds; i++) await run(chunk);
      const seconds = (performance.now() - start) / 1000;
      const mbps = (rounds * TOTAL) / 1e6 / seconds;
      console.log(`guest-file-${name} ${label(chunk).padStart(6)} chunks: ${mbps.toFixed(0)} MB/s`);
    }
  }
}
