/**
 * Moves a large member name out of V8's young generation before it is hashed.
 *
 * V8 internalizes a string used as a `Map` key (a parsed QDict's member names): a string in the
 * old generation is internalized in place, but a young one is copied into the old generation and
 * left behind as garbage. A decoded string of 1 MiB or more is a young large object, so a 24 MiB
 * member name cost a second 24 MiB copy the moment the parser checked it for duplicates — while
 * the message's token bytes were still held. A minor collection promotes large objects without
 * copying them (their pages change generation); with a young generation of 1 MiB
 * (`--max-semi-space-size=1`) it takes a fraction of a millisecond. Only member names are
 * promoted: large values (file data) are never hashed, and promoting them early costs the
 * collector more than it saves.
 *
 * @module
 */

/** V8's `gc()`, present when the agent runs with `--expose-gc` (deno.json's start task). */
const collectGarbage = (globalThis as { gc?: (options?: { type: string }) => void }).gc;

/** Member names at least this long are promoted at once (UTF-16 units). */
export const TENURE_LENGTH = 1024 * 1024;

/**
 * Promotes the young generation — `name` included — when `name` is at least
 * {@linkcode TENURE_LENGTH} units long; a no-op without `--expose-gc`.
 */
export function tenureLargeName(name: string): void {
  if (name.length >= TENURE_LENGTH) collectGarbage?.({ type: "minor" });
}
