/**
 * glibc's malloc, tuned and trimmed: the agent's large buffers (V8's ArrayBuffers behind
 * requests, replies and file data) come from it, and what it keeps after they are freed is the
 * agent's resident memory at rest (see `src/agent/memory.ts`).
 *
 * @module
 */

import { libc } from "./libc.ts";

/** glibc's `mallopt()` parameters (malloc.h). */
const M_TRIM_THRESHOLD = -1;
const M_MMAP_THRESHOLD = -3;

/**
 * Fixes glibc's malloc mapping and heap-trim thresholds (`mallopt(M_MMAP_THRESHOLD)`,
 * `mallopt(M_TRIM_THRESHOLD)`), which otherwise adapt upwards; see `src/agent/memory.ts` for why.
 */
export function setMallocThresholds(thresholds: { mmap: number; trim: number }): void {
  libc().mallopt(M_MMAP_THRESHOLD, thresholds.mmap);
  libc().mallopt(M_TRIM_THRESHOLD, thresholds.trim);
}

/**
 * `malloc_trim(0)`: returns every whole free page of malloc's heaps to the system (not only the
 * top of the heap, as freeing does beyond the trim threshold). Returns true when memory was
 * released.
 */
export function trimMalloc(): boolean {
  return libc().malloc_trim(0n) === 1;
}
