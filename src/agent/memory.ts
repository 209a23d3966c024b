/**
 * How the agent keeps its memory near idle under large requests — V8 and glibc tuning, kept
 * apart from the serve loop so that `./serve.ts` reads as bytes → stream → dispatch → reply:
 *
 * - {@link GarbageBudget}: collects garbage after large requests instead of at V8's pace;
 * - {@link RestingMemory}: once large transfers stop, hands buffers and heap back to the system;
 * - {@link fixMallocThresholds}: stops glibc's malloc from keeping freed large buffers resident.
 *
 * The V8 flags that go with them (`--max-semi-space-size=1`, `--expose-gc`, …) are the start
 * task's in deno.json; build.sh bakes the same ones into the binaries.
 *
 * @module
 */

import { setMallocThresholds, trimMalloc } from "../sys/malloc.ts";
import type { JsonMessageStream } from "../stream/json_stream.ts";

/** V8's `gc()`, present when the agent runs with `--expose-gc` (deno.json's start task, build.sh). */
const collectGarbage = (globalThis as { gc?: () => void }).gc;

/** Garbage (V8 heap plus external buffers, bytes) tolerated beyond what was live after a collection. */
export const GARBAGE_BUDGET = 32 * 1024 * 1024;
/** Input or reply bytes that are "large": worth a look at the memory figures (~10 µs). */
const LARGE = 1024 * 1024;
/** Input between two looks at the memory figures while no request completes. */
const LARGE_IDLE_INPUT = 16 * 1024 * 1024;
/**
 * Input or reply bytes of a request that is "huge": the garbage tolerated after it is
 * {@linkcode HUGE_REQUEST_BUDGET}. Processing such a request takes 50 ms or more, which dwarfs a
 * collection (~5 ms), and its garbage left for later would add to the peak of the next one.
 */
const HUGE_REQUEST = 16 * 1024 * 1024;
/** Garbage tolerated after a huge request (bytes). */
const HUGE_REQUEST_BUDGET = 8 * 1024 * 1024;
/** A successful match on an empty string, see {@linkcode GarbageBudget.settle}. */
const EMPTY_MATCH = /(?:)/;

/**
 * Keeps the garbage of large requests from piling up. V8 sizes its heap for throughput: it lets
 * garbage grow to a multiple of the live heap (and external buffers by 64 MiB at a time) before
 * a full collection. A request costs garbage in proportion to its size — a 24 MiB member name is
 * a 24 MiB string, echoed in a 24 MiB error reply — and at V8's pace 16 such requests took the
 * agent to 476 MiB. So once the requests of a chunk have been answered — when they and their
 * replies have just become garbage — if one came with large input (1 MiB since the last look) or
 * got a large reply, or 16 MiB of input completed none, the loop compares V8's heap and external
 * memory with what was live after the last collection, and collects when more than
 * {@linkcode GARBAGE_BUDGET} has accumulated (8 MiB after a request of 16 MiB or more). Looking
 * while a request is still referenced (before it is run, or with its reply in hand) would count
 * it as live, and it would survive into the next large request, whose own copies then pile on
 * top. Small requests never come near it: the young generation (`--max-semi-space-size=1`)
 * collects their garbage as before.
 */
export class GarbageBudget {
  #stream: JsonMessageStream;
  /** Input since the last look. */
  #input = 0;
  /** Input since the last request was answered. */
  #requestInput = 0;
  /** A request with large input or a large reply was answered since the last look. */
  #large = false;
  /** A huge one was. */
  #huge = false;
  #live = Infinity;
  /** Bytes in and out since {@link #resting} last heard of a transfer. */
  #moved = 0;
  #resting: RestingMemory | undefined;

  /**
   * Watches the garbage around `stream`, whose own buffer (live, not garbage) is discounted;
   * tells `resting` (if given) of every MiB that goes in or out.
   */
  constructor(stream: JsonMessageStream, resting?: RestingMemory) {
    this.#stream = stream;
    this.#resting = resting;
  }

