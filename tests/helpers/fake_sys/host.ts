/**
 * A fake of the host domain ({@link Host}).
 *
 * @module
 */

import type { Host } from "../../../src/sys/host.ts";

/** The fake. */
export class FakeHost implements Host {}
