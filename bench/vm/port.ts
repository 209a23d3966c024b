/**
 * The host side of an agent's virtio-serial port, for the benchmark: a blocking
 * {@linkcode SyncClient} on QEMU's chardev socket, resynchronised with `guest-sync-delimited`
 * (spec §1.7: the port has no sessions, so stale bytes may wait in it), and the offset between
 * the guest's clock and this host's, read through the reference qemu-ga's `guest-get-time`.
 *
 * @module
 */

import { SyncClient } from "../sync_client.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Milliseconds since the epoch on this host, with sub-microsecond resolution. */
export function hostNowMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Connects to a chardev socket.
 *
 * @param path The socket path.
 * @returns The client (not yet resynchronised).
 */
export function connectPort(path: string): SyncClient {
  return SyncClient.connect(path);
}

let nextSyncId = 7_000_000 + Math.floor(Math.random() * 1_000_000) * 1000;

/**
 * Resynchronises with the agent behind `client`: sends 0xFF and `guest-sync-delimited` with a
 * fresh id, and reads reply lines until the delimited one with that id (what a 0xFF sentinel
 * precedes is dropped; the agent's error reply to the 0xFF byte is skipped).
 *
 * @param client The port's client.
 */
export function resync(client: SyncClient): void {
  const id = nextSyncId++;
  const json = encoder.encode(`{"execute":"guest-sync-delimited","arguments":{"id":${id}}}`);
  const bytes = new Uint8Array(json.length + 1);
  bytes[0] = 0xff;
  bytes.set(json, 1);
  client.send(bytes);
  const want = `{"return": ${id}}`;
  while (true) {
    const line = client.readLine();
    const ff = line.lastIndexOf(0xff);
    if (ff >= 0 && decoder.decode(line.subarray(ff + 1)) === want) return;
  }
}

/** An estimate of the guest clock minus the host clock. */
export interface ClockOffset {
  /** Guest `CLOCK_REALTIME` minus host time, in milliseconds. */
  offsetMs: number;
  /** Round trip of the sample it comes from (the uncertainty is half of it), milliseconds. */
  rttMs: number;
}

const GET_TIME = encoder.encode(`{"execute":"guest-get-time"}`);

/**
 * Estimates the guest clock's offset from `samples` `guest-get-time` round trips to the
 * reference qemu-ga (NTP-style: the sample with the shortest round trip, its reading taken as
 * made half-way through it).
 *
 * @param ref The reference agent's client.
 * @param samples How many round trips.
 * @returns The offset and its round trip.
 */
export function clockOffset(ref: SyncClient, samples = 8): ClockOffset {
  let best: ClockOffset = { offsetMs: NaN, rttMs: Infinity };
  for (let i = 0; i < samples; i++) {
    const t1 = hostNowMs();
    const reply = decoder.decode(ref.call(GET_TIME));
    const t2 = hostNowMs();
    const m = /^\{"return": (\d+)\}$/.exec(reply);
    if (!m) throw new Error(`guest-get-time answered ${reply}`);
    const ns = BigInt(m[1]!);
    const guestMs = Number(ns / 1000n) / 1000;
    if (t2 - t1 < best.rttMs) best = { offsetMs: guestMs - (t1 + t2) / 2, rttMs: t2 - t1 };
  }
  return best;
}

/**
 * The guest's `CLOCK_REALTIME` in milliseconds from busybox `adjtimex` output (`time.tv_sec`,
 * `time.tv_usec`, which holds nanoseconds when the status has `STA_NANO`).
 *
 * @param text What `adjtimex` printed.
 * @returns Milliseconds since the epoch.
 * @throws Error when the fields are missing.
 */
export function adjtimexMs(text: string): number {
  const sec = /time\.tv_sec:\s*(\d+)/.exec(text);
  const sub = /time\.tv_usec:\s*(\d+)/.exec(text);
  const status = /status:\s*(\d+)/.exec(text);
  if (!sec || !sub) throw new Error(`unexpected adjtimex output: ${text}`);
  const STA_NANO = 0x2000;
  const nano = status !== null && (Number(status[1]) & STA_NANO) !== 0;
  return Number(sec[1]) * 1000 + Number(sub[1]) / (nano ? 1e6 : 1e3);
}
