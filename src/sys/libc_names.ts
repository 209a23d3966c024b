/**
 * The names of the libc functions and variables the agent binds (`./libc_symbols.ts`), for the
 * audit (`--print-policy`) — without opening libc.
 *
 * @module
 */

import { LIBC_SYMBOLS } from "./libc_symbols.ts";

/** The libc symbol names, each once, in table order (aliases such as `poll_nb` by their C name). */
export function boundSymbolNames(): string[] {
  const names = Object.entries(LIBC_SYMBOLS).map(([key, def]) =>
    "name" in def && typeof def.name === "string" ? def.name : key
  );
  return [...new Set(names)];
}
