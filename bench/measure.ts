/**
 * The workloads, each run by one {@link SyncClient} against one agent: sequential round trips,
 * pipelined requests, and guest-file-write / guest-file-read through the real wire protocol
 * (base64 in JSON). Every reply is checked just enough to know the request succeeded.
 *
 * @module
 */

import type { SyncClient } from "./sync_client.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const EMPTY_RETURN = encoder.encode(`{"return": {}}`);
/** `{"return": {"count": ` — the head of every guest-file-read reply. */
const READ_HEAD = encoder.encode(`{"return": {"count": `);
const EOF_TAIL = encoder.encode(`"eof": true}}`);

function startsWith(bytes: Uint8Array, prefix: Uint8Array, at = 0): boolean {
  if (at < 0 || bytes.length < at + prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

function expectEmptyReturn(reply: Uint8Array, what: string): void {
  if (!startsWith(reply, EMPTY_RETURN) || reply.length !== EMPTY_RETURN.length) {
    throw new Error(`Unexpected reply to ${what}: ${decoder.decode(reply.slice(0, 300))}`);
  }
}

/**
 * Sends `request` (whose reply must be `{"return": {}}`) `count` times, one at a time, and
 * appends each round trip's duration in microseconds to `samples`.
 *
 * @param client The client.
 * @param options The request, the count, and where to put the samples.
 */
export function roundTrips(
  client: SyncClient,
  options: { request: Uint8Array<ArrayBuffer>; count: number; samples: number[] },
): void {
  const { request, count, samples } = options;
  for (let i = 0; i < count; i++) {
    const t0 = performance.now();
    const reply = client.call(request);
    const t1 = performance.now();
    if (reply.length !== EMPTY_RETURN.length) expectEmptyReturn(reply, "a round trip");
    samples.push((t1 - t0) * 1000);
  }
}

/**
 * Sends `total` requests taken round-robin from `requests`, keeping `depth` of them in flight:
 * each time replies arrive, as many new requests are written (in one write).
 *
 * @param client The client.
 * @param options The requests to cycle through, how many in all, and how many in flight.
 * @returns Elapsed seconds from the first write to the last reply.
 */
export function pipeline(
  client: SyncClient,
  options: { requests: readonly Uint8Array[]; total: number; depth: number },
): number {
  const { requests, total, depth } = options;
  const longest = Math.max(...requests.map((r) => r.length));
  const scratch = new Uint8Array(longest * depth);
  let next = 0;
  let sent = 0;
  const sendMore = (n: number) => {
    let at = 0;
    for (let i = 0; i < n; i++) {
      const request = requests[next]!;
      next = next + 1 === requests.length ? 0 : next + 1;
      scratch.set(request, at);
      at += request.length;
    }
    client.send(scratch.subarray(0, at));
    sent += n;
  };
  const t0 = performance.now();
  sendMore(Math.min(depth, total));
  let received = 0;
  while (received < total) {
    const n = client.readSomeLines();
    received += n;
    const more = Math.min(n, total - sent);
    if (more > 0) sendMore(more);
  }
  return (performance.now() - t0) / 1000;
}

/** Sends one request and returns its reply as text. */
function callText(client: SyncClient, request: string): string {
  return decoder.decode(client.call(encoder.encode(request)));
}

/**
 * Opens `path` through `guest-file-open`.
 *
 * @param client The client.
 * @param options The path and the open mode.
 * @returns The handle.
 */
export function openFile(client: SyncClient, options: { path: string; mode: string }): number {
  const reply = callText(
    client,
    JSON.stringify({ execute: "guest-file-open", arguments: options }),
  );
  const m = /^\{"return": (\d+)\}$/.exec(reply);
  if (!m) throw new Error(`guest-file-open of ${options.path} failed: ${reply}`);
  return Number(m[1]);
}

/**
 * Closes a handle through `guest-file-close`.
 *
 * @param client The client.
 * @param handle The handle.
 */
export function closeFile(client: SyncClient, handle: number): void {
  const reply = client.call(
    encoder.encode(`{"execute":"guest-file-close","arguments":{"handle":${handle}}}`),
  );
  expectEmptyReturn(reply, "guest-file-close");
}

/**
 * Base64 bodies of `data` cut into `chunkSize` pieces, as ASCII bytes ready to be sent.
 *
 * @param data The file content.
 * @param chunkSize Bytes per guest-file-write.
 * @returns One base64 body per chunk.
 */
export function base64Chunks(data: Uint8Array, chunkSize: number): Uint8Array<ArrayBuffer>[] {
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  for (let at = 0; at < data.length; at += chunkSize) {
    chunks.push(encoder.encode(data.subarray(at, at + chunkSize).toBase64()));
  }
  return chunks;
}

/**
 * Writes a whole file with one `guest-file-write` per chunk (sequential requests, as clients
 * do), between an untimed open (mode `w`) and close.
 *
 * @param client The client.
 * @param options The path and the base64 chunks (see {@linkcode base64Chunks}).
 * @returns Seconds from the first write request to the last write reply.
 */
export function writeFile(
  client: SyncClient,
  options: { path: string; chunks: readonly Uint8Array<ArrayBuffer>[] },
): number {
  const handle = openFile(client, { path: options.path, mode: "w" });
  const head = encoder.encode(
    `{"execute":"guest-file-write","arguments":{"handle":${handle},"buf-b64":"`,
  );
  const tail = encoder.encode(`"}}`);
  const t0 = performance.now();
  for (const chunk of options.chunks) {
    client.send(head);
    client.send(chunk);
    client.send(tail);
    const reply = client.readLine();
    if (reply[2] !== 0x72 /* r of "return" */) {
      throw new Error(`guest-file-write failed: ${decoder.decode(reply.slice(0, 300))}`);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  closeFile(client, handle);
  return seconds;
}

/** Parses the decimal `count` of a guest-file-read reply. */
function readCount(reply: Uint8Array): number {
  if (!startsWith(reply, READ_HEAD)) {
    throw new Error(`guest-file-read failed: ${decoder.decode(reply.slice(0, 300))}`);
  }
  let n = 0;
  for (let i = READ_HEAD.length; reply[i]! >= 0x30 && reply[i]! <= 0x39; i++) {
    n = n * 10 + reply[i]! - 0x30;
  }
  return n;
}

/**
 * Reads a whole file with `guest-file-read` of `chunkSize` until `eof`, between an untimed open
 * (mode `r`) and close. Only the reply's count and eof flag are looked at (see
 * {@linkcode verifyFile} for the content).
 *
 * @param client The client.
 * @param options The path and the count per request.
 * @returns Seconds from the first read request to the eof reply, and the bytes read.
 */
export function readFile(
  client: SyncClient,
  options: { path: string; chunkSize: number },
): { seconds: number; bytes: number } {
  const handle = openFile(client, { path: options.path, mode: "r" });
  const request = encoder.encode(
    `{"execute":"guest-file-read","arguments":{"handle":${handle},"count":${options.chunkSize}}}`,
  );
  let bytes = 0;
  const t0 = performance.now();
  while (true) {
    const reply = client.call(request);
    bytes += readCount(reply);
    if (startsWith(reply, EOF_TAIL, reply.length - EOF_TAIL.length)) break;
  }
  const seconds = (performance.now() - t0) / 1000;
  closeFile(client, handle);
  return { seconds, bytes };
}

/**
 * Reads `path` back through the agent (1 MiB reads), decodes every reply and compares it with
 * `expected`; throws on the first difference.
 *
 * @param client The client.
 * @param options The path and its expected content.
 */
export function verifyFile(
  client: SyncClient,
  options: { path: string; expected: Uint8Array },
): void {
  const handle = openFile(client, { path: options.path, mode: "r" });
  const request = encoder.encode(
    `{"execute":"guest-file-read","arguments":{"handle":${handle},"count":1048576}}`,
  );
  let at = 0;
  while (true) {
    const reply = JSON.parse(decoder.decode(client.call(request)));
    const data = Uint8Array.fromBase64(reply.return["buf-b64"]);
    const want = options.expected.subarray(at, at + data.length);
    if (data.length !== reply.return.count || !data.every((b, i) => b === want[i])) {
      throw new Error(`${options.path} differs from what was written near offset ${at}`);
    }
    at += data.length;
    if (reply.return.eof) break;
  }
  if (at !== options.expected.length) {
    throw new Error(`${options.path} has ${at} bytes, expected ${options.expected.length}`);
  }
  closeFile(client, handle);
}

/**
 * Deterministic pseudo-random bytes (xorshift32), incompressible enough for file transfers.
 *
 * @param size Number of bytes.
 * @returns The bytes.
 */
export function pseudoRandomBytes(size: number): Uint8Array<ArrayBuffer> {
  const words = new Uint32Array(Math.ceil(size / 4));
  let x = 0x9e3779b9;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x;
  }
  return new Uint8Array(words.buffer, 0, size);
}
