/**
 * The pieces of the agent's resynchronisation protocol (QEMU's `guest-sync-delimited`): request
 * texts, random ids, reading the id of a `{"return": N}` line, and the message when no agent
 * answers.
 *
 * @module
 */

import { type Json, toJsonText } from "./json.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The agent's error reply to a 0xFF byte (qemu-ga answers the byte itself with one). */
export const STRAY_PREFIX =
  `{"error": {"class": "GenericError", "desc": "JSON parse error, stray '`;

/** A random id for `guest-sync-delimited` (1 … 2^32−1, as QEMU's own client uses). */
export function randomId(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0]! || 1;
}

/** The request text of `command` with `args` (omitted when undefined). */
export function requestText(command: string, args?: Json | Record<string, unknown>): string {
  const argsText = args === undefined ? "" : `,"arguments":${toJsonText(args)}`;
  return `{"execute":${JSON.stringify(command)}${argsText}}\n`;
}

/** `guest-sync-delimited` with `id`, preceded by the byte 0xFF when `reset`. */
export function syncRequest(id: number, reset: boolean): Uint8Array {
  const json = encoder.encode(requestText("guest-sync-delimited", { id }));
  if (!reset) return json;
  const bytes = new Uint8Array(json.length + 1);
  bytes[0] = 0xff;
  bytes.set(json, 1);
  return bytes;
}

/** The id of a `{"return": N}` line, or undefined. */
export function returnedId(text: string): number | undefined {
  const m = /^\s*\{\s*"return"\s*:\s*(\d+)\s*\}\s*$/.exec(text);
  return m ? Number(m[1]) : undefined;
}

/** `5 s`, `0.5 s`. */
export function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** Why the resync found no agent, with what arrived instead (if anything). */
export function noAnswerMessage(where: string, timeoutMs: number, seen: Uint8Array): string {
  const text = decoder.decode(seen);
  let instead = "";
  if (text.includes('"QMP"')) {
    instead = " It answered with a QMP greeting: that is QEMU's monitor socket, not the agent's.";
  } else if (seen.length > 0) {
    instead = ` It sent other data: ${JSON.stringify(text.slice(0, 120))}.`;
  }
  return `No answer from a guest agent at ${where} within ${seconds(timeoutMs)}.${instead} ` +
    "Is the agent running in the guest, has the guest booted, is this the agent's channel, " +
    "and is no other client (libvirt, another qga client) connected to it?";
}
