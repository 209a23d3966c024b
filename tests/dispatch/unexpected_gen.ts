/**
 * Requests with several unexpected argument members, for comparing which one qemu-ga and
 * qga-deno name, and the in-process qga-deno side of that comparison.
 *
 * Every generated request fails argument validation before any command could run: each one has
 * at least two unexpected members in the object the visitor checks first (`arguments`, or for
 * `guest-set-vcpus` possibly `vcpus[0]`), and the vCPU ids do not exist anyway. Only
 * `guest-ping`, `guest-info`, `guest-sync` and the file commands on handles that were never
 * opened are used besides `guest-set-vcpus`.
 *
 * @module
 */

import { JsonMessageStream } from "../../src/stream/json_stream.ts";
import { testDispatcher } from "../helpers/command_context.ts";

const encoder = new TextEncoder();
const latin1 = new TextDecoder("latin1");

/** Random choices over a seeded source. */
class Pick {
  constructor(readonly next: () => number) {}
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  of<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
}

const ASCII_POOL = "abcdefghijklmnopqrstuvwxyzABCXYZ0123456789_-.%$ ";
const UNICODE_POOL = [..."éüßÿ€✓中文日本\u0080\u00A0\u07FF\u0800\uFFFD\uFFFC", "😀", "𝄞"];

/** One member name as JSON string bytes (quotes included) and as the decoded key. */
function randomKey(p: Pick): { json: Uint8Array; key: string } {
  if (p.chance(0.05)) return { json: encoder.encode('""'), key: "" };
  const len = p.chance(0.2) ? p.range(1, 3) : p.range(1, p.chance(0.1) ? 40 : 10);
  const parts: Uint8Array[] = [encoder.encode('"')];
  let key = "";
  for (let i = 0; i < len; i++) {
    const r = p.next();
    if (r < 0.6) {
      const c = p.of([...ASCII_POOL]);
      parts.push(encoder.encode(c)), key += c;
    } else if (r < 0.8) {
      const c = p.of(UNICODE_POOL);
      parts.push(encoder.encode(c)), key += c;
    } else if (r < 0.85) {
      parts.push(encoder.encode("\\u0000")), key += "\0";
    } else if (r < 0.9) {
      const c = p.of(['"', "\\", "\n", "\t", "'", "/", "\x01"]);
      parts.push(encoder.encode(JSON.stringify(c).slice(1, -1))), key += c;
    } else {
      // A \u escape of a random BMP character: no surrogate, no noncharacter (both rejected).
      let cp = p.range(1, 0xFFFD);
      if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xE000;
      if (cp >= 0xFDD0 && cp <= 0xFDEF) cp = 0xFDF0;
      parts.push(encoder.encode(`\\u${cp.toString(16).padStart(4, "0")}`));
      key += String.fromCharCode(cp);
    }
  }
  parts.push(encoder.encode('"'));
  return { json: concat(parts), key };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, x) => n + x.length, 0));
  let at = 0;
  for (const x of parts) (out.set(x, at), at += x.length);
  return out;
}

function randomValue(p: Pick): string {
  return p.of(["1", "true", "null", '"x"', "[]", "{}", "-7", "2.5"]);
}

/** `count` fresh member names, none equal to each other or to a name in `avoid`. */
function junk(p: Pick, count: number, avoid: readonly string[]): Uint8Array[] {
  const seen = new Set(avoid);
  const out: Uint8Array[] = [];
  while (out.length < count) {
    const { json, key } = randomKey(p);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(concat([json, encoder.encode(`:${randomValue(p)}`)]));
  }
  return out;
}

/** Shuffles declared and junk members together and writes an object. */
function object(p: Pick, declared: string[], extra: Uint8Array[]): Uint8Array {
  const members = [...declared.map((d) => encoder.encode(d)), ...extra];
  for (let i = members.length - 1; i > 0; i--) {
    const j = p.int(i + 1);
    [members[i], members[j]] = [members[j]!, members[i]!];
  }
  const parts: Uint8Array[] = [encoder.encode("{")];
  members.forEach((m, i) => parts.push(i ? encoder.encode(",") : new Uint8Array(0), m));
  parts.push(encoder.encode("}"));
  return concat(parts);
}

