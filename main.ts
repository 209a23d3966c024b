/**
 * qga-deno: a QEMU guest agent, wire-compatible with qemu-ga.
 *
 * Entry point: options → configuration → {@link runAgent}. Exit status 0 on a clean stop, 1 on
 * an initialisation failure, as qemu-ga.
 *
 * @module
 */

import { runAgent } from "./src/agent/run.ts";

if (import.meta.main) {
  Deno.exit(await runAgent(Deno.args));
}
