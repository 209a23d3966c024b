/**
 * libc for test and benchmark helpers that need symbols the agent's own table lacks (pty
 * set-up, `usleep`): opened with the caller's symbol table from the agent's candidate paths
 * (`libcCandidates` of `src/sys/libc.ts`), with errno read through the same library.
 *
 * @module
 */

import { libcCandidates } from "../../src/sys/libc.ts";

/**
 * A lazily opened libc with the symbols of `table`.
 *
 * @param table The FFI symbol table (must include `__errno_location`).
 * @returns `symbols()`, which opens libc on first use and throws when no candidate path loads,
 *   and `errno()`, the calling thread's errno (valid right after a failed synchronous call).
 */
export function lazyLibc<S extends Deno.ForeignLibraryInterface>(
  table: S,
): { symbols(): Deno.DynamicLibrary<S>["symbols"]; errno(): number } {
  let library: Deno.DynamicLibrary<S> | undefined;
  const symbols = () => {
    if (library) return library.symbols;
    const candidates = libcCandidates();
    for (const path of candidates) {
      try {
        library = Deno.dlopen(path, table);
        return library.symbols;
      } catch {
        // Try the next location.
      }
    }
    throw new Error(`cannot open libc (tried ${candidates.join(", ")})`);
  };
  const errno = () => {
    const location = symbols() as unknown as { __errno_location(): Deno.PointerValue };
    const p = location.__errno_location();
    return p === null ? 0 : new Deno.UnsafePointerView(p).getInt32();
  };
  return { symbols, errno };
}