  #used(): number {
    const { heapUsed, external } = Deno.memoryUsage();
    return heapUsed + external - this.#stream.footprint;
  }

  /** A chunk of `bytes` is about to be fed. */
  fed(bytes: number): void {
    this.#input += bytes;
    this.#requestInput += bytes;
  }

  /** A request has been answered with a reply of `replyBytes` (0 for none). */
  answered(replyBytes: number): void {
    const request = this.#requestInput;
    this.#requestInput = 0;
    this.#moved += request + replyBytes;
    if (this.#moved >= LARGE) {
      this.#moved = 0;
      this.#resting?.busy();
    }
    if (request >= HUGE_REQUEST || replyBytes >= HUGE_REQUEST) this.#huge = true;
    if (this.#huge || this.#input >= LARGE || request >= LARGE || replyBytes >= LARGE) {
      this.#large = true;
    }
  }

  /** The chunk's requests and replies are no longer referenced: time for a look, if one is due. */
  settle(): void {
    if (this.#large) {
      // V8 keeps the subject of the last successful RegExp match alive (the legacy
      // `RegExp.input`) until the next match: a large reply's text (the writer tests strings with
      // a RegExp) would stay resident, however idle the agent. A match on "" takes its place.
      EMPTY_MATCH.exec("");
      this.#check(this.#huge ? HUGE_REQUEST_BUDGET : GARBAGE_BUDGET);
    } else if (this.#input >= LARGE_IDLE_INPUT) {
      this.#check(GARBAGE_BUDGET);
    }
  }

  /** Collects when more than `budget` bytes of garbage have accumulated. */
  #check(budget: number): void {
    this.#input = 0;
    this.#large = false;
    this.#huge = false;
    if (collectGarbage === undefined) return;
    const used = this.#used();
    if (used - this.#live <= budget) {
      this.#live = Math.min(this.#live, used);
      return;
    }
    collectGarbage();
    this.#live = this.#used();
  }
}

/** How long after the last large transfer the agent counts as at rest (ms). */
export const REST_AFTER_MS = 1000;

/**
 * Hands memory back once large transfers stop ({@link REST_AFTER_MS} after the last MiB moved):
 * V8 grows its heap and keeps it, glibc keeps freed pages below its trim threshold, and the
 * agent keeps buffers for the next chunk of a transfer — all of which are what a transfer needs,
 * not what an idle agent should hold. At rest: the owner's buffers are let go (`release`), a
 * full collection runs (with `--expose-gc`), and `malloc_trim(0)` returns malloc's free pages.
 * One timer per transfer, re-armed as long as data keeps moving; none while the agent only
 * answers small requests.
 */
export class RestingMemory {
  #release: () => void;
  #lastBusy = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;

  /** `release` lets go of the owner's buffers when the agent comes to rest. */
  constructor(release: () => void) {
    this.#release = release;
  }

  /** A MiB of transfer went through: rest comes {@link REST_AFTER_MS} after the last one. */
  busy(): void {
    this.#lastBusy = performance.now();
    if (this.#timer === undefined) this.#arm(REST_AFTER_MS);
  }

  /** Cancels a pending rest (the agent is stopping). */
  dispose(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(ms: number): void {
    const timer = setTimeout(() => this.#due(), ms);
    Deno.unrefTimer(timer);
    this.#timer = timer;
  }

  #due(): void {
    const quiet = performance.now() - this.#lastBusy;
    if (quiet < REST_AFTER_MS) return this.#arm(REST_AFTER_MS - quiet);
    this.#timer = undefined;
    this.#release();
    EMPTY_MATCH.exec(""); // the last large match subject, see GarbageBudget.settle()
    collectGarbage?.();
    trimMalloc();
  }
}

/** Allocations at least this large get their own mapping, returned to the kernel when freed. */
export const MALLOC_MMAP_THRESHOLD = 16 * 1024 * 1024;
/** Free memory at the top of the heap beyond this is returned to the kernel. */
export const MALLOC_TRIM_THRESHOLD = 16 * 1024 * 1024;

/**
 * Fixes glibc's malloc thresholds, which otherwise adapt upwards: each time a buffer that had
 * its own mapping is freed, glibc raises the mapping threshold to that buffer's size (up to
 * 32 MiB) and the heap-trim threshold to twice that, so later buffers of that size come from the
 * heap and up to 64 MiB of freed memory stays resident. The agent's large buffers (V8's
 * ArrayBuffers behind requests and replies of tens of MiB) are exactly that pattern: measured on
 * 16 requests with 24 MiB member names, the heap kept 28–52 MiB after they were freed. With
 * fixed thresholds the heap stays at ~4 MiB; buffers below 16 MiB (file-transfer chunks) are
 * still recycled within the heap.
 */
export function fixMallocThresholds(): void {
  setMallocThresholds({ mmap: MALLOC_MMAP_THRESHOLD, trim: MALLOC_TRIM_THRESHOLD });
}
