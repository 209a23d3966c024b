/**
 * Landlock's file-system access rights as words (`read-file`, `make-sock`, …): their bits, the
 * ABI version that brought each, and which ones a rule keeps on a given kernel and path — pure
 * functions over the table in `./sandbox_structs.ts`; `./landlock.ts` does the system calls.
 *
 * @module
 */

import { LandlockAccessFs } from "./sandbox_structs.ts";

/** A file-system access right (`LANDLOCK_ACCESS_FS_*`, in lower-case words). */
export type LandlockRight =
  | "execute"
  | "write-file"
  | "read-file"
  | "read-dir"
  | "remove-dir"
  | "remove-file"
  | "make-char"
  | "make-dir"
  | "make-reg"
  | "make-sock"
  | "make-fifo"
  | "make-block"
  | "make-sym"
  | "refer"
  | "truncate"
  | "ioctl-dev";

/** Each right's bit and the ABI version that introduced it. */
const RIGHTS: Readonly<Record<LandlockRight, { readonly bit: number; readonly abi: number }>> = {
  "execute": LandlockAccessFs.EXECUTE,
  "write-file": LandlockAccessFs.WRITE_FILE,
  "read-file": LandlockAccessFs.READ_FILE,
  "read-dir": LandlockAccessFs.READ_DIR,
  "remove-dir": LandlockAccessFs.REMOVE_DIR,
  "remove-file": LandlockAccessFs.REMOVE_FILE,
  "make-char": LandlockAccessFs.MAKE_CHAR,
  "make-dir": LandlockAccessFs.MAKE_DIR,
  "make-reg": LandlockAccessFs.MAKE_REG,
  "make-sock": LandlockAccessFs.MAKE_SOCK,
  "make-fifo": LandlockAccessFs.MAKE_FIFO,
  "make-block": LandlockAccessFs.MAKE_BLOCK,
  "make-sym": LandlockAccessFs.MAKE_SYM,
  "refer": LandlockAccessFs.REFER,
  "truncate": LandlockAccessFs.TRUNCATE,
  "ioctl-dev": LandlockAccessFs.IOCTL_DEV,
};

/** Every right, in bit order. */
export const LANDLOCK_RIGHTS: readonly LandlockRight[] = Object.keys(RIGHTS) as LandlockRight[];

/** The rights a single file (not a directory) can take; the kernel refuses the others. */
export const FILE_RIGHTS: readonly LandlockRight[] = [
  "execute",
  "write-file",
  "read-file",
  "truncate",
  "ioctl-dev",
];

/** The rights ABI version `abi` knows, in bit order. */
export function rightsKnownBy(abi: number): LandlockRight[] {
  return LANDLOCK_RIGHTS.filter((r) => RIGHTS[r].abi <= abi);
}

/**
 * The rights of a rule that the kernel will take: those ABI `abi` knows, and for a file (not a
 * directory) only {@link FILE_RIGHTS}; in bit order, without duplicates.
 */
export function effectiveRights(
  rights: readonly LandlockRight[],
  abi: number,
  directory: boolean,
): LandlockRight[] {
  return rightsKnownBy(abi).filter((r) =>
    rights.includes(r) && (directory || FILE_RIGHTS.includes(r))
  );
}

/** The bit mask of `rights`. */
export function rightsMask(rights: readonly LandlockRight[]): number {
  return rights.reduce((mask, r) => mask | RIGHTS[r].bit, 0);
}
