/**
 * JSON as the client reads and writes it: replies are parsed with every integer as an exact
 * `bigint` (ids, pids, handles, sizes and nanosecond times are int64 on the wire; a double would
 * round them above 2^53), floats stay numbers; requests and `--json` output print bigints back
 * verbatim.
 *
 * @module
 */

/** A JSON value as parsed by {@linkcode parseJson}: integers are bigints. */
export type Json =
  | null
  | boolean
  | bigint
  | number
  | string
  | Json[]
  | { [key: string]: Json };

/** A JSON object as parsed by {@linkcode parseJson}. */
export type JsonObject = { [key: string]: Json };

const INTEGER = /^-?\d+$/;

/** `JSON.parse` reviver: integer literals (by their source text) become exact bigints. */
function exactIntegers(_key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value === "number" && context?.source !== undefined && INTEGER.test(context.source)) {
    return BigInt(context.source);
  }
  return value;
}

/**
 * Parses JSON text with every integer as a bigint.
 *
 * @param text JSON text.
 * @returns The value.
 * @throws SyntaxError if the text is not JSON.
 *
 * @example
 * ```ts
 * import { parseJson } from "./json.ts";
 * const reply = parseJson('{"return": 1700000000123456789}') as { return: bigint };
 * if (reply.return !== 1700000000123456789n) throw new Error("not exact");
 * ```
 */
export function parseJson(text: string): Json {
  return JSON.parse(text, exactIntegers as (key: string, value: unknown) => unknown) as Json;
}

/** `JSON.rawJSON` (ES2026, newer than TypeScript's lib): JSON text to embed verbatim. */
const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/** `JSON.stringify` replacer: bigints as their digits. */
function bigintsVerbatim(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? rawJSON(value.toString()) : value;
}

/**
 * JSON text of a value that may hold bigints (printed exactly).
 *
 * @param value The value.
 * @param indent Indentation for pretty output (none: one line).
 * @returns The JSON text.
 */
export function toJsonText(value: unknown, indent?: number): string {
  return JSON.stringify(value, bigintsVerbatim, indent) ?? "null";
}

/** True if `value` is a JSON object (not an array, not null). */
export function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A JSON number (integer or not) as a JS number, for display and arithmetic on sizes.
 *
 * @param value The value.
 * @returns The number, or `undefined` if `value` is not a number.
 */
export function toNumber(value: Json | undefined): number | undefined {
  if (typeof value === "bigint") return Number(value);
  if (typeof value === "number") return value;
  return undefined;
}
