/**
 * A fake of the memory domain ({@link Memory}).
 *
 * @module
 */

import type { Memory } from "../../../src/sys/memory.ts";

/** The fake. */
export class FakeMemory implements Memory {}
