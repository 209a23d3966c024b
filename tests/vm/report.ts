/**
 * The end of a VM suite's report: the guest consoles and failed checks when anything failed,
 * the timings, the skipped checks (a line of their own), and the summary line `N passed, M
 * failed` that `.ci/run` adds up.
 *
 * @module
 */

import type { SuiteResult } from "./suite.ts";

/**
 * Formats the end of a report: failures' console logs (when anything failed), timings and the
 * summary line `N passed, M failed`.
 *
 * @param r The suite result.
 * @returns The text.
 */
export function formatReport(r: SuiteResult): string {
  const passed = r.results.filter((x) => x.ok && x.skipped === undefined).length;
  const failed = r.results.filter((x) => !x.ok).length;
  const skipped = r.results.filter((x) => x.skipped !== undefined);
  const lines: string[] = [];
  if (failed > 0) {
    for (const c of r.consoles) {
      lines.push(`--- guest console (${c.label} boot) ---`, c.text.trimEnd(), "--- end ---");
    }
    lines.push("failed checks:");
    for (const x of r.results.filter((x) => !x.ok)) lines.push(`  ${x.name}`);
  }
  const s = (ms?: number) => (ms === undefined ? "-" : `${(ms / 1000).toFixed(1)} s`);
  const t = r.timings;
  lines.push(
    `timings: build ${s(t.build)}, boot to agent ${s(t.boot)}, main checks ${s(t.checks)}, ` +
      `shutdown boot ${s(t.shutdownBoot)}, total ${s(t.total)}`,
  );
  if (skipped.length > 0) {
    const reasons = [...new Set(skipped.map((x) => x.skipped))].join("; ");
    lines.push(`${skipped.length} skipped (counted neither passed nor failed): ${reasons}`);
  }
  lines.push(`${passed} passed, ${failed} failed`);
  return lines.join("\n");
}
