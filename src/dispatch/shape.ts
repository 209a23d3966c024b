/**
 * Shapes a handler's return value by its schema type before it is written: struct members are
 * re-inserted in schema order (which, with QDict ordering, gives qemu-ga's member order), absent
 * optional members are dropped, integers are made exact `bigint`s, and `plain` members stay the
 * `PlainText` (or `Base64Data`) their handler vouched for.
 *
 * @module
 */

import { Base64Data, PlainText, type QPlainObject, type QValue } from "../qobject/value.ts";
import { namedType, type TypeRef } from "../schema/schema.ts";

/** Returns `value` shaped as schema type `type`; throws TypeError on a handler bug. */
export function shapeValue(type: TypeRef, value: unknown): QValue {
  if (typeof type === "object") {
    if (!Array.isArray(value)) throw new TypeError("handler returned a non-list for a list type");
    return value.map((v) => shapeValue(type.list, v));
  }
  switch (type) {
    case "int":
    case "uint64":
      if (typeof value === "number" && Number.isSafeInteger(value)) return BigInt(value);
      if (typeof value !== "bigint") throw new TypeError(`handler returned ${value} for ${type}`);
      return value;
    case "str":
      if (typeof value !== "string" && !(value instanceof Uint8Array)) {
        throw new TypeError("handler returned a non-string for str");
      }
      return value;
    case "bool":
      return Boolean(value);
    case "number":
      return Number(value);
  }
  const def = namedType(type);
  if (def.kind !== "struct") return value as QValue;
  const input = value as Record<string, unknown>;
  const out: QPlainObject = {};
  for (const m of def.members) {
    const v = input[m.name];
    if (v === undefined) {
      if (!m.optional) throw new TypeError(`handler left out member '${m.name}' of ${type}`);
      continue;
    }
    if (m.plain === true) {
      if (!(v instanceof PlainText || v instanceof Base64Data)) {
        throw new TypeError(`handler returned a non-PlainText for ${m.name}`);
      }
      out[m.name] = v;
      continue;
    }
    out[m.name] = shapeValue(m.type, v);
  }
  return out;
}
