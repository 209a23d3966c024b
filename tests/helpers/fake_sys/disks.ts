/**
 * A fake of the disks domain ({@link Disks}).
 *
 * @module
 */

import type { Disks } from "../../../src/sys/disks/disks.ts";

/** The fake. */
export class FakeDisks implements Disks {}
