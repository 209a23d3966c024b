/**
 * Order statistics for benchmark samples.
 *
 * @module
 */

/**
 * The `p`-th percentile of `samples` (nearest rank on the sorted values; `p` in 0..100).
 *
 * @param samples The measurements (not modified).
 * @param p The percentile, e.g. 50 for the median or 99.
 * @returns The value, or NaN for no samples.
 */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

/**
 * The median of `samples` (the mean of the two middle values for an even count).
 *
 * @param samples The measurements (not modified).
 * @returns The median, or NaN for no samples.
 */
export function median(samples: readonly number[]): number {
  if (samples.length === 0) return NaN;
  const sorted = Float64Array.from(samples).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