/** The declared members of a request: each present with probability `keep`. */
function some(p: Pick, members: string[], keep = 0.85): string[] {
  return members.filter(() => p.chance(keep));
}

/**
 * A request (one JSON object, no newline) whose arguments hold `min`..`max` unexpected members
 * next to some declared ones.
 */
export function unexpectedRequest(next: () => number, id: number, min = 2, max = 64): Uint8Array {
  const p = new Pick(next);
  const n = () => p.range(min, max);
  const command = p.of([
    "guest-ping",
    "guest-info",
    "guest-sync",
    "guest-file-read",
    "guest-file-read",
    "guest-file-seek",
    "guest-file-write",
    "guest-set-vcpus",
    "guest-set-vcpus",
  ]);
  let args: Uint8Array;
  const handle = `"handle":${p.range(1000, 1999)}`;
  switch (command) {
    case "guest-ping":
    case "guest-info":
      args = object(p, [], junk(p, n(), []));
      break;
    case "guest-sync":
      args = object(p, some(p, [`"id":${p.range(0, 99)}`]), junk(p, n(), ["id"]));
      break;
    case "guest-file-read":
      args = object(
        p,
        some(p, [handle, `"count":${p.range(1, 9)}`]),
        junk(p, n(), [
          "handle",
          "count",
        ]),
      );
      break;
    case "guest-file-seek":
      args = object(
        p,
        some(p, [handle, `"offset":0`, `"whence":${p.of(['"set"', '"end"', "1"])}`]),
        junk(p, n(), ["handle", "offset", "whence"]),
      );
      break;
    case "guest-file-write":
      args = object(
        p,
        some(p, [handle, `"buf-b64":"QUJD"`, `"count":${p.range(1, 3)}`]),
        junk(p, n(), ["handle", "buf-b64", "count"]),
      );
      break;
    default: {
      // Unexpected members in vcpus[0], or (with clean elements) at the top level; either way
      // the visitor fails before the command runs. The logical ids do not exist either.
      const nested = p.chance(0.6);
      const names = ["logical-id", "online"];
      const elements: Uint8Array[] = [];
      for (let i = 0; i < p.range(1, 3); i++) {
        const declared = [
          `"logical-id":${p.range(90000, 99999)}`,
          `"online":${p.of(["true", "false"])}`,
        ];
        const extra = (nested && i === 0)
          ? junk(p, n(), names)
          : (nested && p.chance(0.5))
          ? junk(p, p.range(0, 5), names)
          : [];
        elements.push(object(p, nested ? some(p, declared) : declared, extra));
      }
      const list = concat([
        encoder.encode('"vcpus":['),
        ...elements.flatMap((e, i) => [encoder.encode(i ? "," : ""), e]),
        encoder.encode("]"),
      ]);
      args = object(p, [], [list, ...junk(p, nested ? p.range(0, 5) : n(), ["vcpus"])]);
    }
  }
  return concat([
    encoder.encode(`{"execute":"${command}","arguments":`),
    args,
    encoder.encode(`,"id":${id}}`),
  ]);
}

/** An in-process qga-deno pipeline (parser + dispatcher over the fake `Sys`: nothing real runs). */
export class Ours {
  #stream = new JsonMessageStream();
  #dispatcher = testDispatcher();

  /** The reply bytes (latin1-decoded, newline included) to one complete request. */
  async reply(request: Uint8Array | string): Promise<string> {
    const bytes = typeof request === "string" ? encoder.encode(request) : request;
    const events = this.#stream.feed(bytes);
    if (events.length !== 1 || !("value" in events[0]!)) {
      throw new Error(`not one parsed request: ${JSON.stringify(events)}`);
    }
    const reply = await this.#dispatcher.dispatch(events[0].value);
    return reply === null ? "" : latin1.decode(reply);
  }
}
