/**
 * `time` shows the guest's clock (and how far it is from the host's); `time set [TIME]` sets it:
 * without TIME from the guest's hardware clock (qemu-ga runs `hwclock -s`), `now` to the host's
 * clock, else to TIME (seconds since the epoch, `@SECONDS`, or a date `Date.parse` reads, such as
 * `2026-05-01T12:00:00Z`).
 *
 * @module
 */

import { UsageError } from "../errors.ts";
import { utcFromNs } from "../format.ts";
import type { Json } from "../json.ts";
import type { Session } from "../session.ts";
import { type ClientCommand, DEFAULT_TIMEOUT_MS, operands, print, printJson } from "./context.ts";

const NS_PER_S = 1_000_000_000n;

/**
 * Reads a TIME operand as nanoseconds since the epoch.
 *
 * @param text `now`, `SECONDS[.FRACTION]`, `@SECONDS[.FRACTION]`, or a date.
 * @param nowMs The host clock in milliseconds (for `now`).
 * @returns Nanoseconds since the epoch, exact for seconds with up to 9 decimals.
 * @throws UsageError if the text is none of these.
 */
export function parseTime(text: string, nowMs: number = Date.now()): bigint {
  if (text === "now") return BigInt(Math.round(nowMs)) * 1_000_000n;
  const m = /^@?(-?)(\d+)(?:\.(\d{1,9}))?$/.exec(text);
  if (m) {
    const ns = BigInt(m[2]!) * NS_PER_S + BigInt((m[3] ?? "").padEnd(9, "0"));
    return m[1] ? -ns : ns;
  }
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    throw new UsageError(
      `Cannot read the time '${text}' (use now, seconds since the epoch, or a date like ` +
        "2026-05-01T12:00:00Z)",
    );
  }
  return BigInt(ms) * 1_000_000n;
}

/**
 * The guest's clock and its offset from the host's: `… UTC (guest - host: +0.002 s)`.
 *
 * @param guestNs The guest's time in nanoseconds.
 * @param hostMs The host's time in milliseconds when the guest read its clock (estimated).
 * @returns The line.
 */
export function timeLine(guestNs: bigint, hostMs: number): string {
  const offset = Number(guestNs - BigInt(Math.round(hostMs * 1000)) * 1000n) / 1e9;
  const sign = offset < 0 ? "-" : "+";
  return `${utcFromNs(guestNs)} (guest - host: ${sign}${Math.abs(offset).toFixed(3)} s)`;
}

/** Reads the guest's clock; returns it with the host time halfway through the round trip. */
async function guestTime(session: Session, timeoutMs: number): Promise<[Json, number]> {
  const before = Date.now();
  const value = await session.execute("guest-get-time", undefined, timeoutMs);
  return [value, (before + Date.now()) / 2];
}

/** `time [set [TIME]]`. */
export const time: ClientCommand = {
  name: "time",
  usage: "[set [now|SECONDS|DATE]]",
  summary: "the guest's clock; set it (to TIME, the host's clock or its RTC)",
  async run(ctx) {
    const [verb, when] = operands(ctx, 0, 2);
    if (verb !== undefined && verb !== "set") throw new UsageError(`Unknown time action '${verb}'`);
    if (verb === undefined && when !== undefined) throw new UsageError("Usage: time [set [TIME]]");
    const args = when === undefined ? undefined : { time: parseTime(when) };
    const session = await ctx.session();
    const timeoutMs = ctx.timeout(DEFAULT_TIMEOUT_MS);
    if (verb === "set") {
      const value = await session.execute("guest-set-time", args, timeoutMs);
      if (ctx.json) {
        await printJson(ctx, value);
        return 0;
      }
      const [now, hostMs] = await guestTime(session, timeoutMs);
      const from = when === undefined ? "from its hardware clock" : "";
      await print(ctx, [
        `guest clock set${from ? ` ${from}` : ""}; it reads ${
          typeof now === "bigint" ? timeLine(now, hostMs) : String(now)
        }`,
      ]);
      return 0;
    }
    const [value, hostMs] = await guestTime(session, timeoutMs);
    if (ctx.json) await printJson(ctx, value);
    else await print(ctx, [typeof value === "bigint" ? timeLine(value, hostMs) : String(value)]);
    return 0;
  },
};
