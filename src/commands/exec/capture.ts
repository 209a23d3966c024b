/**
 * Captured output of a guest-exec child, bounded twice:
 *
 * - per stream, qemu-ga's cap: at most 16 MiB ({@link MAX_CAPTURE}); whatever comes after it is
 *   read and dropped and the stream is marked truncated (qemu-ga sets `truncated` only when a
 *   byte beyond the cap arrives, so exactly 16 MiB of output is not truncated);
 * - across every record of the agent, by an {@link OutputBudget} (qga-deno only): memory is
 *   taken as the capture grows, and growth the budget cannot grant ends the capture of that
 *   stream the same way (dropped and marked truncated), so a host that starts program after
 *   program and never collects them cannot make the agent hold more than the budget.
 *
 * Each stream is one resizable `ArrayBuffer` (at most 16 MiB) grown in place 64 KiB at a time:
 * no copies while it grows, at most 64 KiB unused, and one `toBase64()` over it makes the
 * reply's text without a further copy of the data. Reads land in a 64 KiB buffer of the stream's
 * own (a BYOB read, which Deno's pipes support, allocates nothing per read).
 *
 * @module
 */

import { encodeBase64 } from "../file/base64.ts";

/** qemu-ga's per-stream cap (`GUEST_EXEC_MAX_OUTPUT`): 16 MiB. */
export const MAX_CAPTURE = 16 * 1024 * 1024;

/** Growth step of a capture buffer. */
const GROWTH = 64 * 1024;

/**
 * Bytes held for guest-exec across the whole agent (captured output, pending input). Once a
 * capture has been cut short for want of budget, the budget counts as exhausted until some
 * memory is given back, so that new children are refused rather than started with nothing left
 * for their output.
 */
export class OutputBudget {
  #used = 0;
  #cut = false;

  /**
   * Creates a budget.
   *
   * @param limit The most bytes that may be held at once.
   */
  constructor(readonly limit: number) {}

  /** Bytes held now. */
  get used(): number {
    return this.#used;
  }

  /** True when everything is held, or a capture was cut since memory was last given back. */
  get exhausted(): boolean {
    return this.#cut || this.#used >= this.limit;
  }

  /** Takes `bytes` for captured output if they fit; a refusal marks the budget exhausted. */
  take(bytes: number): boolean {
    if (this.reserve(bytes)) return true;
    this.#cut = true;
    return false;
  }

  /** Takes `bytes` (pending input) if they fit; returns whether they did. */
  reserve(bytes: number): boolean {
    if (this.#used + bytes > this.limit) return false;
    this.#used += bytes;
    return true;
  }

  /** Gives back `bytes` taken before. */
  give(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
    if (bytes > 0) this.#cut = false;
  }
}

/** One captured stream. */
export class CapturedOutput {
  #buffer: ArrayBuffer | undefined;
  #length = 0;
  #truncated = false;
  #budget: OutputBudget;

  /** Creates an empty capture drawing its memory from `budget`. */
  constructor(budget: OutputBudget) {
    this.#budget = budget;
  }

  /** Bytes captured. */
  get length(): number {
    return this.#length;
  }

  /** True once output was dropped (beyond 16 MiB, or beyond the budget). */
  get truncated(): boolean {
    return this.#truncated;
  }

  /** Memory held (the buffer's size). */
  get held(): number {
    return this.#buffer?.byteLength ?? 0;
  }

  /** Appends what the child wrote, dropping what does not fit. */
  append(chunk: Uint8Array): void {
    let keep = Math.min(chunk.length, MAX_CAPTURE - this.#length);
    // Without budget for more, what fits in the buffer as it is still counts.
    if (!this.#grow(this.#length + keep)) keep = Math.min(keep, this.held - this.#length);
    if (keep > 0) {
      new Uint8Array(this.#buffer!, this.#length, keep).set(chunk.subarray(0, keep));
      this.#length += keep;
    }
    if (keep < chunk.length) this.#truncated = true;
  }

  /** Makes the buffer at least `size` bytes long; false when the budget refuses. */
  #grow(size: number): boolean {
    const held = this.held;
    if (size <= held) return true;
    const target = Math.min(MAX_CAPTURE, Math.ceil(size / GROWTH) * GROWTH);
    if (!this.#budget.take(target - held)) return false;
    this.#buffer ??= new ArrayBuffer(0, { maxByteLength: MAX_CAPTURE });
    this.#buffer.resize(target);
    return true;
  }

  /** The captured bytes in base64 (qemu-ga's `g_base64_encode`). */
  toBase64(): string {
    return this.#buffer ? encodeBase64(new Uint8Array(this.#buffer, 0, this.#length)) : "";
  }

  /** Frees the buffer and gives its memory back to the budget. */
  release(): void {
    this.#budget.give(this.held);
    this.#buffer = undefined;
  }
}

/** Bytes read at a time. */
const READ_SIZE = 64 * 1024;

/**
 * Reads `stream` to its end into `capture` through a 64 KiB buffer of its own, with BYOB reads
 * when the stream supports them (Deno's pipes do). Read errors end the stream, as GLib's
 * `G_IO_STATUS_ERROR` closes the channel.
 */
export async function captureStream(
  stream: ReadableStream<Uint8Array>,
  capture: CapturedOutput,
): Promise<void> {
  let reader: ReadableStreamBYOBReader;
  try {
    reader = stream.getReader({ mode: "byob" });
  } catch {
    try {
      for await (const chunk of stream) capture.append(chunk);
    } catch {
      // The stream ended with an error.
    }
    return;
  }
  let buffer = new Uint8Array(READ_SIZE);
  try {
    while (true) {
      const { done, value } = await reader.read(buffer);
      if (value) {
        capture.append(value);
        buffer = new Uint8Array(value.buffer);
      }
      if (done) break;
    }
  } catch {
    // The stream ended with an error.
  } finally {
    reader.releaseLock();
  }
}
