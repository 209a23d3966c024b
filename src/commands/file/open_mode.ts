/**
 * `guest-file-open` modes: the exact `fopen()`-style strings qemu-ga accepts and the `open(2)`
 * flags each one stands for.
 *
 * @module
 */

import { QgaError } from "../../schema/errors.ts";
import type { FileAccess } from "../../sys/files/files.ts";

/** The access a mode string asks for (qemu-ga's `O_*` flags, as booleans), with its name. */
export interface OpenMode extends FileAccess {
  /** The mode string as the client sent it (used in messages). */
  readonly name: string;
}

type Flags = FileAccess;

const R: Flags = { read: true, write: false, append: false, truncate: false, create: false };
const W: Flags = { read: false, write: true, append: false, truncate: true, create: true };
const A: Flags = { read: false, write: true, append: true, truncate: false, create: true };
const R_PLUS: Flags = { ...R, write: true };
const W_PLUS: Flags = { ...W, read: true };
const A_PLUS: Flags = { ...A, read: true };

/** Every accepted mode string (compared exactly, like qemu-ga's `strcmp` table). */
export const OPEN_MODES: ReadonlyMap<string, Flags> = new Map([
  ["r", R],
  ["rb", R],
  ["w", W],
  ["wb", W],
  ["a", A],
  ["ab", A],
  ["r+", R_PLUS],
  ["rb+", R_PLUS],
  ["r+b", R_PLUS],
  ["w+", W_PLUS],
  ["wb+", W_PLUS],
  ["w+b", W_PLUS],
  ["a+", A_PLUS],
  ["ab+", A_PLUS],
  ["a+b", A_PLUS],
]);

/** The mode used when the client sends none. */
export const DEFAULT_OPEN_MODE = "r";

/** Parses a mode string; throws qemu-ga's `invalid file open mode '<mode>'` for anything else. */
export function parseOpenMode(mode: string): OpenMode {
  const flags = OPEN_MODES.get(mode);
  if (!flags) throw new QgaError(`invalid file open mode '${mode}'`);
  return { name: mode, ...flags };
}
