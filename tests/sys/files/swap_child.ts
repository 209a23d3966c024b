/**
 * Child of `race_test.ts`: swaps two paths with `renameat2(RENAME_EXCHANGE)` as fast as it can
 * until killed — a guest user who owns a directory inside a file root, swapping it with a
 * symbolic link to somewhere else while the agent opens files through it.
 *
 * Usage: `deno run --allow-ffi swap_child.ts <path-a> <path-b>`
 *
 * @module
 */

import { libcCandidates } from "../../../src/sys/libc.ts";

const AT_FDCWD = -100;
const RENAME_EXCHANGE = 2;
const lib = Deno.dlopen(libcCandidates()[0]!, {
  renameat2: { parameters: ["i32", "buffer", "i32", "buffer", "u32"], result: "i32" },
});
const encoder = new TextEncoder();
const a = encoder.encode(`${Deno.args[0]}\0`);
const b = encoder.encode(`${Deno.args[1]}\0`);
if (lib.symbols.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE) !== 0) {
  console.error("renameat2 failed");
  Deno.exit(1);
}
console.log("swapping");
while (true) lib.symbols.renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
