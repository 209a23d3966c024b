/**
 * Human output: aligned tables, sizes in IEC units, rates, durations and times.
 *
 * @module
 */

/** A table column: its header and whether its cells align right (numbers, sizes). */
export interface Column {
  /** Header text. */
  readonly header: string;
  /** Right-aligned (default: left). */
  readonly right?: boolean;
}

/**
 * Lays out rows under headers, columns separated by two spaces; the last column is not padded.
 *
 * @param columns The columns.
 * @param rows The cells, one array per row (missing cells are empty).
 * @returns The lines, headers first.
 *
 * @example
 * ```ts
 * import { table } from "./format.ts";
 * const lines = table([{ header: "NAME" }, { header: "SIZE", right: true }], [["a", "1 KiB"]]);
 * if (lines.join("\n") !== "NAME   SIZE\na     1 KiB") throw new Error(lines.join("\n"));
 * ```
 */
export function table(columns: readonly Column[], rows: readonly (readonly string[])[]): string[] {
  const widths = columns.map((c, i) =>
    Math.max(width(c.header), ...rows.map((row) => width(row[i] ?? "")))
  );
  const line = (cells: readonly string[]) =>
    columns.map((c, i) => {
      const cell = cells[i] ?? "";
      const pad = " ".repeat(widths[i]! - width(cell));
      if (c.right) return pad + cell;
      return i === columns.length - 1 ? cell : cell + pad;
    }).join("  ").trimEnd();
  return [line(columns.map((c) => c.header)), ...rows.map(line)];
}

/** Display width of a string: code points (good enough for names and numbers). */
function width(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * Aligned `key: value` lines (the values start in one column).
 *
 * @param pairs Keys and values; pairs with an undefined value are left out.
 * @returns The lines.
 */
export function keyValues(pairs: readonly (readonly [string, string | undefined])[]): string[] {
  const shown = pairs.filter((p): p is readonly [string, string] => p[1] !== undefined);
  const keyWidth = Math.max(0, ...shown.map(([key]) => width(key) + 1));
  return shown.map(([key, value]) => `${`${key}:`.padEnd(keyWidth)} ${value}`);
}

const UNITS = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];

/**
 * A byte count in IEC units: `512 B`, `1.5 KiB`, `12.3 GiB`, `120 MiB` (three significant
 * digits at most, one decimal below 100).
 *
 * @param bytes The count (a bigint is converted).
 * @returns The text.
 */
export function iec(bytes: number | bigint): string {
  let value = Number(bytes);
  if (!Number.isFinite(value)) return "?";
  const sign = value < 0 ? "-" : "";
  value = Math.abs(value);
  if (value < 1024) return `${sign}${Math.round(value)} B`;
  let unit = -1;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const rounded = value >= 99.95 ? Math.round(value).toString() : value.toFixed(1);
  // 1023.96 KiB rounds to "1024 KiB"; show the next unit instead.
  if (rounded === "1024" && unit < UNITS.length - 1) return `${sign}1.0 ${UNITS[unit + 1]}`;
  return `${sign}${rounded} ${UNITS[unit]}`;
}

/**
 * A duration as `m:ss` or `h:mm:ss`.
 *
 * @param seconds The duration (rounded up to whole seconds; negative counts as 0).
 * @returns The text.
 */
export function clock(seconds: number): string {
  const total = Math.max(0, Math.ceil(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/**
 * A time as `YYYY-MM-DD HH:MM:SS.fffffffff UTC` from nanoseconds since the epoch (exact).
 *
 * @param ns Nanoseconds since the epoch.
 * @returns The text.
 */
export function utcFromNs(ns: bigint): string {
  const second = ns >= 0n ? ns / 1_000_000_000n : -((-ns + 999_999_999n) / 1_000_000_000n);
  const fraction = ns - second * 1_000_000_000n;
  const date = new Date(Number(second) * 1000).toISOString().slice(0, 19).replace("T", " ");
  return `${date}.${fraction.toString().padStart(9, "0")} UTC`;
}

/**
 * A time as `YYYY-MM-DD HH:MM:SS UTC` from (fractional) seconds since the epoch.
 *
 * @param seconds Seconds since the epoch.
 * @returns The text.
 */
export function utcFromSeconds(seconds: number): string {
  const date = new Date(Math.floor(seconds * 1000));
  if (Number.isNaN(date.getTime())) return String(seconds);
  return `${date.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}
