/**
 * The progress bar of `cp`: bytes done of the total, percentage, rate and ETA, redrawn at most
 * ten times a second on a terminal (stderr) and not drawn at all elsewhere.
 *
 * @module
 */

import { clock, iec } from "./format.ts";
import { type Output, writeText } from "./io.ts";

/**
 * One progress line: `[=====>    ]  45%  14.4 MiB / 32.0 MiB  3.1 MiB/s  ETA 0:06`, fitted to
 * `columns` (the bar shrinks first, and is dropped below 10 cells).
 *
 * @param done Bytes done.
 * @param total Bytes in all.
 * @param elapsedS Seconds since the start.
 * @param columns Width available.
 * @returns The line.
 */
export function progressLine(
  done: number,
  total: number,
  elapsedS: number,
  columns: number,
): string {
  const fraction = total > 0 ? Math.min(1, done / total) : 1;
  const rate = elapsedS > 0 ? done / elapsedS : 0;
  const eta = rate > 0 ? clock((total - done) / rate) : "-:--";
  const percent = `${Math.floor(fraction * 100)}%`.padStart(4);
  // Fixed-width fields keep the bar from changing length as the numbers grow.
  const bytes = `${iec(done).padStart(iec(total).length)} / ${iec(total)}`;
  const text = `${percent}  ${bytes}  ${`${iec(rate)}/s`.padStart(10)}  ETA ${eta}`;
  const room = columns - 1 - text.length - 3;
  if (room < 10) return text.slice(0, Math.max(0, columns - 1));
  const cells = Math.min(40, room);
  const full = Math.floor(fraction * cells);
  const bar = full >= cells
    ? "=".repeat(cells)
    : "=".repeat(full) + ">" + " ".repeat(cells - full - 1);
  return `[${bar}] ${text}`;
}

/** A progress bar for one transfer. */
export class Progress {
  #out: Output | undefined;
  #total: number;
  #columns: number;
  #now: () => number;
  #start: number;
  #drawn = 0;
  #done = 0;

  /**
   * A bar for `total` bytes, drawn on `out` when it is a terminal.
   *
   * @param out Where to draw (stderr); nothing is drawn unless it is a terminal.
   * @param total Bytes in all.
   * @param columns Terminal width.
   * @param now Clock in milliseconds (for tests).
   */
  constructor(
    out: Output,
    total: number,
    columns: number,
    now: () => number = () => performance.now(),
  ) {
    this.#out = out.isTerminal() ? out : undefined;
    this.#total = total;
    this.#columns = columns;
    this.#now = now;
    this.#start = now();
  }

  /** Bytes done so far. */
  get done(): number {
    return this.#done;
  }

  /** Seconds since the start. */
  get elapsed(): number {
    return (this.#now() - this.#start) / 1000;
  }

  /** Records that `bytes` more are done; redraws if 100 ms passed since the last draw. */
  async advance(bytes: number): Promise<void> {
    this.#done += bytes;
    const now = this.#now();
    if (!this.#out || (now - this.#drawn < 100 && this.#done < this.#total)) return;
    this.#drawn = now;
    const line = progressLine(this.#done, this.#total, this.elapsed, this.#columns);
    await writeText(this.#out, `\r${line}\x1b[K`);
  }

  /**
   * Clears the bar and, on a terminal, prints a summary line.
   *
   * @param what What was transferred (e.g. `host.img → guest:/tmp/x`).
   */
  async finish(what: string): Promise<void> {
    if (!this.#out) return;
    const s = Math.max(this.elapsed, 0.001);
    await writeText(
      this.#out,
      `\r\x1b[K${what}: ${iec(this.#done)} in ${s.toFixed(1)} s (${iec(this.#done / s)}/s)\n`,
    );
  }

  /** Clears the bar (after a failure). */
  async abandon(): Promise<void> {
    if (this.#out) await writeText(this.#out, "\r\x1b[K");
  }
}
