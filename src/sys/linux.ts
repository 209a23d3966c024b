/**
 * The production {@link Sys}: Linux through libc FFI.
 *
 * @module
 */

import { realtimeNs } from "./libc.ts";
import type { Sys } from "./sys.ts";

/** Returns the Linux implementation of {@link Sys}. */
export function linuxSys(): Sys {
  return { realtimeNs };
}
