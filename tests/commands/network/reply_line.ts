/**
 * Reply lines of our handlers as dispatch writes them, for comparisons with the oracle.
 *
 * @module
 */

import { QgaError } from "../../../src/schema/errors.ts";
import { shapeValue } from "../../../src/dispatch/shape.ts";
import { toJson } from "../../../src/qobject/writer.ts";
import type { TypeRef } from "../../../src/schema/schema.ts";

/** Replaces every statistics counter by `@N@` (counters move between two reads). */
export function normalizeCounters(reply: string): string {
  return reply.replace(/"((?:rx|tx)-(?:bytes|packets|errs|dropped))": \d+/g, '"$1": @N@');
}

/**
 * Our reply line for a handler's outcome, as dispatch would write it (without the `\n`).
 *
 * @param returns The command's return type.
 * @param run Computes the return value or throws a QgaError.
 * @returns `{"return": ...}` or `{"error": {...}}`.
 */
export function ourReply(returns: TypeRef, run: () => unknown): string {
  try {
    return toJson({ return: shapeValue(returns, run()) });
  } catch (e) {
    if (!(e instanceof QgaError)) throw e;
    return toJson({ error: { class: e.errorClass, desc: e.desc } });
  }
}
