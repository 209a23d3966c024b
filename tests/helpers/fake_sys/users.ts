/**
 * A fake of the users domain ({@link Users}).
 *
 * @module
 */

import type { Users } from "../../../src/sys/users.ts";

/** The fake. */
export class FakeUsers implements Users {}
