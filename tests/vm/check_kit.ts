/**
 * What every VM check is built from: the check's context and shape, and the expectation helpers
 * that turn a difference into a `CheckFailure` with a readable message.
 *
 * @module
 */

import { AgentClient, AgentError } from "./agent_client.ts";
import type { GuestShell } from "./guest_shell.ts";
import type { AgentKind, QmpClient, Vm } from "./qemu.ts";
import type { Arch } from "./arch.ts";

/** What a check can use. */
export interface CheckContext {
  /** The VM. */
  vm: Vm;
  /** QMP connection. */
  qmp: QmpClient;
  /** The guest command channel. */
  shell: GuestShell;
  /** Client of the agent under test (replaced when a check reconnects). */
  agent: AgentClient;
  /** Client of the reference qemu-ga 7.2. */
  ref: AgentClient;
  /** Which agent is under test. */
  kind: AgentKind;
  /** The guest's architecture (what a check expects may depend on it, e.g. `uname -m`). */
  arch: Arch;
  /** Adds a note to the check's report line. */
  note(text: string): void;
}

/** One check. */
export interface Check {
  /** Name printed in the report. */
  name: string;
  /** Timeout in milliseconds (default 60 s). */
  timeoutMs?: number;
  /**
   * Why the check does not apply to this run (e.g. a qga-deno feature while qemu-ga is under
   * test), or undefined when it runs. A skipped check is reported, neither passed nor failed.
   */
  skip?(ctx: CheckContext): string | undefined;
  /** The check; throws on failure. */
  run(ctx: CheckContext): Promise<void>;
}

/** A failed expectation. */
export class CheckFailure extends Error {}

export function expect(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckFailure(message);
}

/** JSON text with object members sorted, so member order does not matter. */
export function canonical(value: unknown): string {
  return JSON.stringify(
    value,
    (_key, v) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : v,
  );
}

export function expectEqual<T>(actual: T, expected: T, what: string): void {
  const a = canonical(actual);
  const e = canonical(expected);
  if (a !== e) throw new CheckFailure(`${what}: expected ${e}, got ${a}`);
}

/** Runs a command that must fail; returns the error. */
export async function expectError(
  agent: AgentClient,
  command: string,
  args?: unknown,
  timeoutMs?: number,
): Promise<AgentError> {
  try {
    const r = await agent.execute(command, args, timeoutMs);
    throw new CheckFailure(`${command} succeeded (${JSON.stringify(r)}) but should fail`);
  } catch (error) {
    if (error instanceof AgentError) return error;
    throw error;
  }
}

/** Standard base64 of bytes. */
export function b64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

/** The bytes of standard base64 text. */
export function unb64(text: string): Uint8Array {
  const s = atob(text);
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}
